// Warnings (预警) in the staff console: the editorial states and their
// Chinese names, which role may do what in which state, and the conversion
// between the editor's form and the API's request and answer.

export const STATUS_NAMES = {
  draft: '草稿',
  in_review: '审核中',
  published: '已发布',
  archived: '已归档',
}

/** Filter choices of the staff list, "全部" first. */
export const STATUS_FILTERS = [{ code: '', name: '全部' }, ...Object.entries(STATUS_NAMES).map(([code, name]) => ({ code, name }))]

const STATUS_TAG_TYPES = { draft: 'default', in_review: 'warning', published: 'success', archived: 'default' }

/** statusName gives the Chinese name of a status, or the code when unknown. */
export function statusName(status) {
  return STATUS_NAMES[status] || status || ''
}

/**
 * statusTags lists the tags a warning shows: its status and, when a version
 * of it is what residents see now, "线上版本" (a published warning being
 * edited is a draft that is also live).
 */
export function statusTags(warning) {
  if (!warning) return []
  const tags = [{ text: statusName(warning.status), type: STATUS_TAG_TYPES[warning.status] || 'default', status: warning.status }]
  if (warning.live) tags.push({ text: '线上版本', type: 'primary', status: 'live' })
  return tags
}

/** canEdit: editors change drafts and published warnings (a new draft version). */
export function canEdit(warning, role) {
  return role === 'editor' && ['draft', 'published'].includes(warning?.status)
}

/** canSubmit: editors send a draft to review. */
export function canSubmit(warning, role) {
  return role === 'editor' && warning?.status === 'draft'
}

/** canReview: reviewers approve or reject what is in review. */
export function canReview(warning, role) {
  return role === 'reviewer' && warning?.status === 'in_review'
}

/** canArchive: editors and reviewers take down a warning that has been published. */
export function canArchive(warning, role) {
  return ['editor', 'reviewer'].includes(role) && Boolean(warning?.live) && warning?.status !== 'archived'
}

/** formatRate shows a 0..1 rate as a percentage with one decimal, or "—" when there is none. */
export function formatRate(rate) {
  if (rate === null || rate === undefined || Number.isNaN(Number(rate))) return '—'
  const pct = Math.round(Number(rate) * 1000) / 10
  return `${pct.toFixed(pct % 1 === 0 ? 0 : 1)}%`
}

const pad = (n) => String(n).padStart(2, '0')

/** toLocalInput turns an RFC 3339 time into the value of an <input type="datetime-local">. */
export function toLocalInput(value) {
  if (!value) return ''
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) return ''
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** fromLocalInput turns a datetime-local value (local time) into RFC 3339, or null when empty or bad. */
export function fromLocalInput(value) {
  if (!value) return null
  const d = new Date(value)
  return Number.isNaN(d.getTime()) ? null : d.toISOString()
}

/** emptyForm is the editor's form for a new warning. */
export function emptyForm() {
  return {
    title: '',
    summary: '',
    body_markdown: '',
    fraud_type: '',
    age_bands: [],
    occupations: [],
    area_codes: [],
    publish_at: '',
    expire_at: '',
  }
}

/** formFromDetail fills the editor's form from a warning as staff see it. */
export function formFromDetail(d) {
  return {
    title: d?.title ?? '',
    summary: d?.summary ?? '',
    body_markdown: d?.body_markdown ?? '',
    fraud_type: d?.fraud_type ?? '',
    age_bands: [...(d?.age_bands ?? [])],
    occupations: [...(d?.occupations ?? [])],
    area_codes: [...(d?.area_codes ?? [])],
    publish_at: toLocalInput(d?.publish_at),
    expire_at: toLocalInput(d?.expire_at),
  }
}

/**
 * warningPayload is the body of POST /warnings and PATCH /warnings/{id}.
 * Empty targeting lists mean "everyone" (areas: the editor's whole scope).
 * Times are left out when not set.
 */
export function warningPayload(form) {
  const body = {
    title: form.title.trim(),
    summary: form.summary.trim(),
    body_markdown: form.body_markdown,
    fraud_type: form.fraud_type,
    age_bands: [...form.age_bands],
    occupations: [...form.occupations],
    area_codes: [...form.area_codes],
  }
  const publishAt = fromLocalInput(form.publish_at)
  const expireAt = fromLocalInput(form.expire_at)
  if (publishAt) body.publish_at = publishAt
  if (expireAt) body.expire_at = expireAt
  return body
}

/** namesOf lists the names of codes, or `all` when there are none (targeting everyone). */
export function namesOf(list, codes, all = '全部') {
  if (!codes?.length) return all
  return codes.map((c) => list?.find((item) => item.code === c)?.name ?? c).join('、')
}
