// 现场答题: a grid worker's on-site sessions and the code residents join with.
import { api } from '../api.js'
import { path } from './url.js'

export const list = () => api.get('/sessions')
export const get = (id) => api.get(path('sessions', id))
export const open = (quizId) => api.post('/sessions', { quiz_id: quizId })
export const close = (id) => api.post(path('sessions', id, 'close'))
export const join = (code) => api.get(path('sessions', 'join', code))
