// 知晓率: the awareness figures of an area and of its grids.
import { api } from '../api.js'
import { path } from './url.js'

export const figures = (code, period) => api.get(path('awareness', code), period ? { period } : undefined)
export const grids = (code, period) => api.get(path('awareness', code, 'grids'), period ? { period } : undefined)

/** trend answers [{period, rate, ci_low, ci_high, respondents}] for each period; a period that fails reads as empty. */
export const trend = (code, periods) =>
  Promise.all(
    periods.map((period) =>
      figures(code, period)
        .then((f) => ({ period, rate: f.rate, ci_low: f.ci_low, ci_high: f.ci_high, respondents: f.respondents }))
        .catch(() => ({ period, rate: null, ci_low: null, ci_high: null, respondents: null })),
    ),
  )
