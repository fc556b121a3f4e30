// What the search pickers search: warnings, questions and areas, each as
// {value, text, note} options from the server's own search (scoped there).
import * as areasApi from './api/areas.js'
import * as questionsApi from './api/questions.js'
import * as warningsApi from './api/warnings.js'
import { questionStatusName } from './questions.js'
import { statusName } from './warnings.js'

const LIMIT = 30

const shorten = (s, n = 60) => (s && s.length > n ? `${s.slice(0, n)}…` : s || '')

export const warningOption = (w) => ({ value: w.id, text: w.title, note: `编号 ${w.id} · ${statusName(w.status)}` })
export const questionOption = (q) => ({ value: q.id, text: shorten(q.stem), note: `编号 ${q.id} · ${questionStatusName(q.status)}` })
export const areaOption = (a) => ({ value: a.code, text: a.name, note: a.path_name ? `${a.path_name}（${a.code}）` : a.code })

/** resolveEach looks each value up by itself (names of what is already chosen). */
const resolveEach = (get, option) => (values) =>
  Promise.all(values.map((v) => get(v).then(option, () => ({ value: v, text: `#${v}（无法读取）` }))))

export const warningPicker = {
  search: async (q) => ((await warningsApi.list({ q, limit: LIMIT }))?.items ?? []).map(warningOption),
  resolve: resolveEach((id) => warningsApi.get(id), warningOption),
}

export const questionPicker = {
  search: async (q) => ((await questionsApi.list({ q, limit: LIMIT }))?.items ?? []).map(questionOption),
  resolve: resolveEach((id) => questionsApi.get(id), questionOption),
}

/** areaPicker searches areas by name or code, optionally of one level. */
export const areaPicker = (level) => ({
  search: async (q) => (q ? ((await areasApi.search({ q, level }))?.items ?? []).map(areaOption) : []),
  resolve: resolveEach((code) => areasApi.get(code), areaOption),
})
