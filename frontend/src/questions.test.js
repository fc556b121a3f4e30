import { describe, expect, it } from 'vitest'
import {
  addOption,
  difficultyName,
  emptyQuestionForm,
  formFromQuestion,
  questionFormProblems,
  questionPayload,
  removeOption,
  toggleAnswer,
  withKind,
} from './questions.js'

describe('question form', () => {
  it('starts as a single-choice question with four options', () => {
    const f = emptyQuestionForm()
    expect(f.kind).toBe('single')
    expect(f.options.map((o) => o.key)).toEqual(['A', 'B', 'C', 'D'])
    expect(f.answer).toEqual([])
  })

  it('round-trips a question through the form', () => {
    const q = {
      id: 5,
      kind: 'multiple',
      stem: ' 哪些是诈骗？ ',
      options: [
        { key: 'A', text: '刷单返利' },
        { key: 'B', text: '银行柜台办业务' },
        { key: 'C', text: '冒充客服退款' },
      ],
      answer: ['A', 'C'],
      explanation: '刷单和“客服退款”都是诈骗。',
      fraud_type: 'brushing',
      difficulty: 2,
      age_bands: ['18_34'],
      occupations: [],
      warning_ids: [3, 8],
      active: true,
    }
    const f = formFromQuestion(q)
    expect(f.difficulty).toBe('2')
    expect(f.warning_ids).toEqual([3, 8])
    expect(f.warning_ids).not.toBe(q.warning_ids)
    expect(questionPayload(f)).toEqual({
      kind: 'multiple',
      stem: '哪些是诈骗？',
      options: q.options,
      answer: ['A', 'C'],
      explanation: q.explanation,
      fraud_type: 'brushing',
      difficulty: 2,
      age_bands: ['18_34'],
      occupations: [],
      warning_ids: [3, 8],
      active: true,
    })
  })

  it('gives true/false its fixed options and takes them away again', () => {
    const f = { ...emptyQuestionForm(), answer: ['C'] }
    const tf = withKind(f, 'true_false')
    expect(tf.options).toEqual([
      { key: 'A', text: '正确' },
      { key: 'B', text: '错误' },
    ])
    expect(tf.answer).toEqual([])
    const back = withKind({ ...f, kind: 'true_false', ...tf }, 'single')
    expect(back.options.map((o) => o.text)).toEqual(['', '', '', ''])
  })

  it('keeps one answer for single choice and three options for multiple', () => {
    const multi = { kind: 'multiple', options: [{ key: 'A', text: 'x' }, { key: 'B', text: 'y' }], answer: ['A', 'B'] }
    expect(withKind(multi, 'single').answer).toEqual(['A'])
    const single = { kind: 'single', options: [{ key: 'A', text: 'x' }, { key: 'B', text: 'y' }], answer: ['B'] }
    const m = withKind(single, 'multiple')
    expect(m.options.map((o) => o.key)).toEqual(['A', 'B', 'C'])
    expect(m.answer).toEqual(['B'])
  })

  it('adds options up to F', () => {
    let opts = emptyQuestionForm().options
    opts = addOption(addOption(opts))
    expect(opts.map((o) => o.key)).toEqual(['A', 'B', 'C', 'D', 'E', 'F'])
    expect(addOption(opts)).toBe(opts)
  })

  it('re-letters the options and the answer after a removal', () => {
    const opts = ['甲', '乙', '丙', '丁'].map((text, i) => ({ key: 'ABCD'[i], text }))
    const { options, answer } = removeOption(opts, ['B', 'D'], 1)
    expect(options).toEqual([
      { key: 'A', text: '甲' },
      { key: 'B', text: '丙' },
      { key: 'C', text: '丁' },
    ])
    expect(answer).toEqual(['C']) // 乙 was right and is gone; 丁 moved from D to C
  })

  it('marks right answers by kind', () => {
    expect(toggleAnswer('single', ['A'], 'C')).toEqual(['C'])
    expect(toggleAnswer('multiple', ['C'], 'A')).toEqual(['A', 'C'])
    expect(toggleAnswer('multiple', ['A', 'C'], 'A')).toEqual(['C'])
  })

  it('finds what cannot be sent', () => {
    const f = emptyQuestionForm()
    expect(questionFormProblems(f).answer).toBe('请选择正确答案')
    expect(questionFormProblems({ ...f, kind: 'multiple', answer: ['A'] }).answer).toMatch(/至少/)
    expect(questionFormProblems({ ...f, answer: ['A'] })).toEqual({})
  })

  it('names difficulties', () => {
    expect(difficultyName(1)).toBe('简单')
    expect(difficultyName('3')).toBe('较难')
  })
})
