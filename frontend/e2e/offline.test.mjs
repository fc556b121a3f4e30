// Offline in the field. (1) A resident takes a quiz, the phone loses its
// network mid-way (DevTools offline), the resident answers the rest and hands
// in: the page says 待同步, the app shell reopens from the service worker
// without a network, and when the network returns the submission is sent.
// The server then has exactly one submitted attempt with exactly the answers
// given. (2) The same through a grid worker's in-person session, where the
// worker's session page rides out the hall's network dropping and the
// resident's queued submission goes out on 立即同步.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { startServer } from './server.mjs'
import { launchBrowser, newPage, PHONE, shot } from './browser.mjs'
import { apiClient, adoptSession } from './api.mjs'

const EDITOR = { username: 'lixian-bianji', password: 'Lixian-bianji-2026', role: 'editor', area: '330800' }
const REVIEWER = { username: 'lixian-shenhe', password: 'Lixian-shenhe-2026', role: 'reviewer', area: '330800' }
const WORKER = { username: 'wangge-lixian', password: 'Wangge-lixian-2026', role: 'grid_worker', area: '330802001001001' }
const GRID = '330802001001001'

const QUESTIONS = [
  { stem: '陌生人来电自称“公安局”，要求转账到“安全账户”，怎么办？', options: ['挂断并拨打 96110 核实', '按要求转账'] },
  { stem: '网上“刷单返利”兼职要求先垫付，这是什么？', options: ['刷单诈骗，不要理会', '正规兼职'] },
  { stem: '“快递客服”让您下载软件共享屏幕理赔，怎么办？', options: ['拒绝共享，通过官方渠道核实', '按客服说的做'] },
]
// What the resident taps: right, wrong, right.
const PICK = [0, 1, 0]

let server
let browser
let editor
let questionIds

