// The question bank (题库) in the staff console: the editor's form and the
// API's question, and keeping options, their keys and the answer in step as
// options are added, removed or the kind changes.
import { KIND_NAMES } from './quiz.js'

export const OPTION_KEYS = ['A', 'B', 'C', 'D', 'E', 'F']
export const TRUE_FALSE_OPTIONS = [
  { key: 'A', text: '正确' },
  { key: 'B', text: '错误' },
]

/** How many options each kind takes. */
export const OPTION_LIMITS = {
  single: { min: 2, max: 6 },
  multiple: { min: 3, max: 6 },
  true_false: { min: 2, max: 2 },
}

export const KIND_CHOICES = Object.entries(KIND_NAMES).map(([code, name]) => ({ code, name }))
export const KIND_FILTERS = [{ code: '', name: '全部题型' }, ...KIND_CHOICES]

export const DIFFICULTIES = [
  { code: '1', name: '简单' },
  { code: '2', name: '中等' },
  { code: '3', name: '较难' },
]

/** difficultyName gives the Chinese name of a difficulty 1–3. */
export function difficultyName(d) {
  return DIFFICULTIES.find((x) => x.code === String(d))?.name ?? String(d ?? '')
}

const blankOptions = (n) => OPTION_KEYS.slice(0, n).map((key) => ({ key, text: '' }))

/** emptyQuestionForm is the form for a new question: a single-choice question with four options. */
export function emptyQuestionForm() {
  return {
    kind: 'single',
    stem: '',
    options: blankOptions(4),
    answer: [],
    explanation: '',
    fraud_type: '',
    difficulty: '1',
    age_bands: [],
    occupations: [],
    warning_ids: [],
    active: true,
  }
}

/** formFromQuestion fills the form from a question as staff see it. */
export function formFromQuestion(q) {
  return {
    kind: q?.kind || 'single',
    stem: q?.stem ?? '',
    options: (q?.options ?? []).map((o) => ({ key: o.key, text: o.text })),
    answer: [...(q?.answer ?? [])],
    explanation: q?.explanation ?? '',
    fraud_type: q?.fraud_type ?? '',
    difficulty: String(q?.difficulty ?? 1),
    age_bands: [...(q?.age_bands ?? [])],
    occupations: [...(q?.occupations ?? [])],
    warning_ids: [...(q?.warning_ids ?? [])],
    active: q?.active ?? true,
  }
}

/**
 * withKind returns {options, answer} after changing a question's kind:
 * true/false gets its fixed 正确 / 错误; leaving it brings back blank options;
 * a single-choice question keeps at most one answer; a multiple-choice one
 * gets at least three options.
 */
export function withKind(form, kind) {
  let options = form.options.map((o) => ({ ...o }))
  let answer = [...form.answer]
  if (kind === 'true_false') {
    options = TRUE_FALSE_OPTIONS.map((o) => ({ ...o }))
    answer = answer.filter((k) => k === 'A' || k === 'B').slice(0, 1)
  } else if (form.kind === 'true_false') {
    options = blankOptions(4)
    answer = []
  }
  if (kind === 'single') answer = answer.slice(0, 1)
  const { min } = OPTION_LIMITS[kind] ?? OPTION_LIMITS.single
  while (options.length < min) options.push({ key: OPTION_KEYS[options.length], text: '' })
  return { options, answer }
}

/** addOption returns the options with one more, blank, at the end (at most six). */
export function addOption(options) {
  if (options.length >= OPTION_KEYS.length) return options
  return [...options, { key: OPTION_KEYS[options.length], text: '' }]
}

/**
 * removeOption returns {options, answer} without the option at index: the
 * options after it move up a letter, and so do the answer keys.
 */
export function removeOption(options, answer, index) {
  const kept = options.filter((_, i) => i !== index)
  const rekey = new Map(kept.map((o, i) => [o.key, OPTION_KEYS[i]]))
  return {
    options: kept.map((o, i) => ({ key: OPTION_KEYS[i], text: o.text })),
    answer: answer.filter((k) => rekey.has(k)).map((k) => rekey.get(k)).sort(),
  }
}

/** toggleAnswer marks or unmarks an option as right: one for single and true/false, any for multiple. */
export function toggleAnswer(kind, answer, key) {
  if (kind === 'multiple') {
    return answer.includes(key) ? answer.filter((k) => k !== key) : [...answer, key].sort()
  }
  return [key]
}

/** questionPayload is the body of POST /questions and PATCH /questions/{id}. */
export function questionPayload(form) {
  return {
    kind: form.kind,
    stem: form.stem.trim(),
    options: form.options.map((o) => ({ key: o.key, text: o.text.trim() })),
    answer: [...form.answer].sort(),
    explanation: form.explanation.trim(),
    fraud_type: form.fraud_type,
    difficulty: Number(form.difficulty),
    age_bands: [...form.age_bands],
    occupations: [...form.occupations],
    warning_ids: [...form.warning_ids],
    active: Boolean(form.active),
  }
}

/** questionFormProblems finds what the form cannot send as it is, by field. */
export function questionFormProblems(form) {
  const problems = {}
  if (!form.answer.length) problems.answer = form.kind === 'multiple' ? '请勾选至少两个正确答案' : '请选择正确答案'
  else if (form.kind === 'multiple' && form.answer.length < 2) problems.answer = '多选题至少要有两个正确答案'
  return problems
}

/** A question's review state in Chinese; only 已通过 questions are drawn into quizzes. */
export const QUESTION_STATUS_NAMES = {
  in_review: '待审核',
  approved: '已通过',
  rejected: '已驳回',
}
export const STATUS_FILTERS = [{ code: '', name: '全部状态' }, ...Object.entries(QUESTION_STATUS_NAMES).map(([code, name]) => ({ code, name }))]

/** questionStatusName gives the Chinese name of a question's review state. */
export function questionStatusName(status) {
  return QUESTION_STATUS_NAMES[status] ?? status ?? ''
}
