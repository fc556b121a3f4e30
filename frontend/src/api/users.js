// 用户管理: staff accounts.
import { api } from '../api.js'
import { path } from './url.js'

export const list = (query) => api.get('/users', query)
export const create = (body) => api.post('/users', body)
export const update = (id, body) => api.patch(path('users', id), body)
export const unlockLogin = (id) => api.post(path('users', id, 'unlock-login'))
/** importFile creates staff from a CSV or XLSX sheet; answers {created:[{username, initial_password, …}]}. */
export const importFile = (file) => api.upload('/users/import', file)
