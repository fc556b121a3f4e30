import { beforeEach, describe, expect, it, vi } from 'vitest'
import { ApiError, buildQuery, createClient, filenameFrom, parseRetryAfter, problemMessage, toApiError } from './api.js'

const json = (status, body, headers = {}) =>
  new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers },
  })

const problem = (status, code, extra = {}) => ({ type: 'about:blank', title: 'x', status, code, ...extra })

// A token store in memory, shaped like the one api.js uses by default.
function memoryTokens(access = 'A1', refresh = 'R1') {
  const t = {
    accessToken: access,
    refreshToken: refresh,
    cleared: false,
    access: () => t.accessToken,
    refresh: () => t.refreshToken,
    save: (answer) => {
      t.accessToken = answer.access_token
      t.refreshToken = answer.refresh_token
    },
    clear: () => {
      t.accessToken = ''
      t.refreshToken = ''
      t.cleared = true
    },
  }
  return t
}

describe('problemMessage', () => {
  it.each([
    ['rate_limited', 429, '操作太频繁，请稍后再试'],
    ['invalid_credentials', 401, '用户名或密码错误'],
    ['invalid_code', 401, '验证码不正确，请核对后重新输入'],
    ['code_expired', 401, '验证码已过期，请重新获取'],
    ['profile_required', 422, '请先完善个人资料'],
    ['forbidden', 403, '没有权限进行此操作'],
    ['not_found', 404, '内容不存在或已被删除'],
    ['validation_failed', 422, '填写的信息有误，请检查后再提交'],
    ['own_review', 409, '不能审核自己撰写或修改过的预警，请由其他审核员审核'],
    ['own_question_review', 403, '不能审核自己编写或最后修改过的题目，请由其他审核员审核'],
    ['not_editable', 409, '当前状态不能修改：审核中的预警请等待审核结果，已归档的预警不能再改'],
    ['invalid_transition', 409, '当前状态不允许此操作，请刷新后重试'],
    ['invalid_period', 422, '统计周期不正确：请选择当前或过去的季度、月份'],
    ['already_locked', 409, '该考核期已锁定，数据不可更改'],
    ['period_not_ended', 409, '考核期尚未结束，不能锁定；只有市级管理员填写理由后可提前锁定'],
    ['unlock_from_above', 403, '解锁只能由上级管理员进行；市级考核期须由锁定人以外的另一位市级管理员解锁'],
    ['snapshot_corrupted', 409, '锁定的考核数据校验失败，数据可能被改动，已停止提供，请联系上级管理员核查'],
    ['root_admin_required', 403, '考核规则只能由市级（根区域）管理员修改'],
    ['own_change', 403, '不能审批本区域提交的人口变更，须由上级区域的管理员审批'],
    ['change_decided', 409, '该变更申请已处理，请刷新后查看'],
    ['reauth_required', 403, '请输入您本人的登录密码以确认身份'],
    ['reauth_failed', 403, '您本人的登录密码不正确'],
    ['peer_admin', 403, '同级管理员的密码只能由上级管理员重置'],
    ['not_own_sign_in', 403, '该登录凭证不属于当前账号'],
    ['api_key_expired', 401, 'API 密钥已过期，请联系管理员重新创建'],
  ])('maps code %s to Chinese', (code, status, want) => {
    expect(problemMessage(problem(status, code, { detail: 'english detail' }), { status })).toBe(want)
  })

  it('says how long to wait when Retry-After is known', () => {
    expect(problemMessage(problem(429, 'rate_limited'), { retryAfter: 42 })).toBe('操作太频繁，请 42 秒后再试')
    expect(problemMessage(problem(423, 'account_locked'), { retryAfter: 600 })).toBe(
      '登录失败次数过多，账号已暂时锁定，请 10 分钟后再试',
    )
    expect(problemMessage(problem(429, 'login_throttled'), { retryAfter: 16 })).toBe(
      '登录失败次数过多，为保护账号安全，请 16 秒后再试',
    )
    expect(problemMessage(problem(429, 'login_throttled'), { retryAfter: 900 })).toBe(
      '登录失败次数过多，为保护账号安全，请 15 分钟后再试',
    )
  })

  it('prefers the server\'s Chinese detail for validation and not-found', () => {
    expect(problemMessage(problem(422, 'validation_failed', { detail: '提交的内容有误：请选择网格' }))).toBe(
      '提交的内容有误：请选择网格',
    )
    expect(problemMessage(problem(404, 'not_found', { detail: '用户不存在' }))).toBe('用户不存在')
    expect(problemMessage(problem(401, 'invalid_credentials', { detail: '账号或密码不对' }))).toBe('用户名或密码错误')
  })

  it('uses a Chinese detail for an unknown code', () => {
    expect(problemMessage(problem(409, 'quiz_closed', { detail: '问答活动已结束' }))).toBe('问答活动已结束')
  })

  it('prefers a Chinese status message over an English detail', () => {
    expect(problemMessage(problem(409, 'weird_state', { detail: 'state does not allow this' }))).toBe(
      '操作与当前状态冲突，请刷新后重试',
    )
  })

  it('falls back to detail, then a generic message', () => {
    expect(problemMessage({ status: 418, detail: 'short and stout' })).toBe('short and stout')
    expect(problemMessage({}, { status: 418 })).toBe('请求失败，请稍后再试')
    expect(problemMessage(null, { status: 503 })).toBe('服务暂时不可用，请稍后再试')
    expect(problemMessage(undefined, { status: 429 })).toBe('操作太频繁，请稍后再试')
  })
})

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('30')).toBe(30)
    expect(parseRetryAfter(null)).toBeNull()
    expect(parseRetryAfter('soon')).toBeNull()
    const now = Date.parse('2026-09-01T00:00:00Z')
    expect(parseRetryAfter('Tue, 01 Sep 2026 00:02:00 GMT', now)).toBe(120)
  })
})

