// 问答活动: quizzes, their prize pools, statistics and training completion.
import { api } from '../api.js'
import { path } from './url.js'

export const list = (query) => api.get('/quizzes', query)
/** active lists the quizzes open to the caller now. */
export const active = (query) => api.get('/quizzes/active', query)
export const get = (id) => api.get(path('quizzes', id))
export const create = (body) => api.post('/quizzes', body)
export const update = (id, body) => api.patch(path('quizzes', id), body)
export const publish = (id) => api.post(path('quizzes', id, 'publish'))
export const prizes = (id) => api.get(path('quizzes', id, 'prizes'))
export const addPrizes = (id, body) => api.post(path('quizzes', id, 'prizes'), body)
export const stats = (id) => api.get(path('quizzes', id, 'stats'))
export const completion = (id) => api.get(path('quizzes', id, 'completion'))
/** start opens an attempt at a quiz. */
export const start = (id, body) => api.post(path('quizzes', id, 'attempts'), body)
