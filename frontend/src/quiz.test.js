import { describe, expect, it } from 'vitest'
import {
  answersFromSaved,
  answersPayload,
  attemptsLeft,
  chooseKey,
  clockOffset,
  countdownLabel,
  formatCountdown,
  formatDuration,
  formatScore,
  invalidReasonText,
  isAnswered,
  keysText,
  kindName,
  mergeAnswers,
  optionTexts,
  resumeIndex,
  secondsLeft,
  unansweredNumbers,
} from './quiz.js'

const QUESTIONS = [
  { id: 11, kind: 'single', stem: '单选', options: [{ key: 'A', text: '甲' }, { key: 'B', text: '乙' }, { key: 'C', text: '丙' }] },
  { id: 12, kind: 'multiple', stem: '多选', options: ['A', 'B', 'C', 'D'].map((key) => ({ key, text: key.toLowerCase() })) },
  { id: 13, kind: 'true_false', stem: '判断', options: [{ key: 'A', text: '正确' }, { key: 'B', text: '错误' }] },
]

describe('choosing answers', () => {
  it('replaces the answer of single and true/false questions', () => {
    expect(chooseKey('single', [], 'B')).toEqual(['B'])
    expect(chooseKey('single', ['B'], 'C')).toEqual(['C'])
    expect(chooseKey('single', ['B'], 'B')).toEqual(['B']) // a second tap does not clear it
    expect(chooseKey('true_false', ['A'], 'B')).toEqual(['B'])
    expect(chooseKey('single', undefined, 'A')).toEqual(['A'])
  })

  it('toggles the keys of multiple choice, sorted', () => {
    expect(chooseKey('multiple', [], 'C')).toEqual(['C'])
    expect(chooseKey('multiple', ['C'], 'A')).toEqual(['A', 'C'])
    expect(chooseKey('multiple', ['A', 'C'], 'C')).toEqual(['A'])
    expect(chooseKey('multiple', ['A'], 'A')).toEqual([])
  })

  it('knows which questions are answered', () => {
    const answers = { 11: ['A'], 12: [] }
    expect(isAnswered(answers, 11)).toBe(true)
    expect(isAnswered(answers, 12)).toBe(false)
    expect(isAnswered(answers, 13)).toBe(false)
    expect(isAnswered(null, 11)).toBe(false)
    expect(unansweredNumbers(QUESTIONS, answers)).toEqual([2, 3])
    expect(unansweredNumbers(QUESTIONS, { 11: ['A'], 12: ['B', 'C'], 13: ['B'] })).toEqual([])
  })

  it('builds the request body in served order, answered questions only', () => {
    expect(answersPayload(QUESTIONS, { 13: ['B'], 11: ['C'], 12: [] })).toEqual([
      { question_id: 11, keys: ['C'] },
      { question_id: 13, keys: ['B'] },
    ])
    expect(answersPayload(QUESTIONS, {})).toEqual([])
  })

  it('reads saved answers, dropping what was not served or offered', () => {
    const saved = [
      { question_id: 11, keys: ['B'] },
      { question_id: 12, keys: ['D', 'A', 'Z'] },
      { question_id: 99, keys: ['A'] },
      { question_id: 13, keys: ['A', 'B'] },
      null,
    ]
    expect(answersFromSaved(saved, QUESTIONS)).toEqual({ 11: ['B'], 12: ['A', 'D'], 13: ['A'] })
    expect(answersFromSaved(undefined, QUESTIONS)).toEqual({})
  })

  it('prefers the local copy over the server when resuming', () => {
    const server = { 11: ['A'], 12: ['B'] }
    const local = { 11: ['C'], 13: ['B'], 12: [] } // 12 cleared locally after the last save
    expect(mergeAnswers(QUESTIONS, server, local)).toEqual({ 11: ['C'], 13: ['B'] })
    expect(mergeAnswers(QUESTIONS, server, null)).toEqual(server)
    expect(mergeAnswers(QUESTIONS, {}, { 11: ['Q'], 77: ['A'] })).toEqual({})
  })

  it('resumes at the remembered question, else the first unanswered one', () => {
    expect(resumeIndex(QUESTIONS, {}, 2)).toBe(2)
    expect(resumeIndex(QUESTIONS, { 11: ['A'] }, null)).toBe(1)
    expect(resumeIndex(QUESTIONS, { 11: ['A'] }, 7)).toBe(1)
    expect(resumeIndex(QUESTIONS, { 11: ['A'], 12: ['A', 'B'], 13: ['A'] })).toBe(2)
    expect(resumeIndex([], {}, 0)).toBe(0)
  })

  it('shows keys and option texts', () => {
    expect(keysText(['A', 'C'])).toBe('A、C')
    expect(keysText([])).toBe('未作答')
    expect(optionTexts(QUESTIONS[0], ['B'])).toEqual(['B. 乙'])
    expect(optionTexts(null, ['B'])).toEqual(['B'])
    expect(kindName('multiple')).toBe('多选题')
    expect(kindName('essay')).toBe('essay')
  })
})

