// 督办: the words, lights and allowed steps of rectification items, kept out
// of the pages so that they can be tested without a browser.

/** LIGHTS: the colour of an item's deadline, each with a word and an icon (colour is never the only cue). */
export const LIGHTS = {
  green: { text: '正常', icon: 'passed', hint: '距截止超过 3 天' },
  yellow: { text: '即将到期', icon: 'clock-o', hint: '3 天内到期' },
  red: { text: '已逾期', icon: 'warning-o', hint: '已过截止时间仍未销号' },
}

export const STATUS_NAMES = {
  assigned: '待签收',
  in_progress: '整改中',
  reported: '已反馈',
  closed: '已销号',
}

export const METRIC_NAMES = { rate: '知晓率', coverage: '覆盖率' }

export const LIGHT_FILTERS = [{ code: '', name: '全部' }, ...Object.entries(LIGHTS).map(([code, l]) => ({ code, name: l.text }))]
export const STATUS_FILTERS = [{ code: '', name: '全部' }, ...Object.entries(STATUS_NAMES).map(([code, name]) => ({ code, name }))]
export const BOXES = [
  { code: 'todo', name: '我的待办' },
  { code: 'issued', name: '我交办的' },
]

export const ACTION_NAMES = {
  issue: '交办',
  accept: '签收',
  report: '反馈整改情况',
  return: '退回',
  close: '销号',
  extension: '申请延期',
  extension_approve: '同意延期',
  extension_reject: '不同意延期',
  remind: '到期提醒',
}

export const statusName = (s) => STATUS_NAMES[s] || s || ''
export const lightOf = (l) => LIGHTS[l] || LIGHTS.green
export const actionName = (a) => ACTION_NAMES[a] || a || ''
export const metricName = (m) => METRIC_NAMES[m] || m || ''

/**
 * side tells how the signed-in admin stands to an item: 'addressed' (its
 * area's admins act on it: the item's area is the caller's scope), 'issuing'
 * (the caller's scope strictly contains the item's area) or ''. The server
 * says so itself (can_act, can_decide); its word wins.
 */
export function sideOf(item, user) {
  if (!item || !user) return ''
  if (item.can_act) return 'addressed'
  if (item.can_decide) return 'issuing'
  if (item.can_act === false && item.can_decide === false) return ''
  const scope = user.area_code || ''
  const code = item.area_code || ''
  // A liaison sees only the items of their own unit (the server sees to it).
  if (user.role === 'unit_liaison') return item.unit_id != null ? 'addressed' : ''
  if (user.role !== 'admin') return ''
  if (code && code === scope) return 'addressed'
  if (strictlyContains(scope, code)) return 'issuing'
  return ''
}

// A six-digit division code ends in 00 for each level it stands above
// (330800 is the city of 330802); longer codes (towns, communities, grids)
// extend their parent's code.
const significant = (code) => (code.length === 6 ? code.replace(/(00)+$/, '') : code)

/** strictlyContains reports whether area `outer` lies above area `inner`. */
export function strictlyContains(outer, inner) {
  if (!outer || !inner || outer === inner) return false
  return inner.startsWith(significant(outer))
}

/** allowedSteps lists what the caller may do to an item now. */
export function allowedSteps(item, user) {
  if (!item) return []
  if (Array.isArray(item.can)) return item.can
  const side = sideOf(item, user)
  const pending = !!pendingExtension(item)
  const steps = []
  if (side === 'addressed') {
    if (item.status === 'assigned') steps.push('accept')
    if (item.status === 'in_progress') steps.push('report')
    if ((item.status === 'assigned' || item.status === 'in_progress') && !pending) steps.push('extension')
  }
  if (side === 'issuing') {
    if (item.status === 'reported') steps.push('close', 'return')
    if (pending) steps.push('extension_approve', 'extension_reject')
  }
  return steps
}

/** pendingExtension is the item's extension request still waiting for an answer, or null. */
export function pendingExtension(item) {
  // The server shows an extension only while it waits for an answer.
  return item?.extension || null
}

/** toLocalInput renders a time as the value of a datetime-local input. */
export function toLocalInput(date) {
  const d = new Date(date)
  const pad = (n) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** defaultDue is the usual deadline of a new item: in `days` days, at 17:30. */
export function defaultDue(days = 14, now = new Date()) {
  const d = new Date(now)
  d.setDate(d.getDate() + days)
  d.setHours(17, 30, 0, 0)
  return toLocalInput(d)
}

/** checkDue says what is wrong with a deadline (a datetime-local value), or ''. */
export function checkDue(value, now = new Date()) {
  if (!value) return '请选择截止时间'
  const at = new Date(value)
  if (Number.isNaN(at.getTime())) return '截止时间格式不正确'
  if (at.getTime() <= now.getTime()) return '截止时间不能早于现在'
  const limit = new Date(now)
  limit.setFullYear(limit.getFullYear() + 1)
  if (at.getTime() > limit.getTime()) return '截止时间不能超过一年'
  return ''
}

/** dueText says how far a deadline is: 还剩 3 天, 今天到期, 已逾期 2 天. */
export function dueText(dueAt, now = new Date()) {
  const due = new Date(dueAt)
  if (Number.isNaN(due.getTime())) return ''
  const day = 24 * 3600 * 1000
  const diff = due.getTime() - now.getTime()
  if (diff < 0) return `已逾期 ${Math.max(1, Math.ceil(-diff / day))} 天`
  if (diff < day) return '今天到期'
  return `还剩 ${Math.floor(diff / day)} 天`
}

export const MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
const ATTACHMENT_TYPES = /^(image\/(png|jpeg|webp)|application\/pdf)$/

/** checkAttachment says what is wrong with a file to attach, or ''. */
export function checkAttachment(file) {
  if (!file) return ''
  if (!ATTACHMENT_TYPES.test(file.type || '') && !/\.(png|jpe?g|webp|pdf)$/i.test(file.name || '')) return '只能上传 JPEG、PNG、WebP 图片或 PDF 文件'
  if (file.size > MAX_ATTACHMENT_BYTES) return '文件太大，请不要超过 5 MB'
  return ''
}
