// The console's workbench: the caller's figures and to-dos, an editor's
// review results, and a grid's residents still to visit.
import { api } from '../api.js'
import { path } from './url.js'

export const get = () => api.get('/workbench')
export const reviewResults = () => api.get('/workbench/review-results')
/** seen records that the caller has looked at a list (decisions: the review results). */
export const seen = (list) => api.post('/workbench/seen', { list })
/** unanswered is a page of the grid's residents with no counted attempt in the period (masked). */
export const unanswered = (code, query) => api.get(path('grids', code, 'unanswered'), query)
