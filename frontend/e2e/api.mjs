// Talking to the backend from the test process (node's fetch), for setting
// up data that a browser test then looks at.

/** apiClient calls /api/v1 of baseURL, with a bearer token once signedIn. */
export function apiClient(baseURL) {
  let token = ''
  async function call(method, path, body, headers = {}) {
    const res = await fetch(`${baseURL}/api/v1${path}`, {
      method,
      headers: {
        Accept: 'application/json',
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    })
    const text = await res.text()
    const data = text ? JSON.parse(text) : null
    if (!res.ok) {
      const err = new Error(`${method} ${path}: ${res.status} ${text}`)
      err.status = res.status
      err.body = data
      throw err
    }
    return data
  }
  return {
    call,
    get: (path, headers) => call('GET', path, undefined, headers),
    post: (path, body, headers) => call('POST', path, body, headers),
    put: (path, body) => call('PUT', path, body),
    patch: (path, body) => call('PATCH', path, body),
    /** signIn signs a staff user in; later calls carry the token. */
    async signIn(username, password) {
      const pair = await call('POST', '/auth/login', { username, password })
      token = pair.access_token
      return pair
    },
    /** signInResident signs a resident in by SMS code, read from the server's outbox. */
    async signInResident(server, phone) {
      const after = Date.now() - 1000
      await call('POST', '/auth/sms-code', { phone })
      const code = await server.latestCode(phone, { after })
      const pair = await call('POST', '/auth/sms-login', { phone, code })
      token = pair.access_token
      return pair
    },
  }
}

/**
 * adoptSession puts a sign-in answer into the app's storage, as the app's
 * own sign-in would, so a browser context starts signed in.
 */
export async function adoptSession(page, pair) {
  await page.goto('/login')
  await page.evaluate((p) => {
    localStorage.setItem('wuzha.accessToken', p.access_token)
    localStorage.setItem('wuzha.refreshToken', p.refresh_token)
    const { id, username, role, area_code } = p.user
    localStorage.setItem('wuzha.user', JSON.stringify({ id, username, role, area_code }))
  }, pair)
}

/** staffSignIn signs a staff user in on the console's sign-in page. */
export async function staffSignIn(page, { username, password }) {
  await page.goto('/staff/login')
  await page.getByTestId('username').locator('input').fill(username)
  await page.getByTestId('password').locator('input').fill(password)
  await page.getByTestId('sign-in').click()
  await page.waitForURL((url) => url.pathname.startsWith('/staff') && url.pathname !== '/staff/login')
}

/**
 * approvedQuestions creates each question body as the editor and has the
 * reviewer approve it (only approved questions are drawn); it answers the ids.
 */
export async function approvedQuestions(editor, reviewer, bodies) {
  const ids = []
  for (const body of bodies) {
    const q = await editor.post('/questions', body)
    await reviewer.post(`/questions/${q.id}/approve`)
    ids.push(q.id)
  }
  return ids
}

/**
 * publishedQuiz creates a residents' quiz as the editor, open from a minute
 * ago for a day, three questions at 60 points, and publishes it; fields
 * override any of those settings. It answers the published quiz.
 */
export async function publishedQuiz(editor, fields) {
  const quiz = await editor.post('/quizzes', {
    area_code: '330800',
    audience: 'residents',
    starts_at: new Date(Date.now() - 60_000).toISOString(),
    ends_at: new Date(Date.now() + 24 * 3600_000).toISOString(),
    question_count: 3,
    pass_score: 60,
    time_limit_s: 600,
    max_attempts: 1,
    min_seconds_per_question: 0,
    ...fields,
  })
  return editor.post(`/quizzes/${quiz.id}/publish`)
}
