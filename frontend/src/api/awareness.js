// 知晓率: the awareness figures of an area and of its grids.
import { api } from '../api.js'
import { path } from './url.js'

export const figures = (code, period) => api.get(path('awareness', code), period ? { period } : undefined)
export const grids = (code, period) => api.get(path('awareness', code, 'grids'), period ? { period } : undefined)