describe('countdown', () => {
  const now = Date.parse('2026-09-15T10:00:00Z')

  it('counts whole seconds to the deadline, never below zero', () => {
    expect(secondsLeft('2026-09-15T10:09:12Z', now)).toBe(552)
    expect(secondsLeft('2026-09-15T10:00:00.400Z', now)).toBe(1) // a part of a second still shows
    expect(secondsLeft('2026-09-15T09:59:00Z', now)).toBe(0)
    expect(secondsLeft('not a time', now)).toBe(0)
  })

  it('corrects for a phone clock that is off', () => {
    // The server is 2 minutes ahead of this phone: 2 minutes less are left.
    expect(secondsLeft('2026-09-15T10:10:00Z', now, 120_000)).toBe(480)
    expect(clockOffset('2026-09-15T10:02:00Z', now)).toBe(120_000)
    expect(clockOffset('2026-09-15T10:00:01Z', now)).toBe(0) // network time, ignored
    expect(clockOffset('garbage', now)).toBe(0)
  })

  it('formats as mm:ss, with hours when needed', () => {
    expect(formatCountdown(552)).toBe('09:12')
    expect(formatCountdown(59)).toBe('00:59')
    expect(formatCountdown(0)).toBe('00:00')
    expect(formatCountdown(-5)).toBe('00:00')
    expect(formatCountdown(3600 + 65)).toBe('1:01:05')
    expect(formatCountdown(undefined)).toBe('00:00')
  })

  it('says the time in words for screen readers', () => {
    expect(countdownLabel(552)).toBe('9 分 12 秒')
    expect(countdownLabel(600)).toBe('10 分钟')
    expect(countdownLabel(42)).toBe('42 秒')
  })

  it('says time limits in words', () => {
    expect(formatDuration(900)).toBe('15 分钟')
    expect(formatDuration(90)).toBe('1 分 30 秒')
    expect(formatDuration(30)).toBe('30 秒')
    expect(formatDuration(3600)).toBe('1 小时')
    expect(formatDuration(0)).toBe('0 秒')
  })
})

describe('quiz facts', () => {
  it('counts attempts left', () => {
    expect(attemptsLeft({ max_attempts: 3, attempts_used: 1 })).toBe(2)
    expect(attemptsLeft({ max_attempts: 3, attempts_used: 5 })).toBe(0)
    expect(attemptsLeft({ max_attempts: 3 })).toBe(null)
    expect(attemptsLeft(null)).toBe(null)
  })

  it('formats scores with a decimal only when there is one', () => {
    expect(formatScore(80)).toBe('80')
    expect(formatScore(66.7)).toBe('66.7')
    expect(formatScore(null)).toBe('0')
    expect(formatScore('x')).toBe('—')
  })

  it('explains invalid submissions in Chinese', () => {
    expect(invalidReasonText('too_fast: answered 10 questions in 8.2 s')).toMatch(/用时过短/)
    expect(invalidReasonText('other')).toMatch(/成绩无效/)
    expect(invalidReasonText('')).toBe('')
    // The server's sentence with its stable code, as GET /me/attempts and submit send it.
    const tooFast = { invalid: true, invalid_code: 'too_fast', invalid_reason: '用时过短：3 道题用了 1.0 秒' }
    expect(invalidReasonText(tooFast)).toMatch(/用时过短.*慢一点/)
    expect(invalidReasonText({ invalid: true, invalid_code: 'other', invalid_reason: 'x' })).toMatch(/网格员/)
    expect(invalidReasonText({ invalid: false, invalid_reason: '' })).toBe('')
  })
})
