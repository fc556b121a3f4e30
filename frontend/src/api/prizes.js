// 兑奖: looking up and redeeming prize codes.
import { api } from '../api.js'

export const lookup = (code) => api.post('/prizes/lookup', { code })
export const redeem = (code) => api.post('/prizes/redeem', { code })
