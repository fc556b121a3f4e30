// The workbench (issue 16), in a browser: a grid worker signs in and sees
// the grid's figures and the residents who have not answered this quarter
// (masked); a prize is redeemed by SCANNING its QR code with a fake camera
// (Chromium plays a Y4M made from the resident's prize QR) and then shows
// in the redeemed list; the reviewer's, editor's, admin's and assessor's
// workbenches show their counts. Screenshots on a phone (390 px) and a
// desktop go to e2e/screenshots/.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { after, before, test } from 'node:test'
import { startServer } from './server.mjs'
import { DESKTOP, launchBrowser, newPage, PHONE, screenshotDir, shot } from './browser.mjs'
import { adoptSession, apiClient, approvedQuestions, publishedQuiz, staffSignIn } from './api.mjs'
import { y4mFromImage } from './camera.mjs'

const GRID = '330802001001001'
const GRID_NAME = '城西社区第1网格（演示）'
const ADMIN = { username: 'gzt-admin', password: 'Gzt-admin-2026', role: 'admin', area: '330800' }
const EDITOR = { username: 'gzt-bianji', password: 'Gzt-bianji-2026', role: 'editor', area: '330800' }
const REVIEWER = { username: 'gzt-shenhe', password: 'Gzt-shenhe-2026', role: 'reviewer', area: '330800' }
const ASSESSOR = { username: 'gzt-kaohe', password: 'Gzt-kaohe-2026', role: 'assessor', area: '330800' }
const WORKER = { username: 'gzt-wangge', password: 'Gzt-wangge-2026', role: 'grid_worker', area: GRID }
const ANSWERED = '13900005001' // answers and wins a prize
const NOT_YET = ['13900005002', '13900005003']
const PRIZE = '反诈宣传雨伞'

const QUESTIONS = [
  ['接到自称“公安局”的电话要求转账到“安全账户”，应该怎么做？', '挂断电话，拨打 96110 核实', '按对方要求转账'],
  ['网上招“刷单员”，先垫付再返佣金，这是什么？', '刷单诈骗，不要理会', '正规兼职，可以试试'],
  ['自称“快递客服”要您共享屏幕办理理赔，应该怎么做？', '拒绝共享屏幕，通过官方渠道核实', '按客服说的下载软件'],
]
const RIGHT = new Set(QUESTIONS.map((q) => q[1]))

let server
let browser
let tmp
let prizeCode
let residentPair

/** resident signs a resident of the grid in and sets the profile. */
async function resident(phone) {
  const r = apiClient(server.baseURL)
  const pair = await r.signInResident(server, phone)
  await r.put('/me/profile', { age_band: '60p', occupation: 'retiree', grid_code: GRID, consent: true })
  return { r, pair }
}

before(async () => {
  server = await startServer()
  for (const u of [ADMIN, EDITOR, REVIEWER, ASSESSOR, WORKER]) await server.addUser(u)
  browser = await launchBrowser()
  tmp = await mkdtemp(path.join(os.tmpdir(), 'wuzha-camera-'))

  const root = apiClient(server.baseURL)
  await root.signIn(ADMIN.username, ADMIN.password)
  await root.put('/assessment/rule', { target_rate: 0.9, target_coverage: 0.05, min_respondents: 30, pass_score: 60, min_questions: 3, min_seconds_per_question: 0 })
  const editor = apiClient(server.baseURL)
  await editor.signIn(EDITOR.username, EDITOR.password)
  const reviewer = apiClient(server.baseURL)
  await reviewer.signIn(REVIEWER.username, REVIEWER.password)
  const ids = await approvedQuestions(
    editor,
    reviewer,
    QUESTIONS.map(([stem, right, wrong]) => ({
      kind: 'single',
      stem,
      options: [{ key: 'A', text: right }, { key: 'B', text: wrong }],
      answer: ['A'],
      explanation: '遇到可疑情况，请拨打 96110 反诈专线核实。',
      fraud_type: 'police_impersonation',
      difficulty: 1,
    })),
  )
  const quiz = await publishedQuiz(editor, { title: '城西网格反诈有奖问答', core_question_ids: ids })
  await editor.post(`/quizzes/${quiz.id}/prizes`, { name: PRIZE, stock: 5, min_score: 0, probability: 1 })

  // The reviewer's queues: one warning and one question waiting.
  const w = await editor.post('/warnings', { title: '警惕“保健品”免费体验骗局', summary: '免费体验后高价推销', body_markdown: '免费领鸡蛋、听讲座，最后高价买保健品。', fraud_type: 'other' })
  await editor.post(`/warnings/${w.id}/submit`)
  await editor.post('/questions', { kind: 'true_false', stem: '陌生短信里的链接可以随便点开。', options: [{ key: 'A', text: '正确' }, { key: 'B', text: '错误' }], answer: ['B'], explanation: '不明链接可能是钓鱼网站。', fraud_type: 'other', difficulty: 1 })

  // One resident answers (and wins); two have not answered yet.
  const { r, pair } = await resident(ANSWERED)
  residentPair = pair
  const started = await r.post(`/quizzes/${quiz.id}/attempts`, {})
  const answers = started.questions.map((q) => ({ question_id: q.id, keys: [q.options.find((o) => RIGHT.has(o.text)).key] }))
  const result = await r.post(`/attempts/${started.attempt_id}/submit`, { answers }, { 'Idempotency-Key': 'gzt-1' })
  assert.ok(result.prize, 'the answer wins a prize')
  prizeCode = result.prize.code
  for (const phone of NOT_YET) await resident(phone)
})

