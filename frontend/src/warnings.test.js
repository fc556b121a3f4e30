import { describe, expect, it } from 'vitest'
import {
  canArchive,
  canEdit,
  canReview,
  canSubmit,
  emptyForm,
  formatRate,
  formFromDetail,
  fromLocalInput,
  namesOf,
  statusName,
  statusTags,
  STATUS_FILTERS,
  toLocalInput,
  warningPayload,
} from './warnings.js'

describe('status labels', () => {
  it('names each status in Chinese', () => {
    expect(statusName('draft')).toBe('草稿')
    expect(statusName('in_review')).toBe('审核中')
    expect(statusName('published')).toBe('已发布')
    expect(statusName('archived')).toBe('已归档')
    expect(statusName('mystery')).toBe('mystery')
    expect(statusName(undefined)).toBe('')
  })

  it('offers 全部 first among the filters', () => {
    expect(STATUS_FILTERS.map((f) => f.name)).toEqual(['全部', '草稿', '审核中', '已发布', '已归档'])
    expect(STATUS_FILTERS[0].code).toBe('')
  })

  it('marks the live version', () => {
    expect(statusTags({ status: 'published', live: true }).map((t) => t.text)).toEqual(['已发布', '线上版本'])
    // A published warning being edited: a draft whose earlier version is still live.
    expect(statusTags({ status: 'draft', live: true }).map((t) => t.text)).toEqual(['草稿', '线上版本'])
    expect(statusTags({ status: 'in_review', live: false })).toEqual([{ text: '审核中', type: 'warning', status: 'in_review' }])
    expect(statusTags({ status: 'archived', live: false }).map((t) => t.text)).toEqual(['已归档'])
    expect(statusTags(null)).toEqual([])
  })
})

describe('who may do what', () => {
  const w = (status, live = false) => ({ status, live })

  it('lets editors edit drafts and published warnings only', () => {
    expect(canEdit(w('draft'), 'editor')).toBe(true)
    expect(canEdit(w('published', true), 'editor')).toBe(true)
    expect(canEdit(w('in_review'), 'editor')).toBe(false)
    expect(canEdit(w('archived'), 'editor')).toBe(false)
    expect(canEdit(w('draft'), 'reviewer')).toBe(false)
  })

  it('lets editors submit drafts and reviewers review what is in review', () => {
    expect(canSubmit(w('draft'), 'editor')).toBe(true)
    expect(canSubmit(w('published'), 'editor')).toBe(false)
    expect(canSubmit(w('draft'), 'reviewer')).toBe(false)
    expect(canReview(w('in_review'), 'reviewer')).toBe(true)
    expect(canReview(w('in_review'), 'editor')).toBe(false)
    expect(canReview(w('draft'), 'reviewer')).toBe(false)
  })

  it('lets editors and reviewers archive what is live', () => {
    expect(canArchive(w('published', true), 'editor')).toBe(true)
    expect(canArchive(w('draft', true), 'reviewer')).toBe(true)
    expect(canArchive(w('draft', false), 'editor')).toBe(false)
    expect(canArchive(w('archived', false), 'editor')).toBe(false)
    expect(canArchive(w('published', true), 'admin')).toBe(false)
  })
})

describe('formatRate', () => {
  it.each([
    [null, '—'],
    [undefined, '—'],
    [0, '0%'],
    [1, '100%'],
    [0.5, '50%'],
    [1 / 3, '33.3%'],
    [0.6666, '66.7%'],
  ])('%s → %s', (rate, want) => {
    expect(formatRate(rate)).toBe(want)
  })
})

describe('editor form', () => {
  it('round-trips local times through RFC 3339', () => {
    const local = '2026-09-01T08:30'
    const iso = fromLocalInput(local)
    expect(iso).toBe(new Date(2026, 8, 1, 8, 30).toISOString())
    expect(toLocalInput(iso)).toBe(local)
    expect(fromLocalInput('')).toBeNull()
    expect(fromLocalInput('nonsense')).toBeNull()
    expect(toLocalInput(null)).toBe('')
  })

  it('builds the request body, trimming text and leaving out unset times', () => {
    const form = {
      ...emptyForm(),
      title: '  养老诈骗新套路 ',
      summary: ' 摘要 ',
      body_markdown: '### 案例\n正文',
      fraud_type: 'elderly',
      age_bands: ['60p'],
      occupations: ['retiree'],
    }
    expect(warningPayload(form)).toEqual({
      title: '养老诈骗新套路',
      summary: '摘要',
      body_markdown: '### 案例\n正文',
      fraud_type: 'elderly',
      age_bands: ['60p'],
      occupations: ['retiree'],
      area_codes: [],
    })
    const timed = warningPayload({ ...form, expire_at: '2026-12-31T23:59' })
    expect(timed.expire_at).toBe(new Date(2026, 11, 31, 23, 59).toISOString())
    expect('publish_at' in timed).toBe(false)
  })

  it('fills the form from a warning without sharing its arrays', () => {
    const d = { title: 'T', summary: 'S', body_markdown: 'B', fraud_type: 'loan', age_bands: ['60p'], occupations: [], area_codes: ['330802'], publish_at: null, expire_at: null }
    const form = formFromDetail(d)
    expect(form).toEqual({ ...emptyForm(), title: 'T', summary: 'S', body_markdown: 'B', fraud_type: 'loan', age_bands: ['60p'], area_codes: ['330802'] })
    form.age_bands.push('u18')
    expect(d.age_bands).toEqual(['60p'])
  })

  it('names targeting, empty meaning everyone', () => {
    const list = [
      { code: '60p', name: '60岁及以上' },
      { code: 'u18', name: '18岁以下' },
    ]
    expect(namesOf(list, [])).toBe('全部')
    expect(namesOf(list, ['60p', 'u18'])).toBe('60岁及以上、18岁以下')
    expect(namesOf(list, ['zz'], '本辖区全部')).toBe('zz')
    expect(namesOf(list, null, '本辖区全部')).toBe('本辖区全部')
  })
})
