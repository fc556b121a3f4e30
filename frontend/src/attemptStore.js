// What this browser keeps about a quiz attempt in localStorage, so that a
// slow network, a reload or a closed tab loses nothing:
// - the answers given so far (written on every tap, before the server hears);
// - the question the resident was on;
// - the Idempotency-Key of the submission, made once per attempt and reused
//   by every retry, so a retry after a dropped connection gets the first
//   result instead of a second submission;
// - which attempt of a quiz is under way, to resume it without starting one;
// - the questions as served, so the result page can show them after a reload
//   (GET /attempts/{id} does not give them back once submitted).
// Nothing here is secret: the server keeps the answer key.

const PREFIX = 'wuzha.quiz.'
const answersKey = (attemptId) => `${PREFIX}answers.${attemptId}`
const submitKeyKey = (attemptId) => `${PREFIX}submitKey.${attemptId}`
const questionsKey = (attemptId) => `${PREFIX}questions.${attemptId}`
const openKey = (quizId) => `${PREFIX}open.${quizId}`

/** How many attempts' questions are kept for result pages. */
export const KEEP_QUESTIONS = 5

function defaultStorage() {
  try {
    return globalThis.localStorage ?? null
  } catch {
    return null
  }
}

function read(storage, key) {
  try {
    const raw = storage?.getItem(key)
    return raw ? JSON.parse(raw) : null
  } catch {
    return null
  }
}

function write(storage, key, value) {
  try {
    storage?.setItem(key, JSON.stringify(value))
    return true
  } catch {
    return false // full or blocked: the page still works, only without the copy
  }
}

function remove(storage, key) {
  try {
    storage?.removeItem(key)
  } catch {
    // nothing to do
  }
}

/** loadLocalAnswers returns {answers: {id: keys}, index} kept for an attempt, or null. */
export function loadLocalAnswers(attemptId, storage = defaultStorage()) {
  const v = read(storage, answersKey(attemptId))
  if (!v || typeof v !== 'object' || typeof v.answers !== 'object' || !v.answers) return null
  return { answers: v.answers, index: Number.isInteger(v.index) ? v.index : null }
}

/** saveLocalAnswers keeps the answers (and the question on screen) of an attempt. */
export function saveLocalAnswers(attemptId, answers, index, storage = defaultStorage()) {
  return write(storage, answersKey(attemptId), { answers, index, at: Date.now() })
}

/**
 * submitKey returns the attempt's Idempotency-Key, making and storing one the
 * first time. When storage is blocked the key still holds for this page view.
 */
const unsavedKeys = new Map()
export function submitKey(attemptId, storage = defaultStorage(), make = newIdempotencyKey) {
  const stored = read(storage, submitKeyKey(attemptId))
  if (typeof stored === 'string' && /^[A-Za-z0-9_-]{16,100}$/.test(stored)) return stored
  if (unsavedKeys.has(String(attemptId))) return unsavedKeys.get(String(attemptId))
  const key = make()
  if (!write(storage, submitKeyKey(attemptId), key) || read(storage, submitKeyKey(attemptId)) !== key) {
    unsavedKeys.set(String(attemptId), key)
  }
  return key
}

/** newIdempotencyKey makes a random key of 32 hex digits (128 bits). */
export function newIdempotencyKey(randomBytes = (n) => globalThis.crypto.getRandomValues(new Uint8Array(n))) {
  return Array.from(randomBytes(16), (b) => b.toString(16).padStart(2, '0')).join('')
}

/** rememberOpenAttempt notes which attempt of a quiz is under way. */
export function rememberOpenAttempt(quizId, attemptId, storage = defaultStorage()) {
  write(storage, openKey(quizId), attemptId)
}

/** openAttemptOf returns the attempt of a quiz noted as under way, or null. */
export function openAttemptOf(quizId, storage = defaultStorage()) {
  const id = read(storage, openKey(quizId))
  return Number.isInteger(id) && id > 0 ? id : null
}

/**
 * keepServed stores what an attempt served ({quiz_id, quiz_title, questions}),
 * keeping only the newest few attempts'.
 */
export function keepServed(attemptId, served, storage = defaultStorage()) {
  if (!storage) return
  const kept = []
  try {
    for (let i = 0; i < storage.length; i++) {
      const k = storage.key(i)
      if (k?.startsWith(`${PREFIX}questions.`) && k !== questionsKey(attemptId)) kept.push(k)
    }
  } catch {
    return
  }
  // Attempt ids grow, so the smallest are the oldest.
  kept.sort((a, b) => Number(a.split('.').pop()) - Number(b.split('.').pop()))
  for (const k of kept.slice(0, Math.max(0, kept.length - (KEEP_QUESTIONS - 1)))) remove(storage, k)
  write(storage, questionsKey(attemptId), served)
}

/** keptServed returns what keepServed stored for an attempt, or null. */
export function keptServed(attemptId, storage = defaultStorage()) {
  const v = read(storage, questionsKey(attemptId))
  return v && typeof v === 'object' && Array.isArray(v.questions) ? v : null
}

/**
 * forgetAttempt drops what was kept while taking an attempt once it is
 * submitted (the server has the answers and the result now). The questions
 * stay for the result page.
 */
export function forgetAttempt(attemptId, quizId, storage = defaultStorage()) {
  remove(storage, answersKey(attemptId))
  remove(storage, submitKeyKey(attemptId))
  unsavedKeys.delete(String(attemptId))
  if (quizId != null && openAttemptOf(quizId, storage) === attemptId) remove(storage, openKey(quizId))
}
