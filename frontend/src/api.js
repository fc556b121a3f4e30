// The one HTTP client of the app. It talks JSON to /api/v1, sends the access
// token, renews it once with the refresh token when the server answers 401, and
// turns RFC 9457 problem details into messages a resident can read.
import {
  accessToken,
  clearSession,
  refreshToken,
  saveSession,
  setMustChangePassword,
  signInPathFor,
} from './session.js'

export const API_BASE = '/api/v1'

// Messages for the stable `code` of a problem. A function gets the wait in
// seconds from Retry-After (or null) so it can say how long.
const CODE_MESSAGES = {
  rate_limited: (wait) => (wait ? `操作太频繁，请${formatWait(wait)}后再试` : '操作太频繁，请稍后再试'),
  too_many_attempts: (wait) => (wait ? `尝试次数过多，请${formatWait(wait)}后再试` : '尝试次数过多，请稍后再试'),
  account_locked: (wait) =>
    wait ? `登录失败次数过多，账号已暂时锁定，请${formatWait(wait)}后再试` : '登录失败次数过多，账号已暂时锁定，请稍后再试',
  login_throttled: (wait) =>
    wait ? `登录失败次数过多，为保护账号安全，请${formatWait(wait)}后再试` : '登录失败次数过多，为保护账号安全，请稍后再试',
  reauth_required: '请输入您本人的登录密码以确认身份',
  reauth_failed: '您本人的登录密码不正确',
  peer_admin: '同级管理员的密码只能由上级管理员重置',
  not_own_sign_in: '该登录凭证不属于当前账号',
  invalid_api_key: 'API 密钥无效或已撤销',
  api_key_expired: 'API 密钥已过期，请联系管理员重新创建',
  invalid_phone: '请输入正确的 11 位手机号码',
  invalid_code: '验证码不正确，请核对后重新输入',
  code_expired: '验证码已过期，请重新获取',
  invalid_credentials: '用户名或密码错误',
  account_disabled: '该账号已被停用，请联系管理员',
  session_idle: '长时间未操作，已自动退出登录，请重新登录',
  password_change_required: '请先修改密码',
  old_password_wrong: '原密码不正确',
  validation_failed: '填写的信息有误，请检查后再提交',
  profile_required: '请先完善个人资料',
  unauthorized: '请先登录',
  unauthenticated: '请先登录',
  invalid_token: '登录已过期，请重新登录',
  token_reused: '登录凭证已失效，为了您的安全已退出登录，请重新登录',
  session_expired: '登录已过期，请重新登录',
  forbidden: '没有权限进行此操作',
  out_of_scope: '超出您的管辖区域，无权操作',
  not_found: '内容不存在或已被删除',
  conflict: '操作与当前状态冲突，请刷新后重试',
  bad_request: '请求格式有误，请刷新页面后重试',
  malformed_json: '请求格式有误，请刷新页面后重试',
  body_too_large: '提交的内容太大',
  username_taken: '用户名已被使用',
  self_lockout: '不能停用自己的账号，也不能取消自己的管理员角色',
  not_ready: '服务正在启动，请稍后再试',
  internal_error: '服务器开小差了，请稍后再试',
  attempts_exhausted: '答题次数已用完',
  already_submitted: '答卷已经提交过了',
  deadline_passed: '答题时间已过',
  already_redeemed: '该奖品已经兑换过了',
  code_not_found: '兑奖码不存在，请核对后重新输入',
  invalid_transition: '当前状态不允许此操作，请刷新后重试',
  own_review: '不能审核自己撰写或修改过的预警，请由其他审核员审核',
  own_question_review: '不能审核自己编写或最后修改过的题目，请由其他审核员审核',
  question_changed: '题目刚被他人修改或审核，请刷新后重试',
  questions_not_approved: '必答题中有尚未审核通过的题目，审核通过后才能发布',
  own_change: '不能审批本区域提交的人口变更，须由上级区域的管理员审批',
  change_decided: '该变更申请已处理，请刷新后查看',
  population_changed: '区域人口在申请后已被修改，请驳回此申请，由下级按现状重新提交',
  not_editable: '当前状态不能修改：审核中的预警请等待审核结果，已归档的预警不能再改',
  bad_parameter: '请求参数不正确，请刷新页面后重试',
  invalid_period: '统计周期不正确：请选择当前或过去的季度、月份',
  already_locked: '该考核期已锁定，数据不可更改',
  read_only_key: 'API 密钥只能读取考核数据',
  below_assessment_rule: '计入知晓率的问答低于全市考核规则，请提高及格分、题目数量或每题最短用时，或改为练习问答',
  root_admin_required: '考核规则只能由市级（根区域）管理员修改',
  period_not_ended: '考核期尚未结束，不能锁定；只有市级管理员填写理由后可提前锁定',
  period_without_data: '该考核期在本区域没有任何计入知晓率的答卷，无可锁定的数据',
  not_locked: '该考核期尚未锁定',
  unlock_from_above: '解锁只能由上级管理员进行；市级考核期须由锁定人以外的另一位市级管理员解锁',
  snapshot_corrupted: '锁定的考核数据校验失败，数据可能被改动，已停止提供，请联系上级管理员核查',
  snapshot_not_found: '该考核期没有这个锁定版本',
  target_not_met: '该区域最新的考核数据仍未达到目标，暂不能销号；数据回升达标后才能销号',
  unsupported_media_type: '附件只能是 JPEG、PNG、WebP 图片或 PDF 文件',
  too_large: '附件太大，请不要超过 5 MB',
  too_many_attachments: '每个事项最多 10 个附件',
  already_open: '该区域本考核期同一指标已有未销号的整改事项',
  unit_name_taken: '已有同名的成员单位',
  network_error: '网络连接失败，请检查网络后重试',
  internal: '服务器开小差了，请稍后再试',
}

