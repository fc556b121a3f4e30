import { beforeEach, describe, expect, it } from 'vitest'
import { enqueue, flush, onQueue, queued, queuedFor } from './offlineQueue.js'
import { loadLocalAnswers, saveLocalAnswers, submitKey } from './attemptStore.js'

function memoryStorage() {
  const m = new Map()
  return {
    getItem: (k) => (m.has(k) ? m.get(k) : null),
    setItem: (k, v) => m.set(k, String(v)),
    removeItem: (k) => m.delete(k),
    key: (i) => [...m.keys()][i] ?? null,
    get length() {
      return m.size
    },
  }
}

const netErr = () => Object.assign(new Error('offline'), { code: 'network_error' })
const refusal = (code, status) => Object.assign(new Error(code), { code, status })

describe('offline submission queue', () => {
  let storage
  beforeEach(() => {
    storage = memoryStorage()
  })

  it('keeps one submission per attempt with its key, the newest winning', () => {
    enqueue({ attemptId: 7, quizId: 3, key: 'k1', body: { answers: [] } }, storage)
    enqueue({ attemptId: 7, quizId: 3, key: 'k1', body: { answers: [{ question_id: 1, keys: ['A'] }] } }, storage)
    enqueue({ attemptId: 8, quizId: 3, key: 'k2', body: { answers: [] } }, storage)
    expect(queued(storage)).toHaveLength(2)
    expect(queuedFor(7, storage).body.answers).toHaveLength(1)
    expect(queuedFor(9, storage)).toBeNull()
  })

  it('sends with the stored key and forgets the attempt once the server answers', async () => {
    saveLocalAnswers(7, { 1: ['A'] }, 0, storage)
    const key = submitKey(7, storage)
    enqueue({ attemptId: 7, quizId: 3, key, body: { answers: [{ question_id: 1, keys: ['A'] }] } }, storage)
    const events = []
    const off = onQueue((e) => events.push(e))
    const sent = []
    const left = await flush(async (s) => {
      sent.push(s.key)
      return { attempt_id: 7, score: 100 }
    }, storage)
    off()
    expect(left).toBe(0)
    expect(sent).toEqual([key])
    expect(queued(storage)).toEqual([])
    expect(loadLocalAnswers(7, storage)).toBeNull()
    expect(events).toEqual([{ attemptId: 7, outcome: 'sent', result: { attempt_id: 7, score: 100 } }])
  })

  it('keeps what meets no network, a server hiccup or an expired sign-in', async () => {
    enqueue({ attemptId: 1, key: 'a', body: {} }, storage)
    enqueue({ attemptId: 2, key: 'b', body: {} }, storage)
    enqueue({ attemptId: 3, key: 'c', body: {} }, storage)
    const errors = { 1: netErr(), 2: refusal('internal', 503), 3: refusal('unauthenticated', 401) }
    expect(await flush(async (s) => Promise.reject(errors[s.attempt_id]), storage)).toBe(3)
    expect(queued(storage).map((s) => s.key)).toEqual(['a', 'b', 'c'])
  })

  it('drops what the server refuses for good and says why', async () => {
    const codes = ['deadline_passed', 'already_submitted', 'idempotency_key_reused']
    codes.forEach((_, i) => enqueue({ attemptId: i + 1, key: `k${i}`, body: {} }, storage))
    const events = []
    const off = onQueue((e) => events.push([e.attemptId, e.outcome, e.error?.code]))
    expect(await flush(async (s) => Promise.reject(refusal(codes[s.attempt_id - 1], 409)), storage)).toBe(0)
    off()
    expect(events).toEqual([
      [1, 'refused', 'deadline_passed'],
      [2, 'refused', 'already_submitted'],
      [3, 'refused', 'idempotency_key_reused'],
    ])
  })

  it('shares one run between calls made while it is sending', async () => {
    enqueue({ attemptId: 1, key: 'a', body: {} }, storage)
    let calls = 0
    let release
    const send = () => {
      calls++
      return new Promise((r) => (release = r))
    }
    const first = flush(send, storage)
    const second = flush(send, storage)
    expect(second).toBe(first)
    await Promise.resolve()
    release({})
    await first
    expect(calls).toBe(1)
  })
})
