// 题库: questions, their review, and the spreadsheet import and export.
import { api } from '../api.js'
import { path } from './url.js'

export const list = (query) => api.get('/questions', query)
export const get = (id) => api.get(path('questions', id))
export const create = (body) => api.post('/questions', body)
export const update = (id, body) => api.patch(path('questions', id), body)
export const approve = (id) => api.post(path('questions', id, 'approve'))
export const reject = (id, reason) => api.post(path('questions', id, 'reject'), { reason })
export const exportFile = (format) => api.download('/questions/export', { format })
export const importFile = (file) => api.upload('/questions/import', file)
