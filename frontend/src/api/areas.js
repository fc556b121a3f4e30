// 区域: the area tree, its import and the population changes awaiting approval.
import { api, API_BASE } from '../api.js'
import { path } from './url.js'

export const list = () => api.get('/areas')
export const get = (code) => api.get(path('areas', code))
export const importFile = (file) => api.upload('/areas/import', file)
export const taxonomy = () => api.get('/taxonomy')
export const changes = (query) => api.get('/area-changes', query)
export const approveChange = (id) => api.post(path('area-changes', id, 'approve'))
export const rejectChange = (id, reason) => api.post(path('area-changes', id, 'reject'), { reason })
/** gridQrUrl is the address of a grid's poster QR code (an <img> source). */
export const gridQrUrl = (code) => API_BASE + path('grids', code, 'qr.svg')
export const search = (query) => api.get('/areas', query)