before(async () => {
  server = await startServer()
  for (const u of [EDITOR, REVIEWER, WORKER]) await server.addUser(u)
  browser = await launchBrowser()
  editor = apiClient(server.baseURL)
  await editor.signIn(EDITOR.username, EDITOR.password)
  const reviewer = apiClient(server.baseURL)
  await reviewer.signIn(REVIEWER.username, REVIEWER.password)
  questionIds = []
  for (const [i, q] of QUESTIONS.entries()) {
    const created = await editor.post('/questions', {
      kind: 'single',
      stem: q.stem,
      options: q.options.map((text, j) => ({ key: 'AB'[j], text })),
      answer: ['A'],
      explanation: '遇到可疑情况，请拨打 96110 反诈专线核实。',
      fraud_type: ['police_impersonation', 'brushing', 'cs_impersonation'][i],
      difficulty: 1,
    })
    await reviewer.post(`/questions/${created.id}/approve`)
    questionIds.push(created.id)
  }
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

async function newQuiz(title, timeLimit = 900) {
  const quiz = await editor.post('/quizzes', {
    title,
    area_code: '330800',
    audience: 'residents',
    starts_at: new Date(Date.now() - 60_000).toISOString(),
    ends_at: new Date(Date.now() + 24 * 3600_000).toISOString(),
    question_count: 3,
    pass_score: 60,
    time_limit_s: timeLimit,
    max_attempts: 2,
    core_question_ids: questionIds,
    min_seconds_per_question: 0,
    counts_for_awareness: false,
  })
  await editor.post(`/quizzes/${quiz.id}/publish`)
  return quiz.id
}

/** answer taps the picked option of the question on screen; returns [question id, key as served]. */
async function answer(page, served) {
  const stem = await page.getByTestId('stem').textContent()
  const i = QUESTIONS.findIndex((q) => stem.includes(q.stem.slice(0, 8)))
  assert.ok(i >= 0, `unknown question: ${stem}`)
  const text = QUESTIONS[i].options[PICK[i]]
  await page.getByTestId('question').getByRole('radio', { name: text }).click()
  const q = served.questions.find((x) => x.id === questionIds[i])
  return [q.id, q.options.find((o) => o.text === text).key]
}

/** servedAttempt records the questions the page is served when it starts the attempt. */
function servedAttempt(page, quizId) {
  return page.waitForResponse((r) => r.url().endsWith(`/api/v1/quizzes/${quizId}/attempts`) && r.request().method() === 'POST').then((r) => r.json())
}

async function handIn(page) {
  await page.getByTestId('submit').click()
  const dialog = page.locator('.van-dialog')
  await dialog.getByText('3 道题都已作答').waitFor()
  await dialog.getByRole('button', { name: '交卷' }).click()
  await dialog.waitFor({ state: 'hidden' })
}

/** checkServer: exactly one attempt, submitted, with exactly the answers given. */
async function checkServer(quizId, token, attemptId, given) {
  const stats = await editor.get(`/quizzes/${quizId}/stats`)
  assert.equal(stats.started, 1, 'one attempt started')
  assert.equal(stats.submitted, 1, 'one attempt submitted')
  const res = await fetch(`${server.baseURL}/api/v1/attempts/${attemptId}`, { headers: { Authorization: `Bearer ${token}` } })
  const view = await res.json()
  assert.equal(view.status, 'submitted')
  const got = Object.fromEntries(view.result.results.map((r) => [r.question_id, r.your_answer]))
  assert.deepEqual(got, Object.fromEntries(given.map(([id, key]) => [id, [key]])))
  assert.equal(view.result.results.filter((r) => r.correct).length, 2)
}

test('a resident answers and hands in offline; the submission arrives once when the network returns', { timeout: 120_000 }, async () => {
  const quizId = await newQuiz('离线答题测试问答')
  const resident = apiClient(server.baseURL)
  const pair = await resident.signInResident(server, '13900007001')
  await resident.put('/me/profile', { age_band: '60p', occupation: 'retiree', grid_code: GRID, consent: true })
  const { context, page, problems } = await newPage(browser, server.baseURL, PHONE)
  await adoptSession(page, pair)
  await page.goto('/')
  // The service worker installs the app shell on the first visit.
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true))
  await page.reload()
  assert.ok(await page.evaluate(() => !!navigator.serviceWorker.controller), 'the page is controlled by the service worker')

  await page.goto(`/quizzes/${quizId}/take`)
  const servedP = servedAttempt(page, quizId)
  await page.getByTestId('start-quiz').click()
  const served = await servedP
  const given = []
  given.push(await answer(page, served))
  await page.getByTestId('save-state').getByText('已保存').waitFor()
  await page.getByTestId('next').click()

  // ---- The network drops mid-way.
  await context.setOffline(true)
  given.push(await answer(page, served))
  await page.getByTestId('save-state').getByText('待同步').waitFor({ timeout: 10_000 })
  await shot(page, 'offline-answer-waiting')
  await page.getByTestId('next').click()
  given.push(await answer(page, served))
  await handIn(page)
  const queued = page.getByTestId('quiz-queued')
  await queued.getByText('待同步').waitFor()
  await shot(page, 'offline-submission-waiting')
  await page.getByRole('switch', { name: '大字模式' }).click()
  await page.waitForFunction(() => document.documentElement.classList.contains('large-text'))
  await shot(page, 'offline-submission-waiting-large-text')

  // ---- Still offline, the app opens again from the service worker's shell, and the submission still waits.
  await page.reload()
  await queued.getByText('答卷已保存在本机').waitFor()
  const waiting = await page.evaluate(() => JSON.parse(localStorage.getItem('wuzha.queue.submissions')))
  assert.equal(waiting.length, 1)
  assert.match(waiting[0].key, /^[0-9a-f]{32}$/, 'the submission carries a key made on the phone')
  let stats = await editor.get(`/quizzes/${quizId}/stats`)
  assert.equal(stats.submitted, 0, 'nothing reached the server while offline')

  // ---- Back online: sent by itself, the result page shows the server's result.
  const submits = []
  page.on('request', (r) => {
    if (/\/submit$/.test(r.url())) submits.push(r.headers()['idempotency-key'])
  })
  await context.setOffline(false)
  await page.waitForURL(/\/attempts\/\d+$/, { timeout: 20_000 })
  await page.getByTestId('verdict').getByText('及格').waitFor()
  const attemptId = Number(new URL(page.url()).pathname.split('/').pop())
  assert.equal(attemptId, served.attempt_id)
  assert.deepEqual(submits, [waiting[0].key])
  await shot(page, 'offline-synced-result')
  assert.equal(await page.evaluate(() => localStorage.getItem('wuzha.queue.submissions')), null, 'the queue is empty')

  // A resend of the same submission (a second sync) is harmless.
  const again = await fetch(`${server.baseURL}/api/v1/attempts/${attemptId}/submit`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${pair.access_token}`, 'Content-Type': 'application/json', 'Idempotency-Key': waiting[0].key },
    body: JSON.stringify(waiting[0].body),
  })
  assert.equal(again.status, 200)
  await checkServer(quizId, pair.access_token, attemptId, given)
  stats = await editor.get(`/quizzes/${quizId}/stats`)
  assert.equal(stats.submitted, 1)
  assert.deepEqual(
    problems.filter((p) => !/Failed to load resource|ERR_INTERNET_DISCONNECTED/.test(p)),
    [],
  )
  await context.close()
})

test('through a grid worker session: the worker page rides out the outage, the resident syncs with 立即同步', { timeout: 150_000 }, async () => {
  // Under three minutes: offline this close to the deadline, the page warns.
  const quizId = await newQuiz('离线现场答题测试问答', 175)
  const worker = apiClient(server.baseURL)
  await worker.signIn(WORKER.username, WORKER.password)
  const session = await worker.post('/sessions', { quiz_id: quizId })

  // ---- The worker's phone shows the session.
  const w = await newPage(browser, server.baseURL, PHONE)
  const wp = w.page
  await wp.goto('/staff/login')
  await wp.getByTestId('username').locator('input').fill(WORKER.username)
  await wp.getByTestId('password').locator('input').fill(WORKER.password)
  await wp.getByTestId('sign-in').click()
  await wp.waitForURL((url) => url.pathname.startsWith('/staff') && url.pathname !== '/staff/login')
  await wp.goto(`/staff/sessions/${session.id}`)
  await wp.getByTestId('count-participants').getByText('0', { exact: true }).waitFor()
  await wp.evaluate(() => (window.__sameLoad = true))

  // ---- The resident joins with the session's code.
  const resident = apiClient(server.baseURL)
  const pair = await resident.signInResident(server, '13900007002')
  await resident.put('/me/profile', { age_band: '45_59', occupation: 'farmer', grid_code: GRID, consent: true })
  const r = await newPage(browser, server.baseURL, PHONE)
  const rp = r.page
  await adoptSession(rp, pair)
  await rp.goto(`/join/${session.join_code}`)
  await rp.evaluate(() => navigator.serviceWorker.ready.then(() => true))
  await rp.getByTestId('join-start').click()
  await rp.waitForURL((url) => url.pathname === `/quizzes/${quizId}/take`)
  const servedP = servedAttempt(rp, quizId)
  await rp.getByTestId('start-quiz').click()
  const served = await servedP
  const given = [await answer(rp, served)]
  await rp.getByTestId('save-state').getByText('已保存').waitFor()
  await wp.getByTestId('count-participants').getByText('1', { exact: true }).waitFor({ timeout: 10_000 })

  // ---- The hall's network drops: both phones are offline.
  await w.context.setOffline(true)
  await r.context.setOffline(true)
  await wp.getByTestId('poll-error').getByText('网络中断，正在重试').waitFor({ timeout: 10_000 })
  assert.equal(await wp.getByTestId('count-participants').textContent(), '1', 'the last figures stay')
  await shot(wp, 'offline-session-worker')

  await rp.getByTestId('next').click()
  given.push(await answer(rp, served))
  await rp.getByTestId('offline-deadline').getByText('截止后才送达的答卷不能计分').waitFor()
  await shot(rp, 'offline-near-deadline')
  await rp.getByTestId('next').click()
  given.push(await answer(rp, served))
  await handIn(rp)
  await rp.getByTestId('quiz-queued').getByText('待同步').waitFor()
  await shot(rp, 'offline-session-resident-waiting')

  // A while later (several poll rounds), the worker's page is still there, still retrying.
  await wp.waitForTimeout(8000)
  assert.equal(await wp.getByTestId('count-participants').textContent(), '1')
  await wp.getByTestId('poll-error').waitFor()

  // ---- The network returns, but the first sends still fail (a flaky link): the submission keeps waiting.
  // (Until 立即同步 is tapped, every automatic send meets the flaky link.)
  let flaky = true
  await rp.route('**/api/v1/attempts/*/submit', (route) => (flaky ? route.abort('internetdisconnected') : route.continue()))
  await r.context.setOffline(false)
  await rp.getByTestId('sync-note').getByText('仍然没有网络').waitFor({ timeout: 10_000 })
  await w.context.setOffline(false)
  // ---- 立即同步 sends it.
  const sync = rp.getByTestId('sync-now')
  await sync.waitFor()
  flaky = false
  await sync.click()
  await rp.waitForURL(/\/attempts\/\d+$/, { timeout: 20_000 })
  await rp.getByTestId('verdict').getByText('及格').waitFor()
  const attemptId = Number(new URL(rp.url()).pathname.split('/').pop())
  assert.equal(attemptId, served.attempt_id)

  // The worker's screen counts the submission without a reload.
  await wp.getByTestId('count-submitted').getByText('1', { exact: true }).waitFor({ timeout: 10_000 })
  assert.equal(await wp.getByTestId('poll-error').count(), 0)
  assert.equal(await wp.evaluate(() => window.__sameLoad), true, 'the session page was never reloaded')
  await shot(wp, 'offline-session-worker-back')

  await checkServer(quizId, pair.access_token, attemptId, given)
  const view = await (await fetch(`${server.baseURL}/api/v1/attempts/${attemptId}`, { headers: { Authorization: `Bearer ${pair.access_token}` } })).json()
  assert.ok(view, 'the attempt is readable')
  await w.context.close()
  await r.context.close()
})
