import { describe, expect, it } from 'vitest'
import { formatTime, parsePeriod, periodLabel } from './format.js'

describe('formatTime', () => {
  it('shows local time to the minute or second', () => {
    const d = new Date(2026, 8, 1, 9, 5, 7)
    expect(formatTime(d.toISOString())).toBe('2026-09-01 09:05')
    expect(formatTime(d.toISOString(), { seconds: true })).toBe('2026-09-01 09:05:07')
  })

  it('passes through what it cannot read', () => {
    expect(formatTime('')).toBe('')
    expect(formatTime('not a time')).toBe('not a time')
  })
})

describe('periodLabel', () => {
  it('writes quarters and months in Chinese', () => {
    expect(periodLabel('2026Q4')).toBe('2026年第4季度')
    expect(periodLabel('2026Q1')).toBe('2026年第1季度')
    expect(periodLabel('2026-11')).toBe('2026年11月')
    expect(periodLabel('2026-03')).toBe('2026年3月')
  })

  it('passes through what is not a period', () => {
    expect(periodLabel('2026Q5')).toBe('2026Q5')
    expect(periodLabel('2026-13')).toBe('2026-13')
    expect(periodLabel(null)).toBe('')
    expect(periodLabel(undefined)).toBe('')
  })

  it('reads the parts', () => {
    expect(parsePeriod('2026Q4')).toEqual({ kind: 'quarter', year: 2026, q: 4 })
    expect(parsePeriod('2026-11')).toEqual({ kind: 'month', year: 2026, month: 11 })
    expect(parsePeriod('2026-9')).toBeNull()
  })
})
