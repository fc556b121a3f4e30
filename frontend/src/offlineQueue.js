// Submissions made without a network wait on the phone and are sent when it
// returns. Each keeps the Idempotency-Key made for it once (attemptStore's
// submitKey), so a resend is harmless: the server answers the same answers
// under the same key with the first result and refuses other answers under
// it. The queue is sent when the browser says it is online again, when the
// app opens, when the service worker's Background Sync fires (Chromium) and
// on 立即同步. The answers saved as one goes need no queue: answerSaver keeps
// retrying a whole-set PUT, which is harmless to repeat.

import { forgetAttempt } from './attemptStore.js'

const KEY = 'wuzha.queue.submissions'
export const SYNC_TAG = 'wuzha-queue'

/** Errors after which a queued submission is dropped: sending it again cannot succeed. */
const FINAL = new Set(['deadline_passed', 'already_submitted', 'idempotency_key_reused', 'not_found', 'invalid_answers'])

function defaultStorage() {
  try {
    return globalThis.localStorage ?? null
  } catch {
    return null
  }
}

/** queued lists the waiting submissions: [{attempt_id, quiz_id, key, body, queued_at}]. */
export function queued(storage = defaultStorage()) {
  try {
    const v = JSON.parse(storage?.getItem(KEY) ?? '[]')
    return Array.isArray(v) ? v.filter((s) => s && Number.isInteger(s.attempt_id) && typeof s.key === 'string') : []
  } catch {
    return []
  }
}

function store(list, storage) {
  try {
    if (list.length) storage?.setItem(KEY, JSON.stringify(list))
    else storage?.removeItem(KEY)
  } catch {
    // full or blocked: the page keeps the submission for this view only
  }
}

/** queuedFor returns the waiting submission of an attempt, or null. */
export function queuedFor(attemptId, storage = defaultStorage()) {
  return queued(storage).find((s) => s.attempt_id === attemptId) ?? null
}

/** enqueue keeps a submission to send later (one per attempt; the newest wins). */
export function enqueue({ attemptId, quizId, key, body }, storage = defaultStorage(), now = Date.now()) {
  const list = queued(storage).filter((s) => s.attempt_id !== attemptId)
  list.push({ attempt_id: attemptId, quiz_id: quizId ?? null, key, body, queued_at: now })
  store(list, storage)
  notify({ attemptId, outcome: 'queued' })
  requestBackgroundSync()
}

function drop(attemptId, storage) {
  store(
    queued(storage).filter((s) => s.attempt_id !== attemptId),
    storage,
  )
}

const listeners = new Set()
/** onQueue hears {attemptId, outcome: queued|sent|refused|waiting, result?, error?}; returns an unsubscribe. */
export function onQueue(fn) {
  listeners.add(fn)
  return () => listeners.delete(fn)
}
function notify(event) {
  for (const fn of [...listeners]) fn(event)
}

let running = null

/**
 * flush sends every waiting submission once, one at a time. A submission the
 * server answers (the result) or refuses for good leaves the queue; one that
 * meets no network, a server hiccup or an expired sign-in stays. Calls made
 * while a flush runs share it. Resolves to the number still waiting.
 */
export function flush(send, storage = defaultStorage()) {
  if (running) return running
  running = (async () => {
    for (const s of queued(storage)) {
      try {
        const result = await send(s)
        drop(s.attempt_id, storage)
        // The note of which attempt is under way stays: the quiz page, opened
        // again, reads the attempt from the server and shows its result.
        forgetAttempt(s.attempt_id, null, storage)
        notify({ attemptId: s.attempt_id, outcome: 'sent', result })
      } catch (err) {
        if (FINAL.has(err?.code) || err?.status === 404) {
          drop(s.attempt_id, storage)
          notify({ attemptId: s.attempt_id, outcome: 'refused', error: err })
        } else {
          notify({ attemptId: s.attempt_id, outcome: 'waiting', error: err })
        }
      }
    }
    return queued(storage).length
  })().finally(() => {
    running = null
  })
  return running
}

/** requestBackgroundSync asks the service worker to wake the app when the network is back. */
export function requestBackgroundSync() {
  try {
    globalThis.navigator?.serviceWorker?.ready
      ?.then((reg) => reg.sync?.register(SYNC_TAG))
      .catch(() => {})
  } catch {
    // no service worker: the queue is sent on `online` and when the app opens
  }
}
