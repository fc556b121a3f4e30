import { describe, expect, it } from 'vitest'
import { allowedSteps, checkAttachment, checkDue, dueText, lightOf, sideOf, statusName } from './supervision.js'

const city = { role: 'admin', area_code: '330800' }
const county = { role: 'admin', area_code: '330802' }
const other = { role: 'admin', area_code: '330803' }
const item = (status, more = {}) => ({ id: 1, area_code: '330802', status, ...more })

describe('supervision', () => {
  it('names lights with a word and an icon, not only a colour', () => {
    expect(lightOf('red')).toMatchObject({ text: '已逾期', icon: 'warning-o' })
    expect(lightOf('yellow').text).toBe('即将到期')
    expect(lightOf(undefined).text).toBe('正常')
    expect(statusName('assigned')).toBe('待签收')
  })

  it('tells the addressed area from the issuing side', () => {
    expect(sideOf(item('assigned'), county)).toBe('addressed')
    expect(sideOf(item('assigned'), city)).toBe('issuing')
    expect(sideOf(item('assigned'), other)).toBe('')
    expect(sideOf(item('assigned'), { role: 'assessor', area_code: '330800' })).toBe('')
  })

  it.each([
    ['assigned', county, ['accept', 'extension']],
    ['in_progress', county, ['report', 'extension']],
    ['reported', county, []],
    ['reported', city, ['close', 'return']],
    ['in_progress', city, []],
    ['closed', city, []],
    ['reported', other, []],
  ])('%s item: steps for %o', (status, user, want) => {
    expect(allowedSteps(item(status), user)).toEqual(want)
  })

  it('lets the issuing side answer a pending extension and stops a second request', () => {
    const pending = item('in_progress', { extension: { due_at: '2027-01-01T00:00:00Z', reason: '人手不足' } })
    expect(allowedSteps(pending, city)).toEqual(['extension_approve', 'extension_reject'])
    expect(allowedSteps(pending, county)).toEqual(['report'])
  })

  it('follows the server when it says which side the caller is on', () => {
    expect(allowedSteps(item('reported', { can: ['close'] }), county)).toEqual(['close'])
    expect(allowedSteps(item('reported', { can_act: false, can_decide: true }), county)).toEqual(['close', 'return'])
    expect(allowedSteps(item('assigned', { can_act: false, can_decide: false }), county)).toEqual([])
    expect(allowedSteps(item('assigned', { unit_id: 3, can_act: true, can_decide: false }), { role: 'unit_liaison', area_code: '' })).toEqual(['accept', 'extension'])
  })

  it('checks deadlines', () => {
    const now = new Date('2026-12-01T08:00:00')
    expect(checkDue('', now)).toMatch(/请选择/)
    expect(checkDue('2026-11-30T08:00', now)).toMatch(/不能早于/)
    expect(checkDue('2028-01-01T08:00', now)).toMatch(/一年/)
    expect(checkDue('2026-12-15T17:30', now)).toBe('')
  })

  it('says how far a deadline is', () => {
    const now = new Date('2026-12-01T08:00:00Z')
    expect(dueText('2026-12-04T09:00:00Z', now)).toBe('还剩 3 天')
    expect(dueText('2026-12-01T20:00:00Z', now)).toBe('今天到期')
    expect(dueText('2026-11-29T07:00:00Z', now)).toBe('已逾期 3 天')
  })

  it('refuses attachments that are too big or not images or PDF', () => {
    expect(checkAttachment({ name: 'a.png', type: 'image/png', size: 1000 })).toBe('')
    expect(checkAttachment({ name: 'a.pdf', type: 'application/pdf', size: 1000 })).toBe('')
    expect(checkAttachment({ name: 'a.exe', type: 'application/x-msdownload', size: 10 })).toMatch(/图片或 PDF/)
    expect(checkAttachment({ name: 'a.jpg', type: 'image/jpeg', size: 6 * 1024 * 1024 })).toMatch(/5 MB/)
  })
})