// For these codes the server's own Chinese `detail` says more than the code
// (which field, which record), so it is shown when there is one.
const DETAIL_FIRST = new Set(['target_not_met', 'below_assessment_rule', 'validation_failed', 'not_found', 'forbidden', 'out_of_scope', 'conflict', 'bad_request', 'population_changed', 'questions_not_approved'])

const STATUS_MESSAGES = {
  400: '请求格式有误，请刷新页面后重试',
  401: '请先登录',
  403: '没有权限进行此操作',
  404: '内容不存在或已被删除',
  409: '操作与当前状态冲突，请刷新后重试',
  413: '提交的内容太大',
  415: '不支持的文件格式',
  422: '填写的信息有误，请检查后再提交',
  423: '账号已暂时锁定，请稍后再试',
  429: '操作太频繁，请稍后再试',
}

export const GENERIC_MESSAGE = '请求失败，请稍后再试'
const SERVER_MESSAGE = '服务暂时不可用，请稍后再试'

const hasChinese = (s) => typeof s === 'string' && /[\u4e00-\u9fff]/.test(s)

/** formatWait says a number of seconds in words: 30 秒, 5 分钟, 2 小时. */
export function formatWait(seconds) {
  const s = Math.max(1, Math.ceil(Number(seconds)))
  if (s < 60) return ` ${s} 秒`
  if (s < 3600) return ` ${Math.ceil(s / 60)} 分钟`
  return ` ${Math.ceil(s / 3600)} 小时`
}

/** parseRetryAfter reads a Retry-After header (seconds or an HTTP date) as seconds, or null. */
export function parseRetryAfter(value, now = Date.now()) {
  if (value == null || value === '') return null
  const text = String(value).trim()
  if (/^\d+$/.test(text)) return Number(text)
  const at = Date.parse(text)
  if (Number.isNaN(at)) return null
  return Math.max(0, Math.ceil((at - now) / 1000))
}

/**
 * problemMessage turns a problem body into one readable Chinese sentence:
 * the message for a known `code` (or, for codes in DETAIL_FIRST, the server's
 * Chinese detail), else a Chinese `detail`, else a message for the HTTP
 * status, else whatever `detail` says, else a generic one.
 */
