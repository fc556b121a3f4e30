import { describe, expect, it, vi } from 'vitest'
import {
  createPoller,
  formatCoverage,
  formatJoinCode,
  formatPercent,
  formatRate,
  joinErrorMessage,
  sessionState,
  weakestFraudTypes,
} from './grid.js'

describe('formatRate', () => {
  it('shows the rate, its interval and the sample', () => {
    expect(formatRate({ respondents: 45, passed: 37, rate: 0.82, ci_low: 0.7012, ci_high: 0.8984 })).toBe(
      '82.0%（95%区间 70.1%–89.8%，样本 45 人）',
    )
  })
  it('says there is no sample', () => {
    expect(formatRate({ respondents: 0, rate: null })).toBe('暂无样本')
    expect(formatRate(null)).toBe('暂无样本')
  })
  it('leaves out a missing interval', () => {
    expect(formatRate({ respondents: 2, rate: 0.5 })).toBe('50.0%（样本 2 人）')
  })
  it('formats percents', () => {
    expect(formatPercent(1)).toBe('100.0%')
    expect(formatPercent(null)).toBe('—')
  })
})

describe('formatCoverage', () => {
  it('shows respondents against the population', () => {
    expect(formatCoverage({ respondents: 45, population: 1200, coverage: 0.0375 })).toBe('45 / 1200 人（3.8%）')
    expect(formatCoverage({ respondents: 3, population: 0 })).toBe('3 人（常住人口未录入）')
  })
})

describe('weakestFraudTypes', () => {
  const lines = [
    { fraud_type: 'a', answered: 10, rate: 0.9 },
    { fraud_type: 'b', answered: 0, rate: null },
    { fraud_type: 'c', answered: 4, rate: 0.25 },
    { fraud_type: 'd', answered: 8, rate: 0.5 },
    { fraud_type: 'e', answered: 20, rate: 0.5 },
    { fraud_type: 'f', answered: 3, rate: 0.7 },
  ]
  it('takes the lowest rates with answers, more answers first on a tie', () => {
    expect(weakestFraudTypes(lines).map((l) => l.fraud_type)).toEqual(['c', 'e', 'd'])
  })
  it('copes with nothing', () => {
    expect(weakestFraudTypes(undefined)).toEqual([])
    expect(weakestFraudTypes([{ fraud_type: 'x', answered: 0, rate: null }])).toEqual([])
  })
  it('does not reorder its input', () => {
    const copy = lines.slice()
    weakestFraudTypes(lines)
    expect(lines).toEqual(copy)
  })
})

describe('sessions', () => {
  it('spaces a join code', () => {
    expect(formatJoinCode('1234567890')).toBe('123 456 7890')
    expect(formatJoinCode('123456')).toBe('123 456')
    expect(formatJoinCode('12')).toBe('12')
  })
  it('tells open, closed and expired apart', () => {
    const now = Date.parse('2026-01-01T10:00:00Z')
    expect(sessionState({ status: 'open', open: true, expires_at: '2026-01-01T11:00:00Z' }, now)).toBe('open')
    expect(sessionState({ status: 'closed', open: false, expires_at: '2026-01-01T11:00:00Z' }, now)).toBe('closed')
    expect(sessionState({ status: 'open', open: true, expires_at: '2026-01-01T09:00:00Z' }, now)).toBe('expired')
  })
  it('explains join errors', () => {
    expect(joinErrorMessage({ status: 410, code: 'session_closed' })).toBe('本场答题已结束，请联系网格员')
    expect(joinErrorMessage({ status: 404, code: 'session_not_found' })).toBe('答题码无效')
    expect(joinErrorMessage({ status: 429, message: '操作太频繁，请稍后再试' })).toBe('操作太频繁，请稍后再试')
  })
})

describe('createPoller', () => {
  it('polls now, then after each call settles, until stopped', async () => {
    vi.useFakeTimers()
    try {
      let calls = 0
      const p = createPoller(async () => {
        calls++
      }, 3000)
      p.start()
      await vi.advanceTimersByTimeAsync(0)
      expect(calls).toBe(1)
      await vi.advanceTimersByTimeAsync(3000)
      expect(calls).toBe(2)
      await vi.advanceTimersByTimeAsync(6000)
      expect(calls).toBe(4)
      p.stop()
      await vi.advanceTimersByTimeAsync(9000)
      expect(calls).toBe(4)
    } finally {
      vi.useRealTimers()
    }
  })
  it('keeps polling after an error and never overlaps', async () => {
    vi.useFakeTimers()
    try {
      const errors = []
      let inFlight = 0
      let max = 0
      let calls = 0
      const p = createPoller(
        async () => {
          calls++
          inFlight++
          max = Math.max(max, inFlight)
          await new Promise((r) => setTimeout(r, 5000))
          inFlight--
          if (calls === 1) throw new Error('offline')
        },
        1000,
        { onError: (e) => errors.push(e.message) },
      )
      p.start()
      p.now()
      await vi.advanceTimersByTimeAsync(20000)
      expect(errors).toEqual(['offline'])
      expect(calls).toBeGreaterThanOrEqual(3)
      expect(max).toBe(1)
      p.stop()
    } finally {
      vi.useRealTimers()
    }
  })
})
