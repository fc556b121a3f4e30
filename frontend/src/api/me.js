// The signed-in user: who they are, their profile, acknowledgements and prizes.
import { api } from '../api.js'

export const get = () => api.get('/me')
export const saveProfile = (body) => api.put('/me/profile', body)
export const acks = () => api.get('/me/acks')
export const prizes = () => api.get('/me/prizes')
/** attempts is a page of the resident's own attempts, newest first. */
export const attempts = (query) => api.get('/me/attempts', query)
/** close closes (注销) the resident's account. */
export const close = () => api.del('/me')
/** changePassword changes a staff user's own password. */
export const changePassword = (body) => api.post('/me/password', body)
