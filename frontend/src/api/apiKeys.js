// API 密钥 for the assessment systems that read the figures.
import { api } from '../api.js'
import { path } from './url.js'

export const list = () => api.get('/api-keys')
export const create = (body) => api.post('/api-keys', body)
export const revoke = (id) => api.post(path('api-keys', id, 'revoke'))
