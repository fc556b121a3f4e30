// A grid worker's in-person session (现场答题), on two phones. An editor sets
// up (through the API) a quiz of three questions whose every pass wins a
// prize. The grid worker, in large-text mode, starts a session from 我的网格
// and shows the QR code; a resident opens the join URL, signs in by SMS, has
// the profile's grid preset to the session's grid, answers, hands in and gets
// a prize code. The worker's screen counts the submission without a reload,
// the worker redeems the code on 兑奖, ends the session, and its join URL then
// says the session is over. Also: the poster page and the figures.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { startServer } from './server.mjs'
import { DESKTOP, launchBrowser, newPage, PHONE, shot } from './browser.mjs'
import { apiClient, publishedQuiz } from './api.mjs'

const EDITOR = { username: 'xianchang-bianji', password: 'Xianchang-bianji-2026', role: 'editor', area: '330800' }
const WORKER = { username: 'wangge-xianchang', password: 'Wangge-xianchang-2026', role: 'grid_worker', area: '330802001001001' }
const REVIEWER = { username: 'xianchang-shenhe', password: 'Xianchang-shenhe-2026', role: 'reviewer', area: '330800' }
const ADMIN = { username: 'xianchang-admin', password: 'Xianchang-admin-2026', role: 'admin', area: '330800' }
const TRAINING_TITLE = '网格员反诈业务培训测试'
const GRID_NAME = '城西社区第1网格（演示）'
const RESIDENT_PHONE = '13900003333'
const QUIZ_TITLE = '城西网格现场反诈有奖问答'
const PRIZE = '反诈宣传帆布袋'

const QUESTIONS = [
  {
    stem: '接到自称“公安局”的电话，要求把钱转到“安全账户”，您应该怎么做？',
    options: ['挂断电话，拨打 96110 核实', '按对方要求转账'],
    fraud_type: 'police_impersonation',
    find: '安全账户',
  },
  {
    stem: '网上有人招“刷单员”，说先垫付再返佣金，这是什么？',
    options: ['刷单诈骗，不要理会', '正规兼职，可以试试'],
    fraud_type: 'brushing',
    find: '刷单员',
  },
  {
    stem: '自称“快递客服”要您下载软件共享屏幕办理理赔，您应该怎么做？',
    options: ['拒绝共享屏幕，通过官方渠道核实', '按客服说的下载软件'],
    fraud_type: 'cs_impersonation',
    find: '快递客服',
  },
]

let server
let browser
let quizId
let questionIds

before(async () => {
  server = await startServer()
  for (const u of [EDITOR, WORKER, ADMIN, REVIEWER]) await server.addUser(u)
  browser = await launchBrowser()

  // The city's rule lets this three-question quiz, answered at once, count.
  const root = apiClient(server.baseURL)
  await root.signIn(ADMIN.username, ADMIN.password)
  await root.put('/assessment/rule', { target_rate: 0.9, target_coverage: 0.05, min_respondents: 30, pass_score: 60, min_questions: 3, min_seconds_per_question: 0 })

  const editor = apiClient(server.baseURL)
  await editor.signIn(EDITOR.username, EDITOR.password)
  const ids = []
  for (const q of QUESTIONS) {
    const created = await editor.post('/questions', {
      kind: 'single',
      stem: q.stem,
      options: q.options.map((text, i) => ({ key: 'AB'[i], text })),
      answer: ['A'],
      explanation: '遇到可疑情况，请拨打 96110 反诈专线核实。',
      fraud_type: q.fraud_type,
      difficulty: 1,
    })
    ids.push(created.id)
  }
  // New questions wait for a reviewer; only approved ones are drawn.
  const reviewer = apiClient(server.baseURL)
  await reviewer.signIn(REVIEWER.username, REVIEWER.password)
  for (const id of ids) await reviewer.post(`/questions/${id}/approve`)
  questionIds = ids
  const quiz = await publishedQuiz(editor, { title: QUIZ_TITLE, description: '三道题，答对即可领取奖品。', max_attempts: 2, core_question_ids: ids })
  quizId = quiz.id
  await editor.post(`/quizzes/${quizId}/prizes`, { name: PRIZE, stock: 5, min_score: 0, probability: 1 })
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

const unexpected = (problems) => problems.filter((p) => !/Failed to load resource/.test(p))

async function staffSignIn(page, { username, password }) {
  await page.goto('/staff/login')
  await page.getByTestId('username').locator('input').fill(username)
  await page.getByTestId('password').locator('input').fill(password)
  await page.getByTestId('sign-in').click()
  await page.waitForURL((url) => url.pathname.startsWith('/staff') && url.pathname !== '/staff/login')
}

/** gridPreset waits until the profile's grid field shows the preset grid. */
async function gridPreset(page) {
  await page.waitForFunction(
    (name) => document.querySelector('[data-test="grid-field"] textarea, [data-test="grid-field"] input')?.value.includes(name),
    GRID_NAME,
  )
}

/** assertFits checks that nothing on the page is wider than the phone's screen. */
async function assertFits(page, what) {
  // A phone zooms a too-wide page out, which widens innerWidth too: compare with the device's width.
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }))
  const width = PHONE.viewport.width
  assert.ok(scrollWidth <= width + 1 && innerWidth === width, `${what}: the page is ${scrollWidth}px wide (window ${innerWidth}px) on a ${width}px screen`)
}

