import { describe, expect, it } from 'vitest'
import { formatDetail, formatTime } from './format.js'

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

describe('formatDetail', () => {
  it('renders text and objects on one line', () => {
    expect(formatDetail('role changed')).toBe('role changed')
    expect(formatDetail({ role: 'editor' })).toBe('{"role":"editor"}')
    expect(formatDetail(null)).toBe('')
  })
})