after(async () => {
  await browser?.close()
  await server?.stop()
  if (tmp) await rm(tmp, { recursive: true, force: true })
})

const unexpected = (problems) => problems.filter((p) => !/Failed to load resource/.test(p))

test('a grid worker sees the grid figures and the residents who have not answered, masked', { timeout: 120_000 }, async () => {
  for (const [device, name] of [
    [PHONE, 'phone'],
    [DESKTOP, 'desktop'],
  ]) {
    const { context, page, problems } = await newPage(browser, server.baseURL, device)
    await staffSignIn(page, WORKER)
    await page.waitForURL('**/staff/grid')
    const figures = page.getByTestId('grid-figures')
    await figures.getByText(GRID_NAME).waitFor()
    assert.equal(await figures.getByTestId('respondents').textContent(), '1')
    const list = page.getByTestId('unanswered')
    await list.getByTestId('unanswered-total').getByText('2 人').waitFor()
    await list.getByTestId('unanswered-row').nth(1).waitFor()
    const phones = await list.getByTestId('unanswered-phone').allTextContents()
    assert.deepEqual(phones.sort(), ['139****5002', '139****5003'])
    const todos = page.getByTestId('grid-todos')
    assert.equal(await todos.getByTestId('todo-unanswered').getByTestId('todo-count').textContent(), '2')
    assert.equal(await todos.getByTestId('todo-to_redeem').getByTestId('todo-count').textContent(), '1')
    const text = await page.locator('body').textContent()
    for (const p of [ANSWERED, ...NOT_YET]) assert.ok(!text.includes(p), `a full phone number ${p} on the page`)
    await shot(page, `workbench-grid-${name}`)
    // The to-do leads to the list on the same page.
    await todos.getByTestId('todo-unanswered').click()
    await page.waitForFunction(() => {
      const r = document.getElementById('unanswered').getBoundingClientRect()
      return r.top >= 0 && r.top < window.innerHeight / 2
    })
    assert.deepEqual(unexpected(problems), [])
    await context.close()
  }
})