/** assertBigTarget checks that a control is easy to hit with a thumb. */
async function assertBigTarget(locator, what, min = 48) {
  const box = await locator.boundingBox()
  assert.ok(box && box.height >= min && box.width >= min, `${what}: ${JSON.stringify(box)}`)
}

test('a grid worker runs an in-person session and redeems the prize', { timeout: 240_000 }, async () => {
  // ---- The worker, on a phone, in large-text mode.
  const gw = await newPage(browser, server.baseURL, PHONE)
  const wp = gw.page
  await staffSignIn(wp, WORKER)
  await wp.waitForURL('**/staff/grid')
  await wp.getByRole('switch', { name: '大字模式' }).click()
  assert.equal(await wp.evaluate(() => document.documentElement.classList.contains('large-text')), true)

  const figures = wp.getByTestId('grid-figures')
  await figures.getByText(GRID_NAME).waitFor()
  assert.equal(await figures.getByTestId('rate-line').textContent(), '暂无样本')
  await wp.getByTestId('open-sessions').getByText('没有进行中的现场答题').waitFor()
  const start = wp.getByTestId('start-session')
  await assertBigTarget(start, '开始现场答题', 56)
  await assertFits(wp, '我的网格')
  await shot(wp, 'grid-home-large-text')

  // Pick the quiz, open the session.
  await start.click()
  const sheet = wp.locator('.van-action-sheet')
  const choice = sheet.getByRole('button', { name: new RegExp(QUIZ_TITLE) })
  await choice.waitFor()
  await wp.waitForTimeout(400) // the sheet's opening animation
  await shot(wp, 'grid-pick-quiz-large-text')
  await choice.click()
  await wp.waitForURL(/\/staff\/sessions\/\d+$/)
  const sessionPath = new URL(wp.url()).pathname

  const qr = wp.getByTestId('session-qr')
  await qr.waitFor()
  await wp.waitForFunction(() => document.querySelector('[data-test="session-qr"]')?.naturalWidth > 0)
  const qrBox = await qr.boundingBox()
  assert.ok(qrBox.width >= 280, `the QR code is large: ${qrBox.width}px`)
  const joinCode = (await wp.getByTestId('join-code').textContent()).replace(/\s/g, '')
  assert.match(joinCode, /^\d{10}$/)
  const joinURL = (await wp.getByTestId('join-url').textContent()).trim()
  assert.equal(joinURL, `${server.baseURL}/join/${joinCode}`)
  assert.equal(await wp.getByTestId('count-submitted').textContent(), '0')
  await assertBigTarget(wp.getByTestId('close-session'), '结束本场', 56)
  await assertFits(wp, '现场答题')
  await shot(wp, 'grid-session-large-text')
  // Marks this page load: a reload would lose it.
  await wp.evaluate(() => (window.__sameLoad = true))

  // ---- The resident scans the code.
  const rs = await newPage(browser, server.baseURL, PHONE)
  const rp = rs.page
  await rp.goto(joinURL)
  const info = rp.getByTestId('join-info')
  await info.getByText(QUIZ_TITLE).waitFor()
  await info.getByText(GRID_NAME).waitFor()
  await shot(rp, 'join-session')
  await rp.getByTestId('join-start').click()

  // Sign in by SMS; the profile comes with the session's grid preset.
  await rp.waitForURL((url) => url.pathname === '/login')
  await rp.getByTestId('phone').locator('input').fill(RESIDENT_PHONE)
  // The sign-in carries the session's code: it is counted in the session's
  // own limit, not the per-address one a hall full of residents would share.
  const signInBodies = []
  rp.on('request', (req) => {
    if (/\/api\/v1\/auth\/sms-(code|login)$/.test(req.url())) signInBodies.push(JSON.parse(req.postData() || '{}'))
  })
  const sentAfter = Date.now() - 1000
  await rp.getByTestId('send-code').click()
  await rp.getByTestId('code').locator('input').fill(await server.latestCode(RESIDENT_PHONE, { after: sentAfter }))
  await rp.getByTestId('sign-in').click()
  await rp.waitForURL((url) => url.pathname === '/profile')
  assert.deepEqual(
    signInBodies.map((b) => b.session_code),
    [joinCode, joinCode],
  )
  await gridPreset(rp)
  await rp.getByRole('radiogroup', { name: '年龄段' }).getByRole('radio', { name: '60岁及以上' }).click()
  await rp.getByRole('radiogroup', { name: '职业' }).getByRole('radio', { name: '离退休人员' }).click()
  await rp.getByTestId('consent').click()
  await rp.getByTestId('save-profile').click()

  // Back through the join page straight to the quiz, through the session.
  await rp.waitForURL((url) => url.pathname === `/quizzes/${quizId}/take` && url.searchParams.get('session') === joinCode)
  await rp.getByTestId('via-session').getByText(GRID_NAME).waitFor()
  await rp.getByTestId('start-quiz').click()
  for (let i = 1; i <= 3; i++) {
    await rp.getByTestId('progress').getByText(`第 ${i} / 3 题`).waitFor()
    const stem = await rp.getByTestId('stem').textContent()
    const q = QUESTIONS.find((x) => stem.includes(x.find))
    assert.ok(q, `unknown question: ${stem}`)
    await rp.getByTestId('question').getByRole('radio', { name: q.options[0] }).click()
    await rp.getByTestId('save-state').getByText('已保存').waitFor()
    if (i < 3) await rp.getByTestId('next').click()
  }

  // The worker's screen counts the participant while the resident answers.
  await wp.getByTestId('count-participants').getByText('1', { exact: true }).waitFor({ timeout: 10_000 })
  assert.equal(await wp.getByTestId('count-submitted').textContent(), '0')

  await rp.getByTestId('submit').click()
  const dialog = rp.locator('.van-dialog')
  await dialog.getByText('3 道题都已作答').waitFor()
  await dialog.getByRole('button', { name: '交卷' }).click()
  await rp.waitForURL(/\/attempts\/\d+$/)
  await rp.getByTestId('verdict').getByText('及格').waitFor()
  const prize = rp.getByTestId('prize')
  await prize.getByText(PRIZE).waitFor()
  const code = (await prize.getByTestId('prize-code').textContent()).replace(/\s/g, '')
  assert.match(code, /^[0-9A-HJKMNP-TV-Z]{12}$/)
  await shot(rp, 'join-result')

  // ---- 已交卷 1 and 及格 1 on the worker's screen, without a reload.
  await wp.getByTestId('count-submitted').getByText('1', { exact: true }).waitFor({ timeout: 10_000 })
  await wp.getByTestId('count-passed').getByText('1', { exact: true }).waitFor({ timeout: 10_000 })
  assert.equal(await wp.evaluate(() => window.__sameLoad), true, 'the counts came without a reload')
  await shot(wp, 'grid-session-counted-large-text')

  // ---- The worker redeems the prize on 兑奖, from the phone menu.
  await wp.getByRole('button', { name: '菜单' }).click()
  await wp.getByTestId('console-menu').getByRole('link', { name: '兑奖' }).click()
  await wp.waitForURL('**/staff/redeem')
  await wp.getByTestId('redeem-code').locator('input').fill(code)
  await wp.getByTestId('redeem-lookup').click()
  const found = wp.getByTestId('redeem-prize')
  await found.getByText(PRIZE).waitFor()
  await found.getByTestId('redeem-state').getByText('可以兑换').waitFor()
  await wp.getByTestId('redeem-confirm').click()
  await wp.getByTestId('redeem-success').waitFor()
  await assertFits(wp, '兑奖')
  await shot(wp, 'grid-redeem-large-text')

  // ---- 我的网格 lists the open session with its counts; the worker ends it.
  await wp.getByRole('button', { name: '菜单' }).click()
  await wp.getByTestId('console-menu').getByRole('link', { name: '我的网格' }).click()
  await wp.waitForURL('**/staff/grid')
  const open = wp.getByTestId('open-session')
  await open.getByText('已交卷 1').waitFor()
  await shot(wp, 'grid-home-session-large-text')
  // What the thumb sees: the start button at the bottom of the screen.
  await wp.screenshot({ path: new URL('./screenshots/grid-home-viewport-large-text.png', import.meta.url).pathname })
  const startBox = await wp.getByTestId('start-session').boundingBox()
  assert.ok(startBox.y + startBox.height <= 844 && startBox.y > 844 / 2, `开始现场答题 in the thumb's reach: ${JSON.stringify(startBox)}`)
  await open.click()
  await wp.waitForURL(`**${sessionPath}`)
  await wp.getByTestId('close-session').click()
  const confirm = wp.locator('.van-dialog')
  await confirm.getByText('结束后群众不能再用这个答题码加入').waitFor()
  await confirm.getByRole('button', { name: '结束本场' }).click()
  await wp.getByTestId('session-ended').getByText('本场答题已结束').waitFor()
  assert.equal(await wp.getByTestId('session-qr').count(), 0)
  assert.equal(await wp.getByTestId('count-submitted').textContent(), '1')
  await wp.locator('.van-toast').waitFor({ state: 'hidden' })
  await shot(wp, 'grid-session-closed-large-text')

  // ---- The closed session's join URL says so; a made-up code is invalid.
  await rp.goto(joinURL)
  await rp.getByTestId('join-error').getByText('本场答题已结束，请联系网格员').waitFor()
  await shot(rp, 'join-closed')
  await rp.goto('/join/000000')
  await rp.getByTestId('join-error').getByText('答题码无效').waitFor()

  // ---- The grid's poster: the QR code and the hotline, print-ready.
  await wp.goto('/staff/poster')
  const poster = wp.getByTestId('poster')
  await poster.getByText('无诈衢州 · 反诈知识有奖问答').waitFor()
  await poster.getByTestId('poster-grid').getByText(GRID_NAME).waitFor()
  await poster.getByText('96110').waitFor()
  await wp.waitForFunction(() => document.querySelector('[data-test="poster-qr"]')?.naturalWidth > 0)
  await assertFits(wp, '海报')
  await shot(wp, 'grid-poster-large-text')
  await wp.emulateMedia({ media: 'print' })
  assert.equal(await wp.locator('header.bar').isVisible(), false, 'printing hides the console bar')
  assert.equal(await wp.getByTestId('print-poster').isVisible(), false, 'printing hides the print button')
  await wp.emulateMedia({ media: 'screen' })

  assert.deepEqual(unexpected(rs.problems), [])
  assert.deepEqual(unexpected(gw.problems), [])
  await rs.context.close()
  await gw.context.close()
})

