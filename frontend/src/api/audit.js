// 操作日志: the staff audit log.
import { api } from '../api.js'

export const list = (query) => api.get('/audit', query)
export const actions = () => api.get('/audit/actions')
