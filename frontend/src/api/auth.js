// Signing in and out.
import { api } from '../api.js'

export const login = (body) => api.post('/auth/login', body)
export const smsCode = (body) => api.post('/auth/sms-code', body)
export const smsLogin = (body) => api.post('/auth/sms-login', body)
export const refresh = (refreshToken) => api.post('/auth/refresh', { refresh_token: refreshToken })
export const logout = (refreshToken) => api.post('/auth/logout', { refresh_token: refreshToken })