test('the standing grid link presets the grid of a new resident', { timeout: 120_000 }, async () => {
  const rs = await newPage(browser, server.baseURL, PHONE)
  const { page } = rs
  await page.goto('/join/grid/330802001001001')
  await page.getByTestId('join-grid').getByText(GRID_NAME).waitFor()
  await page.getByTestId('join-grid-start').click()
  await page.waitForURL((url) => url.pathname === '/login')
  const phone = '13900004444'
  await page.getByTestId('phone').locator('input').fill(phone)
  const sentAfter = Date.now() - 1000
  await page.getByTestId('send-code').click()
  await page.getByTestId('code').locator('input').fill(await server.latestCode(phone, { after: sentAfter }))
  await page.getByTestId('sign-in').click()
  await page.waitForURL((url) => url.pathname === '/profile')
  await gridPreset(page)
  await page.getByRole('radiogroup', { name: '年龄段' }).getByRole('radio', { name: '60岁及以上' }).click()
  await page.getByRole('radiogroup', { name: '职业' }).getByRole('radio', { name: '离退休人员' }).click()
  await page.getByTestId('consent').click()
  await page.getByTestId('save-profile').click()
  await page.waitForURL((url) => url.pathname === '/')
  await page.getByTestId('quiz-card').filter({ hasText: QUIZ_TITLE }).waitFor()
  assert.deepEqual(unexpected(rs.problems), [])
  await rs.context.close()
})

