// 预警: the console's warnings, their review steps and reach, and the
// resident's reading and "我已知晓".
import { api } from '../api.js'
import { path } from './url.js'

export const list = (query) => api.get('/warnings', query)
export const get = (id, options) => api.get(path('warnings', id), null, options)
export const create = (body) => api.post('/warnings', body)
export const update = (id, body) => api.patch(path('warnings', id), body)
/** step runs a review step on a warning: submit, approve, reject, publish, archive… */
export const step = (id, name, body) => api.post(path('warnings', id, name), body)
export const submit = (id) => step(id, 'submit')
export const archive = (id) => step(id, 'archive')
export const ack = (id) => step(id, 'ack')
export const preview = (bodyMarkdown) => api.post('/warnings/preview', { body_markdown: bodyMarkdown })
export const reach = (id) => api.get(path('warnings', id, 'reach'))
export const versions = (id) => api.get(path('warnings', id, 'versions'))
/** feed is the resident's page of warnings. */
export const feed = (query) => api.get('/feed', query)
/** qrURL is the address of a published warning's QR code picture (an <img> source). */
export const qrURL = (id) => `/api/v1${path('warnings', id, 'qr.png')}`
