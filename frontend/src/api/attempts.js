// 答卷: a resident's attempt at a quiz.
import { api } from '../api.js'
import { path } from './url.js'

export const get = (id) => api.get(path('attempts', id))
export const saveAnswers = (id, answers) => api.put(path('attempts', id, 'answers'), { answers })
/** submit hands an attempt in; the key makes a repeated submit harmless. */
export const submit = (id, body, idempotencyKey) =>
  api.request('POST', path('attempts', id, 'submit'), { body, headers: { 'Idempotency-Key': idempotencyKey } })