export function problemMessage(problem, { status, retryAfter = null } = {}) {
  const p = problem && typeof problem === 'object' ? problem : {}
  const known = CODE_MESSAGES[p.code]
  if (known && DETAIL_FIRST.has(p.code) && hasChinese(p.detail)) return p.detail
  if (known) return typeof known === 'function' ? known(retryAfter) : known
  if (hasChinese(p.detail)) return p.detail
  const st = Number(p.status || status)
  if (st === 429) return CODE_MESSAGES.rate_limited(retryAfter)
  if (st === 423) return CODE_MESSAGES.account_locked(retryAfter)
  if (STATUS_MESSAGES[st]) return STATUS_MESSAGES[st]
  if (st >= 500) return SERVER_MESSAGE
  if (typeof p.detail === 'string' && p.detail) return p.detail
  if (hasChinese(p.title)) return p.title
  return GENERIC_MESSAGE
}

/** ApiError is what every failed call rejects with; `message` is ready to show. */
export class ApiError extends Error {
  constructor({ status = 0, code = '', title = '', detail = '', message, fieldErrors = {}, rowErrors = [], retryAfter = null, problem = null }) {
    super(message || GENERIC_MESSAGE)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.title = title
    this.detail = detail
    this.fieldErrors = fieldErrors // {field: message}
    this.rowErrors = rowErrors // [{row, field?, message}] from imports
    this.retryAfter = retryAfter // seconds, or null
    this.problem = problem
  }
}

/** toApiError builds an ApiError from a status, a (maybe problem) body and Retry-After. */
export function toApiError(status, body, retryAfterHeader) {
  const problem = body && typeof body === 'object' ? body : {}
  const retryAfter = parseRetryAfter(retryAfterHeader)
  const fieldErrors = {}
  const rowErrors = []
  for (const e of Array.isArray(problem.errors) ? problem.errors : []) {
    if (!e || typeof e !== 'object') continue
    if (e.row != null) rowErrors.push({ row: e.row, field: e.field ?? '', message: e.message ?? '' })
    else if (e.field && !(e.field in fieldErrors)) fieldErrors[e.field] = e.message || '填写有误'
  }
  return new ApiError({
    status,
    code: problem.code || '',
    title: problem.title || '',
    detail: problem.detail || '',
    message: problemMessage(problem, { status, retryAfter }),
    fieldErrors,
    rowErrors,
    retryAfter,
    problem: Object.keys(problem).length ? problem : null,
  })
}

/** buildQuery renders query parameters, leaving out empty ones. */
export function buildQuery(query) {
  if (!query) return ''
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue
    params.append(k, String(v))
  }
  const s = params.toString()
  return s ? `?${s}` : ''
}

async function readBody(res) {
  if (res.status === 204 || res.status === 205) return null
  const type = res.headers.get('content-type') || ''
  const text = await res.text()
  if (!text) return null
  if (type.includes('json')) {
    try {
      return JSON.parse(text)
    } catch {
      return null
    }
  }
  return text
}

/** filenameFrom reads the file name of a Content-Disposition header, or ''. */
export function filenameFrom(header) {
  if (!header) return ''
  const star = /filename\*\s*=\s*(?:UTF-8'')?([^;]+)/i.exec(header)
  if (star) {
    try {
      return decodeURIComponent(star[1].trim().replace(/^"|"$/g, ''))
    } catch {
      // fall through to the plain name
    }
  }
  const plain = /filename\s*=\s*("([^"]*)"|[^;]+)/i.exec(header)
  return plain ? (plain[2] ?? plain[1]).trim() : ''
}

// Paths where a 401 means "wrong credentials", not "token expired".
const NO_REFRESH = ['/auth/login', '/auth/sms-login', '/auth/sms-code', '/auth/refresh', '/auth/logout']

/**
 * createClient makes an API client. Everything it depends on can be replaced,
 * which is how the unit tests drive it.
 */
