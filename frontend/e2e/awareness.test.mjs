// The joint office's figures from raw answers to paper. An editor sets up
// (through the API) three questions and a quiz that serves exactly those;
// residents of different grids and age bands take it with different answers.
// An admin of the city opens 知晓率 (the city's rate, its counties, a drill
// into 柯城区, the knowledge-gap heatmap), 平安考核 (locks the quarter, the
// checksum appears, exports CSV with a BOM and Chinese headers) and the
// quarterly report, which prints to A4 PDF. No console errors, no CSP
// violations (ECharts draws on canvas, no eval).
import assert from 'node:assert/strict'
import { readFile, writeFile, mkdir } from 'node:fs/promises'
import path from 'node:path'
import { after, before, test } from 'node:test'
import { startServer } from './server.mjs'
import { DESKTOP, launchBrowser, newPage, screenshotDir, shot } from './browser.mjs'
import { adoptSession, apiClient, approvedQuestions, publishedQuiz } from './api.mjs'

const EDITOR = { username: 'zhixiao-bianji', password: 'Zhixiao-bianji-2026', role: 'editor', area: '330800' }
const ASSESSOR = { username: 'kaohe-renyuan', password: 'Kaohe-renyuan-2026', role: 'assessor', area: '330802' }
const REVIEWER = { username: 'zhixiao-shenhe', password: 'Zhixiao-shenhe-2026', role: 'reviewer', area: '330800' }
const ADMIN = { username: 'lianxiban-admin', password: 'Lianxiban-admin-2026', role: 'admin', area: '330800' }

const QUESTIONS = [
  {
    kind: 'single',
    stem: '接到自称“公安局”的电话，要求把钱转到“安全账户”，您应该怎么做？',
    options: [
      { key: 'A', text: '按对方要求转账' },
      { key: 'B', text: '挂断电话，拨打 110 或 96110 核实' },
    ],
    answer: ['B'],
    explanation: '公安机关不会通过电话办案，没有“安全账户”。',
    fraud_type: 'police_impersonation',
    difficulty: 1,
  },
  {
    kind: 'single',
    stem: '“动动手指日赚三五百，先垫付后返还”的兼职是什么？',
    options: [
      { key: 'A', text: '正规兼职' },
      { key: 'B', text: '刷单返利诈骗' },
    ],
    answer: ['B'],
    explanation: '所有刷单都是诈骗。',
    fraud_type: 'brushing',
    difficulty: 1,
  },
  {
    kind: 'true_false',
    stem: '“快递客服”让您下载软件共享屏幕办理理赔，这是正常流程。',
    options: [
      { key: 'A', text: '正确' },
      { key: 'B', text: '错误' },
    ],
    answer: ['B'],
    explanation: '正规理赔不需要共享屏幕。',
    fraud_type: 'cs_impersonation',
    difficulty: 1,
  },
]
const RIGHT = ['挂断电话，拨打 110 或 96110 核实', '刷单返利诈骗', '错误']
const WRONG = ['按对方要求转账', '正规兼职', '正确']

// Who answers what: `right` lists which of the three questions they get right.
const RESIDENTS = [
  { phone: '13900005001', grid: '330802001001001', age: '60p', occupation: 'retiree', right: [0] },
  { phone: '13900005002', grid: '330802001001002', age: '18_29', occupation: 'student', right: [0, 1, 2] },
  { phone: '13900005003', grid: '330802002001001', age: '30_44', occupation: 'company_staff', right: [0, 2] },
  { phone: '13900005004', grid: '330802001001001', age: '60p', occupation: 'farmer', right: [1] },
  { phone: '13900005005', grid: '330803001001001', age: '45_59', occupation: 'business_owner', right: [0, 1, 2] },
]

let server
let browser

