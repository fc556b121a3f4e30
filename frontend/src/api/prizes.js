// 兑奖: looking up and redeeming prize codes, and what was handed over.
import { api } from '../api.js'

export const lookup = (code) => api.post('/prizes/lookup', { code })
export const redeem = (code) => api.post('/prizes/redeem', { code })
/** redeemed is a page of prizes handed over in the caller's scope ({mine: true}: by the caller), latest first. */
export const redeemed = (query) => api.get('/prizes/redeemed', query)
