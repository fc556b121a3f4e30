// Taking a prize quiz (有奖问答): the answers given so far, the countdown, and
// how a quiz is described to a resident. Everything here is pure; the pages
// and src/attemptStore.js keep the state.

export const KIND_NAMES = {
  single: '单选题',
  multiple: '多选题',
  true_false: '判断题',
}

/** kindName gives the Chinese name of a question kind, or the code when unknown. */
export function kindName(kind) {
  return KIND_NAMES[kind] || kind || ''
}

const sortKeys = (keys) => [...new Set(keys)].sort()

/**
 * chooseKey returns a question's keys after tapping `key`: single and
 * true/false questions take the tapped key (tapping it again keeps it, so a
 * shaky finger cannot clear an answer); multiple choice toggles it.
 */
export function chooseKey(kind, keys, key) {
  const current = Array.isArray(keys) ? keys : []
  if (kind === 'multiple') {
    return sortKeys(current.includes(key) ? current.filter((k) => k !== key) : [...current, key])
  }
  return [key]
}

/** isAnswered reports whether a question has at least one key chosen. */
export function isAnswered(answers, questionId) {
  return Array.isArray(answers?.[questionId]) && answers[questionId].length > 0
}

/**
 * answersFromSaved turns the API's [{question_id, keys}] into {id: keys},
 * keeping only questions that were served and keys they offer.
 */
export function answersFromSaved(saved, questions) {
  const out = {}
  for (const a of Array.isArray(saved) ? saved : []) {
    const keys = validKeys(questions, a?.question_id, a?.keys)
    if (keys) out[a.question_id] = keys
  }
  return out
}

// validKeys returns the keys of `keys` that question `id` offers (sorted), or
// null when the question was not served.
function validKeys(questions, id, keys) {
  const q = (questions || []).find((x) => x.id === Number(id))
  if (!q || !Array.isArray(keys)) return null
  const offered = new Set((q.options || []).map((o) => o.key))
  const ok = sortKeys(keys.filter((k) => offered.has(k)))
  return q.kind === 'multiple' ? ok : ok.slice(0, 1)
}

/**
 * mergeAnswers combines the answers the server saved with the copy kept in
 * this browser. The local copy is written on every tap, before the server
 * hears of it, so where it has a question it is the newer one.
 */
export function mergeAnswers(questions, server, local) {
  const out = {}
  for (const q of questions || []) {
    const mine = local && Object.hasOwn(local, q.id) ? validKeys(questions, q.id, local[q.id]) : null
    const theirs = server && Object.hasOwn(server, q.id) ? validKeys(questions, q.id, server[q.id]) : null
    const keys = mine ?? theirs
    if (keys && keys.length) out[q.id] = keys
  }
  return out
}

/** answersPayload is the `answers` of PUT …/answers and POST …/submit: answered questions, in served order. */
export function answersPayload(questions, answers) {
  return (questions || [])
    .filter((q) => isAnswered(answers, q.id))
    .map((q) => ({ question_id: q.id, keys: [...answers[q.id]] }))
}

/** unansweredNumbers lists the 1-based numbers of the questions not answered yet. */
export function unansweredNumbers(questions, answers) {
  return (questions || []).flatMap((q, i) => (isAnswered(answers, q.id) ? [] : [i + 1]))
}

/**
 * resumeIndex is where to pick up: the position remembered in this browser
 * if there is one, else the first unanswered question, else the last one.
 */
export function resumeIndex(questions, answers, remembered) {
  const n = questions?.length ?? 0
  if (!n) return 0
  if (Number.isInteger(remembered) && remembered >= 0 && remembered < n) return remembered
  const first = questions.findIndex((q) => !isAnswered(answers, q.id))
  return first >= 0 ? first : n - 1
}

/** keysText shows keys as "A、C", or "未作答" when there are none. */
export function keysText(keys) {
  return Array.isArray(keys) && keys.length ? keys.join('、') : '未作答'
}

/** optionTexts shows the chosen options of a question as "A. 文字". */
export function optionTexts(question, keys) {
  if (!Array.isArray(keys)) return []
  return keys.map((k) => {
    const text = question?.options?.find((o) => o.key === k)?.text
    return text ? `${k}. ${text}` : k
  })
}

// ---- Time ----

/** secondsLeft is the whole seconds from now until the deadline (never below 0). */
export function secondsLeft(deadline, now = Date.now(), clockOffsetMs = 0) {
  const end = new Date(deadline).getTime()
  if (Number.isNaN(end)) return 0
  return Math.max(0, Math.ceil((end - (now + clockOffsetMs)) / 1000))
}

const pad = (n) => String(n).padStart(2, '0')

/** formatCountdown shows seconds as mm:ss, or h:mm:ss from an hour up. */
export function formatCountdown(seconds) {
  const s = Math.max(0, Math.floor(Number(seconds) || 0))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${pad(m)}:${pad(s % 60)}`
}

/** countdownLabel says the time left in words for screen readers: 9 分 5 秒. */
export function countdownLabel(seconds) {
  const s = Math.max(0, Math.floor(Number(seconds) || 0))
  const m = Math.floor(s / 60)
  if (!m) return `${s % 60} 秒`
  return s % 60 ? `${m} 分 ${s % 60} 秒` : `${m} 分钟`
}

/**
 * clockOffset estimates how far the server's clock is ahead of this one from
 * a freshly started attempt (its `started_at` is the server's "now" when the
 * answer was made), so a phone with a wrong clock still counts down right.
 * Small differences are network time and ignored.
 */
export function clockOffset(startedAt, receivedAt = Date.now()) {
  const server = new Date(startedAt).getTime()
  if (Number.isNaN(server)) return 0
  const diff = server - receivedAt
  return Math.abs(diff) < 5000 ? 0 : diff
}

/** formatDuration shows a time limit in seconds as 15 分钟 or 1 分 30 秒. */
export function formatDuration(seconds) {
  const s = Math.max(0, Math.round(Number(seconds) || 0))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const rest = s % 60
  const parts = []
  if (h) parts.push(`${h} 小时`)
  if (m) parts.push(rest ? `${m} 分` : `${m} 分钟`)
  if (rest || !parts.length) parts.push(`${rest} 秒`)
  return parts.join(' ')
}

// ---- A quiz as residents see it ----

/** attemptsLeft is how many more attempts a resident has, or null when not known. */
export function attemptsLeft(quiz) {
  if (!quiz || quiz.attempts_used == null) return null
  return Math.max(0, (quiz.max_attempts || 0) - quiz.attempts_used)
}

/** formatScore shows a score as 80 or 66.7 (one decimal only when needed). */
export function formatScore(score) {
  const n = Number(score)
  if (!Number.isFinite(n)) return '—'
  return Number.isInteger(n) ? String(n) : n.toFixed(1)
}

/**
 * invalidReasonText explains an invalid attempt to the resident in plain
 * words and says what to do. It takes the attempt or result (keyed on the
 * server's stable invalid_code) or, as before, a bare reason.
 */
export function invalidReasonText(attempt) {
  if (!attempt) return ''
  const code = typeof attempt === 'object' ? attempt.invalid_code || attempt.invalid_reason : attempt
  if (!code && typeof attempt === 'object' && !attempt.invalid) return ''
  if (String(code).startsWith('too_fast') || String(code).startsWith('用时过短'))
    return '答题用时过短，本次成绩无效，不计入统计，也不参加抽奖。请认真阅读每道题后再作答，下次慢一点就好。'
  return '本次成绩无效，不计入统计，也不参加抽奖。如有疑问，请联系您所在网格的网格员。'
}