test('a prize is redeemed by scanning its QR code, then listed as redeemed', { timeout: 180_000 }, async () => {
  // The resident's 我的奖品 shows the prize as a QR code.
  const rs = await newPage(browser, server.baseURL, PHONE)
  await adoptSession(rs.page, residentPair)
  await rs.page.goto('/prizes')
  const qr = rs.page.getByTestId('prize-qr')
  await qr.waitFor()
  await rs.page.waitForFunction(() => document.querySelector('[data-test="prize-qr"]')?.naturalWidth > 0)
  await shot(rs.page, 'workbench-prize-qr-phone')
  // The very picture the page shows becomes the fake camera's video.
  const png = await rs.page.evaluate(() => {
    const img = document.querySelector('[data-test="prize-qr"]')
    const c = document.createElement('canvas')
    c.width = img.naturalWidth
    c.height = img.naturalHeight
    c.getContext('2d').drawImage(img, 0, 0)
    return c.toDataURL('image/png').split(',')[1]
  })
  await rs.context.close()
  const video = await y4mFromImage(browser, Buffer.from(png, 'base64'), path.join(tmp, 'prize-qr.y4m'))

  const camera = await launchBrowser({
    args: ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`],
  })
  try {
    const { context, page, problems } = await newPage(camera, server.baseURL, PHONE)
    await context.grantPermissions(['camera'], { origin: server.baseURL })
    await staffSignIn(page, WORKER)
    await page.goto('/staff/redeem')
    await page.getByTestId('redeemed-empty').waitFor()
    await page.getByTestId('scan-start').click()
    await page.getByTestId('scanner').waitFor()
    // What the worker sees while the camera reads (best effort: the read is quick).
    await page.screenshot({ path: path.join(screenshotDir, 'workbench-scanning-phone.png') })
    // The camera reads the code and looks it up, as typing it would.
    const found = page.getByTestId('redeem-prize')
    await found.waitFor({ timeout: 20_000 })
    await found.getByText(PRIZE).waitFor()
    assert.equal(await found.getByTestId('redeem-state').textContent(), '可以兑换')
    assert.equal((await found.getByTestId('prize-code').getAttribute('aria-label')).replace(/[^0-9A-Z]/g, ''), prizeCode)
    assert.equal(await page.getByTestId('scanner').count(), 0, 'the camera closes once it has read a code')
    await shot(page, 'workbench-scanned-phone')
    await found.getByTestId('redeem-confirm').click()
    await page.getByTestId('redeem-success').waitFor()
    const row = page.getByTestId('redeemed').getByTestId('redeemed-row')
    await row.first().waitFor()
    assert.equal(await row.count(), 1)
    assert.equal(await row.first().getByTestId('redeemed-phone').textContent(), '139****5001')
    assert.ok((await row.first().textContent()).includes(PRIZE))
    await shot(page, 'workbench-redeemed-phone')
    assert.deepEqual(unexpected(problems), [])
    await context.close()
  } finally {
    await camera.close()
  }
  // Redeemed on the server, audited like a typed code.
  const root = apiClient(server.baseURL)
  await root.signIn(ADMIN.username, ADMIN.password)
  const audit = await root.get('/audit?action=prize.redeem')
  assert.equal(audit.items.filter((e) => e.action === 'prize.redeem').length, 1)
})

test('the reviewer, editor, admin and assessor workbenches show their counts', { timeout: 180_000 }, async () => {
  const count = (page, key) => page.getByTestId(`todo-${key}`).getByTestId('todo-count').textContent()

  // Reviewer: one warning and one question waiting.
  for (const [device, name] of [
    [DESKTOP, 'desktop'],
    [PHONE, 'phone'],
  ]) {
    const { context, page, problems } = await newPage(browser, server.baseURL, device)
    await staffSignIn(page, REVIEWER)
    await page.getByTestId('workbench').waitFor()
    assert.equal(await count(page, 'warnings_in_review'), '1')
    assert.equal(await count(page, 'questions_in_review'), '1')
    assert.equal(await page.getByTestId('todo-warnings_in_review').getAttribute('href'), '/staff/review')
    await shot(page, `workbench-reviewer-${name}`)
    assert.deepEqual(unexpected(problems), [])
    await context.close()
  }

  // Editor: three questions approved since never looked; looking clears it.
  {
    const { context, page } = await newPage(browser, server.baseURL, DESKTOP)
    await staffSignIn(page, EDITOR)
    await page.getByTestId('workbench').waitFor()
    assert.equal(await count(page, 'approved'), '3')
    assert.equal(await count(page, 'rejected'), '0')
    await page.getByTestId('todo-approved').click()
    await page.waitForURL('**/staff/review-results')
    await page.getByTestId('review-result').first().waitFor()
    assert.equal(await page.getByTestId('review-result').count(), 3)
    assert.equal(await page.getByTestId('result-new').count(), 3)
    await shot(page, 'workbench-editor-results-desktop')
    // Having looked counts once the editor moves on.
    await page.getByRole('link', { name: '工作台首页' }).click()
    await page.waitForURL((url) => url.pathname === '/staff')
    await page.getByTestId('workbench').waitFor()
    assert.equal(await count(page, 'approved'), '0')
    await context.close()
  }

  // Admin (city): the city's figures, to-dos, lights and the weakest children.
  for (const [device, name] of [
    [DESKTOP, 'desktop'],
    [PHONE, 'phone'],
  ]) {
    const { context, page, problems } = await newPage(browser, server.baseURL, device)
    await staffSignIn(page, ADMIN)
    await page.getByTestId('workbench').waitFor()
    assert.equal(await page.getByTestId('wb-respondents').textContent(), '1')
    assert.match(await page.getByTestId('wb-rate-line').textContent(), /100\.0%（95%区间 \d+\.\d%–100\.0%，样本 1 人）/)
    for (const light of ['red', 'yellow', 'green']) assert.match(await page.getByTestId(`light-${light}`).textContent(), /^0/)
    assert.equal(await count(page, 'area_changes'), '0')
    assert.equal(await count(page, 'ready_to_lock'), '0')
    assert.ok((await page.getByTestId('weak-coverage').count()) > 0, 'the children with the lowest coverage are named')
    await shot(page, `workbench-admin-${name}`)
    assert.deepEqual(unexpected(problems), [])
    await context.close()
  }

  // Assessor: the city's figures and nothing ready to lock yet (this quarter has not ended).
  {
    const { context, page } = await newPage(browser, server.baseURL, PHONE)
    await staffSignIn(page, ASSESSOR)
    await page.getByTestId('workbench').waitFor()
    assert.equal(await page.getByTestId('wb-respondents').textContent(), '1')
    assert.equal(await count(page, 'ready_to_lock'), '0')
    await shot(page, 'workbench-assessor-phone')
    await context.close()
  }
})