test('city staff see their area child by child, and the training quizzes', { timeout: 120_000 }, async () => {
  const desk = await newPage(browser, server.baseURL, DESKTOP)
  const { page } = desk
  await staffSignIn(page, EDITOR)
  const menu = page.getByTestId('console-menu')
  await menu.getByRole('link', { name: '知晓率' }).click()
  await page.waitForURL('**/staff/area')
  await page.getByTestId('grid-figures').getByTestId('rate-line').waitFor()
  assert.ok((await page.getByTestId('child-row').count()) > 0, 'a line per child area')
  assert.equal(await page.getByTestId('start-session').count(), 0, 'only grid workers run sessions')
  await shot(page, 'awareness-city')

  await menu.getByRole('link', { name: '培训答题' }).click()
  await page.waitForURL('**/staff/training')
  await page.locator('[data-test="training-list"], [data-test="training-empty"]').first().waitFor()
  await shot(page, 'training')
  assert.deepEqual(unexpected(desk.problems), [])
  await desk.context.close()
})

test('a grid worker takes a training quiz and an admin sees the completion', { timeout: 120_000 }, async () => {
  const editor = apiClient(server.baseURL)
  await editor.signIn(EDITOR.username, EDITOR.password)
  const training = await editor.post('/quizzes', {
    title: TRAINING_TITLE,
    description: '工作人员培训。',
    area_code: '330800',
    audience: 'staff',
    starts_at: new Date(Date.now() - 60_000).toISOString(),
    ends_at: new Date(Date.now() + 24 * 3600_000).toISOString(),
    question_count: 3,
    pass_score: 60,
    time_limit_s: 600,
    max_attempts: 2,
    core_question_ids: questionIds,
    min_seconds_per_question: 0,
  })
  await editor.post(`/quizzes/${training.id}/publish`)

  const gw = await newPage(browser, server.baseURL, PHONE)
  const wp = gw.page
  await staffSignIn(wp, WORKER)
  await wp.getByRole('button', { name: '菜单' }).click()
  await wp.getByTestId('console-menu').getByRole('link', { name: '培训答题' }).click()
  await wp.waitForURL('**/staff/training')
  const card = wp.getByTestId('training-quiz').filter({ hasText: TRAINING_TITLE })
  await card.waitFor()
  await shot(wp, 'training-phone')
  await card.getByTestId('take-training').click()
  await wp.waitForURL(`**/quizzes/${training.id}/take`)
  await wp.getByTestId('start-quiz').click()
  for (let i = 1; i <= 3; i++) {
    await wp.getByTestId('progress').getByText(`第 ${i} / 3 题`).waitFor()
    const stem = await wp.getByTestId('stem').textContent()
    const q = QUESTIONS.find((x) => stem.includes(x.find))
    await wp.getByTestId('question').getByRole('radio', { name: q.options[0] }).click()
    await wp.getByTestId('save-state').getByText('已保存').waitFor()
    if (i < 3) await wp.getByTestId('next').click()
  }
  await wp.getByTestId('submit').click()
  await wp.locator('.van-dialog').getByRole('button', { name: '交卷' }).click()
  await wp.waitForURL(/\/attempts\/\d+$/)
  await wp.getByTestId('verdict').getByText('及格').waitFor()
  await wp.getByTestId('back-home').click()
  await wp.waitForURL('**/staff/training')
  assert.deepEqual(unexpected(gw.problems), [])
  await gw.context.close()

  const desk = await newPage(browser, server.baseURL, DESKTOP)
  await staffSignIn(desk.page, ADMIN)
  await desk.page.getByTestId('console-menu').getByRole('link', { name: '培训答题' }).click()
  await desk.page.getByTestId('completion-links').getByRole('link', { name: TRAINING_TITLE }).click()
  await desk.page.waitForURL(`**/staff/quizzes/${training.id}/completion`)
  const table = desk.page.getByTestId('completion-table')
  await table.waitFor()
  await table.getByText('网格员').first().waitFor()
  await shot(desk.page, 'training-completion')
  assert.deepEqual(unexpected(desk.problems), [])
  await desk.context.close()
})