describe('toApiError', () => {
  it('collects field errors and import row errors', () => {
    const err = toApiError(
      422,
      problem(422, 'validation_failed', {
        errors: [
          { field: 'grid_code', message: '请选择网格' },
          { field: 'consent', message: 'must be true' },
          { row: 3, field: 'level', message: '层级无效' },
        ],
      }),
      null,
    )
    expect(err).toBeInstanceOf(ApiError)
    expect(err.status).toBe(422)
    expect(err.code).toBe('validation_failed')
    expect(err.fieldErrors).toEqual({ grid_code: '请选择网格', consent: 'must be true' })
    expect(err.rowErrors).toEqual([{ row: 3, field: 'level', message: '层级无效' }])
  })

  it('handles a body that is not a problem', () => {
    const err = toApiError(502, '<html>bad gateway</html>', null)
    expect(err.message).toBe('服务暂时不可用，请稍后再试')
    expect(err.problem).toBeNull()
  })
})

describe('buildQuery', () => {
  it('leaves out empty values', () => {
    expect(buildQuery({ limit: 20, cursor: '', action: null, q: '用户' })).toBe('?limit=20&q=%E7%94%A8%E6%88%B7')
    expect(buildQuery({ cursor: undefined })).toBe('')
  })
})

describe('createClient', () => {
  let fetchImpl
  let tokens
  let signedOut
  let client

  beforeEach(() => {
    fetchImpl = vi.fn()
    tokens = memoryTokens()
    signedOut = vi.fn()
    client = createClient({ fetchImpl, tokens, onSignedOut: signedOut, signInPath: () => '/login' })
  })

  it('sends JSON with the bearer token and returns the body', async () => {
    fetchImpl.mockResolvedValueOnce(json(200, { id: 1 }))
    await expect(client.put('/me/profile', { age_band: '60p' })).resolves.toEqual({ id: 1 })
    const [url, init] = fetchImpl.mock.calls[0]
    expect(url).toBe('/api/v1/me/profile')
    expect(init.method).toBe('PUT')
    expect(init.headers.Authorization).toBe('Bearer A1')
    expect(init.headers['Content-Type']).toBe('application/json')
    expect(JSON.parse(init.body)).toEqual({ age_band: '60p' })
  })

  it('hands 403 password_change_required to the password-change handler', async () => {
    const onPasswordChange = vi.fn()
    const c = createClient({ fetchImpl, tokens, onSignedOut: signedOut, onPasswordChange, signInPath: () => '/login' })
    fetchImpl.mockResolvedValueOnce(json(403, problem(403, 'password_change_required', { detail: '请先修改初始密码或已过期的密码，再进行其他操作' })))
    const err = await c.get('/sessions').catch((e) => e)
    expect(err.code).toBe('password_change_required')
    expect(onPasswordChange).toHaveBeenCalledTimes(1)
    fetchImpl.mockResolvedValueOnce(json(403, problem(403, 'forbidden')))
    await c.get('/users').catch(() => {})
    expect(onPasswordChange).toHaveBeenCalledTimes(1)
  })

  it('returns null for 204', async () => {
    fetchImpl.mockResolvedValueOnce(new Response(null, { status: 204 }))
    await expect(client.post('/auth/sms-code', { phone: '13800001111' })).resolves.toBeNull()
  })

  it('sends extra headers such as X-Device-Id', async () => {
    fetchImpl.mockResolvedValueOnce(json(200, { id: 5 }))
    await client.get('/warnings/5', null, { headers: { 'X-Device-Id': 'abcdefghijklmnop1234' } })
    const [url, init] = fetchImpl.mock.calls[0]
    expect(url).toBe('/api/v1/warnings/5')
    expect(init.headers['X-Device-Id']).toBe('abcdefghijklmnop1234')
    expect(init.headers.Authorization).toBe('Bearer A1')
  })

  it('adds query parameters to GET', async () => {
    fetchImpl.mockResolvedValueOnce(json(200, { items: [], next_cursor: null }))
    await client.get('/users', { limit: 20, cursor: '' })
    expect(fetchImpl.mock.calls[0][0]).toBe('/api/v1/users?limit=20')
  })

  it('rejects with a readable message and Retry-After', async () => {
    fetchImpl.mockResolvedValueOnce(json(429, problem(429, 'rate_limited'), { 'Retry-After': '55' }))
    const err = await client.post('/auth/sms-code', { phone: '13800001111' }).catch((e) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err.status).toBe(429)
    expect(err.retryAfter).toBe(55)
    expect(err.message).toBe('操作太频繁，请 55 秒后再试')
  })

  it('turns a network failure into a Chinese message', async () => {
    fetchImpl.mockRejectedValueOnce(new TypeError('Failed to fetch'))
    const err = await client.get('/taxonomy').catch((e) => e)
    expect(err.code).toBe('network_error')
    expect(err.message).toBe('网络连接失败，请检查网络后重试')
  })

  it('renews the access token once on 401 and retries', async () => {
    fetchImpl
      .mockResolvedValueOnce(json(401, problem(401, 'unauthorized')))
      .mockResolvedValueOnce(json(200, { access_token: 'A2', refresh_token: 'R2', token_type: 'Bearer', expires_in: 900 }))
      .mockResolvedValueOnce(json(200, { id: 7 }))
    await expect(client.get('/me')).resolves.toEqual({ id: 7 })
    const [refreshUrl, refreshInit] = fetchImpl.mock.calls[1]
    expect(refreshUrl).toBe('/api/v1/auth/refresh')
    expect(JSON.parse(refreshInit.body)).toEqual({ refresh_token: 'R1' })
    expect(fetchImpl.mock.calls[2][1].headers.Authorization).toBe('Bearer A2')
    expect(tokens.refreshToken).toBe('R2')
    expect(signedOut).not.toHaveBeenCalled()
  })

  it('signs out when the refresh fails', async () => {
    fetchImpl
      .mockResolvedValueOnce(json(401, problem(401, 'unauthorized')))
      .mockResolvedValueOnce(json(401, problem(401, 'invalid_token')))
    const err = await client.get('/me').catch((e) => e)
    expect(err.status).toBe(401)
    expect(err.message).toBe('登录已过期，请重新登录')
    expect(tokens.cleared).toBe(true)
    expect(signedOut).toHaveBeenCalledWith('/login')
    expect(fetchImpl).toHaveBeenCalledTimes(2)
  })

  it('signs out when the retried request is still refused', async () => {
    fetchImpl
      .mockResolvedValueOnce(json(401, problem(401, 'unauthorized')))
      .mockResolvedValueOnce(json(200, { access_token: 'A2', refresh_token: 'R2' }))
      .mockResolvedValueOnce(json(401, problem(401, 'unauthorized')))
    await expect(client.get('/me')).rejects.toMatchObject({ code: 'session_expired' })
    expect(fetchImpl).toHaveBeenCalledTimes(3)
    expect(signedOut).toHaveBeenCalledTimes(1)
  })

  it('shares one refresh between concurrent 401s', async () => {
    let refreshes = 0
    fetchImpl.mockImplementation(async (url, init) => {
      if (url.endsWith('/auth/refresh')) {
        refreshes++
        await new Promise((r) => setTimeout(r, 5))
        return json(200, { access_token: 'A2', refresh_token: 'R2' })
      }
      return init.headers.Authorization === 'Bearer A2' ? json(200, { ok: url }) : json(401, problem(401, 'unauthorized'))
    })
    const answers = await Promise.all([client.get('/me'), client.get('/users'), client.get('/audit')])
    expect(refreshes).toBe(1)
    expect(answers.map((a) => a.ok)).toEqual(['/api/v1/me', '/api/v1/users', '/api/v1/audit'])
  })

  it('does not try to refresh on a failed sign-in', async () => {
    fetchImpl.mockResolvedValueOnce(json(401, problem(401, 'invalid_credentials')))
    const err = await client.post('/auth/login', { username: 'a', password: 'b' }).catch((e) => e)
    expect(err.message).toBe('用户名或密码错误')
    expect(fetchImpl).toHaveBeenCalledTimes(1)
    expect(signedOut).not.toHaveBeenCalled()
  })

  it('does not refresh when no token was sent', async () => {
    tokens.clear()
    fetchImpl.mockResolvedValueOnce(json(401, problem(401, 'unauthorized')))
    await expect(client.get('/me')).rejects.toMatchObject({ status: 401, message: '请先登录' })
    expect(fetchImpl).toHaveBeenCalledTimes(1)
    expect(signedOut).not.toHaveBeenCalled()
  })

  it('uploads a file as multipart without a JSON content type', async () => {
    fetchImpl.mockResolvedValueOnce(json(200, { imported: 3 }))
    const file = new File(['code,name\n'], 'areas.csv', { type: 'text/csv' })
    await expect(client.upload('/areas/import', file)).resolves.toEqual({ imported: 3 })
    const init = fetchImpl.mock.calls[0][1]
    expect(init.body).toBeInstanceOf(FormData)
    expect(init.body.get('file').name).toBe('areas.csv')
    expect(init.headers['Content-Type']).toBeUndefined()
  })

  it('downloads a file as a blob, signed in, with its name', async () => {
    fetchImpl.mockResolvedValueOnce(
      new Response('\uFEFFkind,stem\n', {
        status: 200,
        headers: { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': 'attachment; filename="questions.csv"' },
      }),
    )
    const { blob, filename } = await client.download('/questions/export', { format: 'csv' })
    expect(filename).toBe('questions.csv')
    expect(await blob.text()).toContain('kind,stem')
    const [url, init] = fetchImpl.mock.calls[0]
    expect(url).toBe('/api/v1/questions/export?format=csv')
    expect(init.headers.Authorization).toBe('Bearer A1')
  })

  it('turns a refused download into an ApiError', async () => {
    fetchImpl.mockResolvedValueOnce(json(403, problem(403, 'forbidden', { detail: '您的角色无权进行此操作' })))
    const err = await client.download('/questions/export', { format: 'xlsx' }).catch((e) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err.message).toBe('您的角色无权进行此操作')
  })
})

describe('filenameFrom', () => {
  it.each([
    ['attachment; filename="questions.xlsx"', 'questions.xlsx'],
    ['attachment; filename=plain.csv', 'plain.csv'],
    ["attachment; filename*=UTF-8''%E9%A2%98%E5%BA%93.csv", '题库.csv'],
    [null, ''],
  ])('%s → %s', (header, want) => {
    expect(filenameFrom(header)).toBe(want)
  })
})

describe('quiz and prize messages', () => {
  it('says a prize code was not found, and uses the server\'s words for quiz states', () => {
    expect(problemMessage(problem(404, 'code_not_found', { detail: '兑奖码不存在' }))).toBe('兑奖码不存在，请核对后重新输入')
    expect(problemMessage(problem(409, 'rules_locked', { detail: '已有人答题，影响计分的规则不能再修改' }))).toBe(
      '已有人答题，影响计分的规则不能再修改',
    )
  })
})

