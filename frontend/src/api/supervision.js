// 督办: rectification items (整改事项), their steps and attachments, the
// workbench counts, numbered notices (通报) and the member units.
import { api, API_BASE } from '../api.js'
import { path } from './url.js'

const item = (id, ...rest) => path('rectifications', id, ...rest)

/** list is one page of items: box 'todo' (addressed to me) or 'issued', filters status, light, area_code, overdue. */
export const list = (query) => api.get('/rectifications', query)
export const get = (id) => api.get(item(id))
export const create = (body) => api.post('/rectifications', body)
/** generate opens an item for each child of area_code short of the rule in period. */
export const generate = (body) => api.post('/rectifications/generate', body)
export const summary = () => api.get('/rectifications/summary')
export const accept = (id) => api.post(item(id, 'accept'))
export const report = (id, body) => api.post(item(id, 'report'), body)
export const returnItem = (id, reason) => api.post(item(id, 'return'), { reason })
export const close = (id) => api.post(item(id, 'close'))
export const requestExtension = (id, body) => api.post(item(id, 'extension'), body)
export const approveExtension = (id) => api.post(item(id, 'extension', 'approve'))
export const rejectExtension = (id, reason) => api.post(item(id, 'extension', 'reject'), { reason })
export const upload = (id, file) => api.upload(item(id, 'attachments'), file)
export const attachment = (id, aid) => api.download(item(id, 'attachments', aid))
/** attachmentUrl is the address of an attachment (needs the bearer token: fetch it with attachment()). */
export const attachmentUrl = (id, aid) => API_BASE + item(id, 'attachments', aid)

export const notices = (query) => api.get('/notices', query)
export const notice = (id) => api.get(path('notices', id))
export const createNotice = (body) => api.post('/notices', body)

export const units = () => api.get('/units')
export const createUnit = (body) => api.post('/units', body)
export const updateUnit = (id, body) => api.patch(path('units', id), body)
