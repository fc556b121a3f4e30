import { afterEach, describe, expect, it } from 'vitest'
import {
  forgetAttempt,
  KEEP_QUESTIONS,
  keepServed,
  keptServed,
  loadLocalAnswers,
  newIdempotencyKey,
  openAttemptOf,
  rememberOpenAttempt,
  saveLocalAnswers,
  submitKey,
} from './attemptStore.js'

const blocked = {
  length: 0,
  key: () => null,
  getItem() {
    throw new Error('SecurityError')
  },
  setItem() {
    throw new Error('SecurityError')
  },
  removeItem() {
    throw new Error('SecurityError')
  },
}

describe('idempotency key', () => {
  afterEach(() => localStorage.clear())

  it('is made once per attempt and reused by every retry, across reloads', () => {
    const first = submitKey(41, localStorage)
    expect(first).toMatch(/^[0-9a-f]{32}$/)
    expect(submitKey(41, localStorage)).toBe(first)
    expect(submitKey(42, localStorage)).not.toBe(first)
    // A reload reads the same key from storage.
    expect(JSON.parse(localStorage.getItem('wuzha.quiz.submitKey.41'))).toBe(first)
  })

  it('replaces a stored value that is not a key', () => {
    localStorage.setItem('wuzha.quiz.submitKey.5', JSON.stringify('x'))
    const key = submitKey(5, localStorage, () => 'abcdefabcdefabcdef00')
    expect(key).toBe('abcdefabcdefabcdef00')
  })

  it('still holds for the page view when storage is blocked', () => {
    let made = 0
    const make = () => `memory-key-${++made}-abcdef`
    const key = submitKey(7, blocked, make)
    expect(submitKey(7, blocked, make)).toBe(key)
    expect(made).toBe(1)
    forgetAttempt(7, 1, blocked)
    expect(submitKey(7, blocked, make)).not.toBe(key)
  })

  it('makes random 128-bit keys', () => {
    expect(newIdempotencyKey(() => Uint8Array.from({ length: 16 }, (_, i) => i * 17))).toBe('00112233445566778899aabbccddeeff')
    expect(newIdempotencyKey()).not.toBe(newIdempotencyKey())
  })
})

describe('answers kept in the browser', () => {
  afterEach(() => localStorage.clear())

  it('round-trips the answers and the question on screen', () => {
    expect(loadLocalAnswers(3, localStorage)).toBe(null)
    saveLocalAnswers(3, { 11: ['A'], 12: ['B', 'C'] }, 1, localStorage)
    expect(loadLocalAnswers(3, localStorage)).toEqual({ answers: { 11: ['A'], 12: ['B', 'C'] }, index: 1 })
  })

  it('ignores what it cannot read', () => {
    localStorage.setItem('wuzha.quiz.answers.3', '{not json')
    expect(loadLocalAnswers(3, localStorage)).toBe(null)
    localStorage.setItem('wuzha.quiz.answers.3', JSON.stringify({ answers: null }))
    expect(loadLocalAnswers(3, localStorage)).toBe(null)
    expect(loadLocalAnswers(3, blocked)).toBe(null)
    expect(saveLocalAnswers(3, {}, 0, blocked)).toBe(false)
  })

  it('remembers the attempt under way and forgets it once submitted', () => {
    rememberOpenAttempt(9, 31, localStorage)
    saveLocalAnswers(31, { 1: ['A'] }, 0, localStorage)
    const key = submitKey(31, localStorage)
    keepServed(31, { quiz_id: 9, quiz_title: 'T', questions: [{ id: 1 }] }, localStorage)
    expect(openAttemptOf(9, localStorage)).toBe(31)

    forgetAttempt(31, 9, localStorage)
    expect(openAttemptOf(9, localStorage)).toBe(null)
    expect(loadLocalAnswers(31, localStorage)).toBe(null)
    expect(submitKey(31, localStorage)).not.toBe(key)
    // The questions stay for the result page.
    expect(keptServed(31, localStorage)).toEqual({ quiz_id: 9, quiz_title: 'T', questions: [{ id: 1 }] })
  })

  it('does not forget a newer attempt of the same quiz', () => {
    rememberOpenAttempt(9, 32, localStorage)
    forgetAttempt(31, 9, localStorage)
    expect(openAttemptOf(9, localStorage)).toBe(32)
  })

  it('keeps the questions of the newest few attempts only', () => {
    for (let id = 1; id <= KEEP_QUESTIONS + 3; id++) keepServed(id, { questions: [{ id }] }, localStorage)
    const kept = Object.keys(localStorage).filter((k) => k.startsWith('wuzha.quiz.questions.'))
    expect(kept).toHaveLength(KEEP_QUESTIONS)
    expect(keptServed(1, localStorage)).toBe(null)
    expect(keptServed(KEEP_QUESTIONS + 3, localStorage).questions).toEqual([{ id: KEEP_QUESTIONS + 3 }])
  })
})