before(async () => {
  server = await startServer()
  for (const u of [EDITOR, ADMIN, ASSESSOR, REVIEWER]) await server.addUser(u)
  browser = await launchBrowser()

  // The city's rule lets this three-question quiz, answered at once, count.
  const root = apiClient(server.baseURL)
  await root.signIn(ADMIN.username, ADMIN.password)
  await root.put('/assessment/rule', { target_rate: 0.9, target_coverage: 0.05, min_respondents: 30, pass_score: 60, min_questions: 3, min_seconds_per_question: 0 })

  const editor = apiClient(server.baseURL)
  await editor.signIn(EDITOR.username, EDITOR.password)
  const reviewer = apiClient(server.baseURL)
  await reviewer.signIn(REVIEWER.username, REVIEWER.password)
  const ids = await approvedQuestions(editor, reviewer, QUESTIONS)
  const quiz = await publishedQuiz(editor, { title: '知晓率测试问答', description: '三道题，60 分及格。', core_question_ids: ids })

  for (const [i, r] of RESIDENTS.entries()) {
    const resident = apiClient(server.baseURL)
    await resident.signInResident(server, r.phone)
    await resident.put('/me/profile', { age_band: r.age, occupation: r.occupation, grid_code: r.grid, consent: true })
    const attempt = await resident.post(`/quizzes/${quiz.id}/attempts`, {})
    const answers = attempt.questions.map((q) => {
      const n = QUESTIONS.findIndex((x) => x.stem === q.stem)
      const want = r.right.includes(n) ? RIGHT[n] : WRONG[n]
      return { question_id: q.id, keys: [q.options.find((o) => o.text === want).key] }
    })
    const result = await resident.call('POST', `/attempts/${attempt.attempt_id}/submit`, { answers }, { 'Idempotency-Key': `awareness-e2e-${i}-0001` })
    assert.equal(Math.round(result.score), Math.round((100 * r.right.length) / 3))
  }
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

async function calm(page) {
  await page.locator('.van-toast').waitFor({ state: 'hidden' })
  await page.waitForFunction(() => ![...document.querySelectorAll('.van-dialog')].some((d) => d.offsetParent !== null))
}

/** canvasPainted reports whether a chart's canvas has any non-blank pixel. */
const canvasPainted = (page, testId) =>
  page.getByTestId(testId).locator('canvas').first().evaluate((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data
    for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) return true
    return false
  })

test('the joint office reads awareness, locks and exports the assessment, and prints the report', { timeout: 240_000 }, async () => {
  const admin = apiClient(server.baseURL)
  const pair = await admin.signIn(ADMIN.username, ADMIN.password)
  const { context, page, problems } = await newPage(browser, server.baseURL, { ...DESKTOP, acceptDownloads: true })
  await context.addInitScript(() => {
    window.__csp = []
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`))
  })
  const scripts = []
  page.on('request', (req) => {
    if (req.resourceType() === 'script') scripts.push(new URL(req.url()).pathname)
  })
  const csp = async () => page.evaluate(() => window.__csp)
  const allCsp = []
  await adoptSession(page, pair)

  // ---- The console home downloads no ECharts.
  await page.goto('/staff')
  await page.getByTestId('console-menu').getByText('知晓率').waitFor()
  for (const title of ['平安考核', '季度报告', 'API 密钥']) await page.getByTestId('console-menu').getByText(title).waitFor()
  assert.ok(!scripts.some((s) => /echarts/i.test(s)), `ECharts loaded on the console home: ${scripts.join(', ')}`)
  allCsp.push(...(await csp()))

  // ---- 知晓率: the city and its counties.
  await page.getByTestId('console-menu').getByText('知晓率').click()
  await page.waitForURL('**/staff/awareness')
  await page.getByTestId('headline').getByText('衢州市').waitFor()
  assert.equal(await page.getByTestId('headline-respondents').textContent(), '5')
  assert.equal(await page.getByTestId('headline-rate').textContent(), '60.0%') // 3 of 5 passed
  await page.getByTestId('thin-sample').waitFor()
  assert.match(await page.getByTestId('note').textContent(), /5/)
  const table = page.getByTestId('children-table')
  await table.getByText('柯城区').waitFor()
  await table.getByText('衢江区').waitFor()
  assert.ok((await table.locator('tbody tr').count()) >= 6)
  await page.getByTestId('gap-heatmap').locator('canvas').first().waitFor()
  await page.getByTestId('trend-chart').locator('canvas').first().waitFor()
  await page.waitForTimeout(300)
  assert.ok(await canvasPainted(page, 'gap-heatmap'), 'the heatmap draws')
  assert.ok(await canvasPainted(page, 'trend-chart'), 'the trend draws')
  assert.ok(scripts.some((s) => /echarts/i.test(s)), 'ECharts is a chunk of its own')
  await page.getByTestId('weak-types').waitFor()
  await shot(page, 'awareness-city')

  // ---- Drill into 柯城区: its towns, a breadcrumb back up.
  await page.getByTestId('drill-330802').click()
  await page.waitForURL('**/staff/awareness/330802?**')
  await page.getByTestId('headline').getByText('柯城区').waitFor()
  assert.equal(await page.getByTestId('headline-respondents').textContent(), '4')
  await page.getByTestId('children-table').getByText('府山街道').waitFor()
  await page.getByTestId('breadcrumb').getByRole('link', { name: '衢州市' }).waitFor()
  await page.getByTestId('gap-heatmap').locator('canvas').first().waitFor()
  await page.waitForTimeout(300)
  assert.ok(await canvasPainted(page, 'gap-heatmap'))
  // Hovering a cell explains it (the tooltip is HTML, under the CSP).
  const heat = await page.getByTestId('gap-heatmap').boundingBox()
  await page.mouse.move(heat.x + heat.width - 40, heat.y + 40)
  await page.getByTestId('gap-heatmap').getByText(/正确率|暂无作答/).waitFor()
  await shot(page, 'awareness-kecheng')
  allCsp.push(...(await csp()))

  // ---- 平安考核: rows by rank, the rule; lock, then export CSV.
  await page.getByTestId('console-menu').getByText('平安考核').click()
  await page.waitForURL('**/staff/assessment')
  const rows = page.getByTestId('assessment-table').locator('tbody tr')
  await rows.first().waitFor()
  assert.match(await rows.first().textContent(), /^1/)
  assert.match(await rows.first().textContent(), /柯城区|衢江区/)
  assert.match(await page.getByTestId('rule').textContent(), /90%.*5%.*30/s)
  await shot(page, 'assessment-open')
  // The quarter is running: the root admin locks it early, with a reason.
  await page.getByTestId('lock').click()
  await page.getByTestId('reason').fill('省考核组年中抽查，提前锁定')
  await page.getByTestId('confirm-action').click()
  const checksum = page.getByTestId('checksum')
  await checksum.waitFor()
  assert.match(await checksum.textContent(), /^[0-9a-f]{16,}$/i)
  assert.equal(await page.getByTestId('lock').count(), 0)
  await calm(page)
  await shot(page, 'assessment-locked')

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()])
  assert.match(download.suggestedFilename(), /\.csv$/)
  const csv = await readFile(await download.path(), 'utf8')
  assert.equal(csv.charCodeAt(0), 0xfeff, 'the CSV starts with a BOM')
  assert.match(csv.split('\n')[0] + csv.split('\n')[1], /[\u4e00-\u9fff]/, 'Chinese headers')
  allCsp.push(...(await csp()))

  // ---- 季度报告: on paper.
  await page.getByTestId('console-menu').getByText('季度报告').click()
  await page.waitForURL(/\/staff\/report\/330800\/\d{4}Q[1-4]$/)
  const quarter = page.url().match(/(\d{4}Q[1-4])$/)[1]
  await page.getByTestId('report-title').getByText('衢州市').waitFor()
  await page.getByTestId('report-ranking').locator('tbody tr').first().waitFor()
  await page.getByTestId('report-coverage-gaps').waitFor()
  await page.getByTestId('report-warnings').waitFor()
  await page.getByTestId('trend-chart').locator('canvas').first().waitFor()
  await page.waitForTimeout(300)
  assert.ok(await canvasPainted(page, 'trend-chart'))
  await page.getByTestId('print').waitFor()
  await shot(page, 'report-screen')
  await page.emulateMedia({ media: 'print' })
  await shot(page, 'report-print-media')
  const pdf = await page.pdf({ format: 'A4', printBackground: true })
  await page.emulateMedia({ media: 'screen' })
  await mkdir(screenshotDir, { recursive: true })
  await writeFile(path.join(screenshotDir, 'report.pdf'), pdf)
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-')
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page(?!s)/g) || []).length
  assert.ok(pages >= 1, `the PDF has ${pages} pages`)
  allCsp.push(...(await csp()))

  // ---- API 密钥: created, shown once, revoked.
  await page.getByTestId('console-menu').getByText('API 密钥').click()
  await page.waitForURL('**/staff/api-keys')
  await page.getByTestId('key-name').locator('input').fill('省平安考核系统')
  await page.getByTestId('create-key-submit').click()
  const key = await page.getByTestId('new-key').textContent()
  assert.ok(key.length > 20)
  await page.waitForFunction(() => !document.querySelector('.van-dialog-bounce-enter-active'))
  await shot(page, 'api-key-created')
  await page.getByTestId('key-dialog').getByRole('button', { name: '我已保存' }).click()
  await calm(page)
  const keyRow = page.getByTestId('keys-table').locator('tbody tr').filter({ hasText: '省平安考核系统' })
  await keyRow.getByText('有效').waitFor()
  assert.ok(!(await page.content()).includes(key), 'the key is not shown again')
  // The key reads the assessment, until it is revoked.
  const withKey = () => fetch(`${server.baseURL}/api/v1/assessment/${quarter}/330800`, { headers: { 'X-API-Key': key } })
  assert.equal((await withKey()).status, 200)
  await keyRow.getByRole('button', { name: '吊销' }).click()
  await page.locator('.van-dialog').getByRole('button', { name: '确定吊销' }).click()
  await keyRow.getByText(/已吊销/).waitFor()
  assert.equal((await withKey()).status, 401)
  await calm(page)
  await shot(page, 'api-keys')
  allCsp.push(...(await csp()))

  assert.deepEqual(allCsp, [], 'no CSP violations')
  assert.deepEqual(problems, [], 'no console errors')
})

test('an assessor of 柯城区 reads the figures of the county but cannot lock or manage keys', { timeout: 60_000 }, async () => {
  const assessor = apiClient(server.baseURL)
  const pair = await assessor.signIn(ASSESSOR.username, ASSESSOR.password)
  const { page, problems } = await newPage(browser, server.baseURL, DESKTOP)
  await adoptSession(page, pair)
  await page.goto('/staff')
  const menu = page.getByTestId('console-menu')
  for (const title of ['知晓率', '平安考核', '季度报告']) await menu.getByText(title).waitFor()
  assert.equal(await menu.getByText('API 密钥').count(), 0)

  await menu.getByText('知晓率').click()
  await page.getByTestId('headline').getByText('柯城区').waitFor()
  assert.equal(await page.getByTestId('headline-respondents').textContent(), '4')
  assert.equal(await page.getByTestId('breadcrumb').getByRole('link').count(), 0) // the county is the top of the scope

  await menu.getByText('平安考核').click()
  await page.getByTestId('assessment-table').getByText('府山街道').waitFor()
  await page.getByTestId('export-csv').waitFor()
  assert.equal(await page.getByTestId('lock').count(), 0)
  await shot(page, 'assessment-assessor')

  await page.goto('/staff/api-keys')
  await page.waitForURL((url) => url.pathname === '/staff')
  assert.deepEqual(problems, [])
})
