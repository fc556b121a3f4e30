import { describe, expect, it } from 'vitest'
import {
  audienceName,
  emptyPoolForm,
  emptyQuizForm,
  formFromQuiz,
  phaseTag,
  poolFormProblems,
  poolPayload,
  quizChanges,
  quizFormProblems,
  quizPayload,
  quizPhase,
} from './quizzes.js'

const QUIZ = {
  id: 4,
  title: '府山街道反诈有奖问答',
  description: '说明',
  area_code: '330802001',
  audience: 'residents',
  status: 'draft',
  starts_at: '2026-09-01T00:00:00Z',
  ends_at: '2026-10-01T00:00:00Z',
  question_count: 10,
  pass_score: 60,
  time_limit_s: 900,
  max_attempts: 3,
  fraud_types: ['brushing'],
  core_question_ids: [7, 9],
  min_seconds_per_question: 2,
  counts_for_awareness: true,
}

describe('quiz phases', () => {
  const t = (s) => Date.parse(s)
  it('tells draft, scheduled, open and ended apart', () => {
    expect(quizPhase(QUIZ, t('2026-09-10T00:00:00Z'))).toBe('draft')
    const pub = { ...QUIZ, status: 'published' }
    expect(quizPhase(pub, t('2026-08-31T23:59:59Z'))).toBe('scheduled')
    expect(quizPhase(pub, t('2026-09-01T00:00:00Z'))).toBe('open')
    expect(quizPhase(pub, t('2026-10-01T00:00:00Z'))).toBe('ended')
    expect(phaseTag(pub, t('2026-09-10T00:00:00Z')).name).toBe('进行中')
    expect(audienceName('staff')).toMatch(/工作人员/)
  })
})

describe('quiz form', () => {
  it('starts on a quarter hour and runs thirty days', () => {
    const f = emptyQuizForm(new Date(2026, 8, 15, 10, 7).getTime(), { areaCode: '330802', areaName: '柯城区' })
    expect(f.starts_at).toBe('2026-09-15T10:15')
    expect(f.ends_at).toBe('2026-10-15T10:15')
    expect(f.area_code).toBe('330802')
    expect(quizFormProblems({ ...f, title: 'x' })).toEqual({})
  })

  it('round-trips a quiz, with the time limit in minutes', () => {
    const f = formFromQuiz(QUIZ)
    expect(f.time_limit_min).toBe('15')
    expect(f.core_question_ids).toEqual([7, 9])
    const body = quizPayload(f)
    expect(body).toMatchObject({
      title: QUIZ.title,
      area_code: '330802001',
      question_count: 10,
      time_limit_s: 900,
      fraud_types: ['brushing'],
      core_question_ids: [7, 9],
      counts_for_awareness: true,
    })
    expect(new Date(body.starts_at).getTime()).toBe(Date.parse(QUIZ.starts_at))
    expect(formFromQuiz({ ...QUIZ, time_limit_s: 90 }).time_limit_min).toBe('1.5')
  })

  it('never counts a staff training quiz toward awareness', () => {
    expect(quizPayload({ ...formFromQuiz(QUIZ), audience: 'staff' }).counts_for_awareness).toBe(false)
  })

  it('sends only what changed, so a live quiz can be renamed', () => {
    const f = formFromQuiz(QUIZ)
    expect(quizChanges(QUIZ, f)).toEqual({})
    f.title = '新标题'
    f.ends_at = '2026-10-08T08:00'
    const changes = quizChanges(QUIZ, f)
    expect(Object.keys(changes).sort()).toEqual(['ends_at', 'title'])
    f.pass_score = '80'
    expect(quizChanges(QUIZ, f).pass_score).toBe(80)
  })

  it('finds numbers that are not whole', () => {
    const f = { ...formFromQuiz(QUIZ), question_count: '3.5', time_limit_min: '', starts_at: '' }
    expect(Object.keys(quizFormProblems(f)).sort()).toEqual(['question_count', 'starts_at', 'time_limit_s'])
  })
})

describe('prize pool form', () => {
  it('takes the probability as a percentage', () => {
    const f = { ...emptyPoolForm(60), name: ' 帆布袋 ', stock: '100', probability_pct: '12.5' }
    expect(poolFormProblems(f)).toEqual({})
    expect(poolPayload(f)).toEqual({ name: '帆布袋', stock: 100, min_score: 60, probability: 0.125 })
  })

  it('finds what is missing or out of range', () => {
    const f = { name: '', stock: '0', min_score: '101', probability_pct: '0' }
    expect(Object.keys(poolFormProblems(f)).sort()).toEqual(['min_score', 'name', 'probability', 'stock'])
  })
})