export function createClient({
  base = API_BASE,
  fetchImpl = (...args) => globalThis.fetch(...args),
  tokens = { access: accessToken, refresh: refreshToken, save: saveSession, clear: clearSession },
  signInPath = () => signInPathFor({ path: globalThis.location?.pathname || '/' }),
  onSignedOut = defaultSignedOut,
  onPasswordChange = defaultPasswordChange,
} = {}) {
  let refreshing = null

  async function send(method, path, { body, query, headers = {}, token }) {
    const h = { Accept: 'application/json, application/problem+json', ...headers }
    let payload
    if (body instanceof FormData) payload = body
    else if (body !== undefined) {
      h['Content-Type'] = 'application/json'
      payload = JSON.stringify(body)
    }
    if (token) h.Authorization = `Bearer ${token}`
    try {
      return await fetchImpl(base + path + buildQuery(query), { method, headers: h, body: payload, credentials: 'same-origin' })
    } catch {
      throw new ApiError({ code: 'network_error', message: CODE_MESSAGES.network_error })
    }
  }

  // renew exchanges the refresh token for a new pair, once at a time: the
  // server revokes a whole sign-in when a used refresh token comes back, so
  // two 401s at once must share one refresh.
  function renew() {
    if (!refreshing) {
      refreshing = (async () => {
        const rt = tokens.refresh()
        if (!rt) return false
        const res = await send('POST', '/auth/refresh', { body: { refresh_token: rt } }).catch(() => null)
        if (!res || !res.ok) return false
        const answer = await readBody(res)
        if (!answer?.access_token) return false
        tokens.save(answer)
        return true
      })().finally(() => {
        refreshing = null
      })
    }
    return refreshing
  }

  async function request(method, path, options = {}) {
    const token = tokens.access()
    if (token) lastSignedInRequest = Date.now()
    let res = await send(method, path, { ...options, token })
    if (res.status === 401 && token && !NO_REFRESH.includes(path)) {
      // Another call (or tab) may already have renewed the token.
      let next = tokens.access()
      if (!next || next === token) next = (await renew()) ? tokens.access() : ''
      if (next) res = await send(method, path, { ...options, token: next })
      if (!next || res.status === 401) {
        const target = signInPath() // decided before the user record is gone
        tokens.clear()
        onSignedOut(target)
        throw new ApiError({ status: 401, code: 'session_expired', message: CODE_MESSAGES.session_expired })
      }
    }
    if (options.as === 'blob' && res.ok) {
      return { blob: await res.blob(), filename: filenameFrom(res.headers.get('content-disposition')) }
    }
    const data = await readBody(res)
    if (!res.ok) {
      const err = toApiError(res.status, data, res.headers.get('retry-after'))
      if (err.code === 'password_change_required') onPasswordChange()
      throw err
    }
    return data
  }

  return {
    request,
    get: (path, query, options) => request('GET', path, { ...options, query }),
    post: (path, body, options) => request('POST', path, { ...options, body }),
    put: (path, body, options) => request('PUT', path, { ...options, body }),
    patch: (path, body, options) => request('PATCH', path, { ...options, body }),
    del: (path, options) => request('DELETE', path, options),
    /** download fetches a file (signed in like any call) as {blob, filename}. */
    download: (path, query) => request('GET', path, { query, as: 'blob', headers: { Accept: '*/*' } }),
    /** upload sends one file as multipart/form-data under `field`. */
    upload: (path, file, field = 'file') => {
      const form = new FormData()
      form.append(field, file)
      return request('POST', path, { body: form })
    },
  }
}

// When the last signed-in request was sent (ms since epoch): the staff
// console asks the server once the idle timeout has passed, so an idle page
// shows the sign-in without waiting for a click.
let lastSignedInRequest = Date.now()

/** lastRequestAt is when the last request with a token was sent. */
export function lastRequestAt() {
  return lastSignedInRequest
}

// Until main.js installs the router-aware handler, fall back to a full navigation.
let signedOutHandler = null

function defaultSignedOut(target) {
  if (signedOutHandler) signedOutHandler(target)
  else if (globalThis.location && globalThis.location.pathname !== target) globalThis.location.assign(target)
}

// A staff user whose password must be changed first (set by an admin, or
// expired) is sent to 修改密码 by main.js's handler.
let passwordChangeHandler = null

function defaultPasswordChange() {
  setMustChangePassword(true)
  passwordChangeHandler?.()
}

/** onPasswordChangeRequired installs what happens on 403 password_change_required. */
export function onPasswordChangeRequired(handler) {
  passwordChangeHandler = handler
}

/** onSessionExpired installs what happens when the sign-in cannot be renewed. */
export function onSessionExpired(handler) {
  signedOutHandler = handler
}

/** api is the app's client. */
export const api = createClient()
