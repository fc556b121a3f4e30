// 平安考核: an area's assessment sheet for a period, its locks and exports,
// and the city's assessment rule.
import { api } from '../api.js'
import { path } from './url.js'

const sheetPath = (period, code, ...rest) => path('assessment', period, code, ...rest)

export const sheet = (period, code) => api.get(sheetPath(period, code))
export const history = (period, code) => api.get(sheetPath(period, code, 'history'))
/** act locks or unlocks a period: kind is 'lock' or 'unlock'. */
export const act = (period, code, kind, body) => api.post(sheetPath(period, code, kind), body)
export const verify = (period, code, version) => api.get(sheetPath(period, code, 'verify'), version ? { version } : undefined)
export const exportFile = (period, code, format) => api.download(sheetPath(period, code, 'export'), { format })
export const rule = () => api.get('/assessment/rule')
export const saveRule = (body) => api.put('/assessment/rule', body)
