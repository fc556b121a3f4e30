// The console side of prize quizzes: an editor writes a question (the form
// refuses what is wrong, field by field), exports the bank, imports a file
// (a bad row is named, nothing imported; then a good file), creates a quiz
// in 柯城区 with the new question as a core question, adds a prize pool,
// publishes after the server refused too many questions, and opens the
// stats once a resident has handed in. With an attempt started the scoring
// rules are locked, yet the title can still change.
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { after, before, test } from 'node:test'
import { startServer } from './server.mjs'
import { DESKTOP, launchBrowser, newPage, PHONE, shot } from './browser.mjs'
import { apiClient } from './api.mjs'

const EDITOR = { username: 'tiku-bianji', password: 'Tiku-bianji-2026', role: 'editor', area: '330802' }
const REVIEWER = { username: 'tiku-shenhe', password: 'Tiku-shenhe-2026', role: 'reviewer', area: '330802' }

const STEM = '有人在微信群里发“点赞返现、日结佣金”的兼职，您应该？'
const OPTIONS = ['先交 200 元会员费再做任务', '不理会，这是刷单诈骗', '拉亲友一起做，佣金更高', '先小额试一试']
const EXPLANATION = '所有要求先垫付、交会员费的“刷单兼职”都是诈骗，不要相信，更不要拉亲友参与。'
const QUIZ_TITLE = '柯城区刷单诈骗专题问答'
const HEADER = 'kind,stem,option_a,option_b,option_c,option_d,option_e,option_f,answer,explanation,fraud_type,difficulty,age_bands,occupations'

let server
let browser

before(async () => {
  server = await startServer()
  await server.addUser(EDITOR)
  await server.addUser(REVIEWER)
  browser = await launchBrowser()
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
  await page.waitForURL((url) => url.pathname === '/staff')
}

/** calm waits until toasts and notifications have gone, for a clean screenshot. */
async function calm(page) {
  await page.locator('.van-toast').waitFor({ state: 'hidden' })
  await page.locator('.van-notify').waitFor({ state: 'hidden' })
}

/** localInput is a datetime-local value for now + minutes, in the browser's time zone. */
const localInput = (page, minutes) =>
  page.evaluate((m) => {
    const d = new Date(Date.now() + m * 60_000)
    const p = (n) => String(n).padStart(2, '0')
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`
  }, minutes)

test('an editor runs the question bank and a quiz campaign', { timeout: 180_000 }, async () => {
  const { page, problems, context } = await newPage(browser, server.baseURL, DESKTOP)
  await staffSignIn(page, EDITOR)
  const menu = page.getByTestId('console-menu')
  for (const title of ['预警管理', '题库', '问答活动']) await menu.getByRole('link', { name: title }).waitFor()

  // ---- The bank: seeded questions, filtered by kind.
  await menu.getByRole('link', { name: '题库' }).click()
  await page.waitForURL('**/staff/questions')
  const table = page.getByTestId('questions-table')
  await table.locator('tbody tr[data-id]').first().waitFor()
  await page.getByTestId('kind-filter').getByRole('radio', { name: '判断题' }).click()
  await page.waitForURL('**/staff/questions?kind=true_false')
  await table.locator('tbody tr[data-id]').first().waitFor()
  const kinds = await table.locator('tbody tr[data-id] td[data-label="题型"]').allTextContents()
  assert.ok(kinds.length > 0 && kinds.every((k) => k.trim() === '判断题'), kinds.join())
  await shot(page, 'questions-list')

  // ---- Export: a CSV the bank can read back (UTF-8 with BOM).
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()])
  assert.match(download.suggestedFilename(), /^题库-\d{8}\.csv$/)
  const csv = await readFile(await download.path(), 'utf8')
  assert.ok(csv.startsWith('\uFEFF' + HEADER), csv.slice(0, 200))
  assert.ok(csv.split('\n').length > 100, 'the seeded questions are in it')

  // ---- A new question: what is missing is named.
  await page.getByTestId('new-question').click()
  await page.waitForURL('**/staff/questions/new')
  await page.getByTestId('save-question').click()
  await page.getByTestId('answer-error').getByText('请选择正确答案').waitFor()
  for (const [i, text] of OPTIONS.entries()) await page.getByTestId(`option-${'ABCD'[i]}`).fill(text)
  await page.getByTestId('answer-B').click()
  await page.getByTestId('save-question').click()
  await page.getByTestId('stem').getByText('题干应为 4–500 字').waitFor()
  await page.getByTestId('form-error').waitFor()
  await shot(page, 'question-editor-errors')

  await page.getByTestId('stem').locator('textarea').fill(STEM)
  await page.getByTestId('explanation').locator('textarea').fill(EXPLANATION)
  await page.getByRole('radiogroup', { name: '诈骗类型' }).getByRole('radio', { name: '刷单返利' }).click()
  await page.getByRole('radiogroup', { name: '难度' }).getByRole('radio', { name: '中等' }).click()
  await page.getByRole('group', { name: '适合职业' }).getByRole('button', { name: '学生' }).click()
  await shot(page, 'question-editor')
  await page.getByTestId('save-question').click()
  await page.waitForURL(/\/staff\/questions\/\d+\/edit$/)
  const questionId = Number(/questions\/(\d+)\/edit/.exec(page.url())[1])
  await page.getByText('所有修改已保存').waitFor()
  assert.equal(await page.getByTestId('answer-B').getAttribute('aria-checked'), 'true')
  assert.equal(await page.getByTestId('option-B').inputValue(), OPTIONS[1])

  // Switching to multiple choice asks for a second right answer.
  await page.getByTestId('kind').getByRole('radio', { name: '多选题' }).click()
  await page.getByTestId('save-question').click()
  await page.getByTestId('answer-error').getByText('多选题至少要有两个正确答案').waitFor()
  await page.getByTestId('kind').getByRole('radio', { name: '单选题' }).click()
  await page.getByText('所有修改已保存').waitFor()

  // ---- Import: one bad row stops the file, with the row named; a good file goes in.
  await page.goto('/staff/questions')
  await page.getByTestId('open-import').click()
  const good = `single,陌生人说您的银行卡被冻结，要您把钱转到“安全账户”，对吗？,对,不对,,,,,B,银行和警察都不会让您把钱转到所谓“安全账户”。,police_impersonation,1,60p,retiree`
  const bad = `essay,太短,只有一个选项,,,,,,A,,brushing,5,,`
  await page.getByTestId('import-file').setInputFiles({ name: 'questions.csv', mimeType: 'text/csv', buffer: Buffer.from(`${HEADER}\n${good}\n${bad}\n`) })
  await page.getByTestId('import-submit').click()
  const rowErrors = page.getByTestId('import-row-errors')
  await rowErrors.waitFor()
  await rowErrors.getByText('第 3 行').first().waitFor()
  assert.equal(await rowErrors.getByText('第 2 行').count(), 0)
  await page.getByTestId('import-error').getByText('未导入任何题目').waitFor()
  await shot(page, 'questions-import-errors')
  await page.getByTestId('import-file').setInputFiles({ name: 'questions.csv', mimeType: 'text/csv', buffer: Buffer.from(`\uFEFF${HEADER}\n${good}\n`) })
  await page.getByTestId('import-submit').click()
  await page.getByTestId('import-result').getByText('共导入 1 道题').waitFor()

  // The new question waits for review; a reviewer approves it (the review
  // queue itself is walked in integrity-review.test.mjs).
  const reviewer = apiClient(server.baseURL)
  await reviewer.signIn(REVIEWER.username, REVIEWER.password)
  await reviewer.post(`/questions/${questionId}/approve`)

  // ---- A quiz in 柯城区, open from a few minutes ago.
  await menu.getByRole('link', { name: '问答活动' }).click()
  await page.waitForURL('**/staff/quizzes')
  await page.getByTestId('new-quiz').click()
  await page.waitForURL('**/staff/quizzes/new')
  // The area defaults to the editor's scope.
  await page.waitForFunction(() => document.querySelector('[data-test="quiz-area-field"] textarea')?.value === '柯城区')
  await page.getByTestId('quiz-title').locator('input').fill(QUIZ_TITLE)
  await page.getByTestId('quiz-description').locator('textarea').fill('五道题，80 分以上有机会获得防诈雨伞。')
  await page.getByTestId('starts-at').fill(await localInput(page, -5))
  await page.getByTestId('question-count').locator('input').fill('50')
  await page.getByTestId('pass-score').locator('input').fill('60')
  await page.getByTestId('time-limit').locator('input').fill('8')
  await page.getByTestId('max-attempts').locator('input').fill('2')
  await page.getByTestId('min-seconds').locator('input').fill('0')
  await page.getByRole('group', { name: '诈骗类型' }).getByRole('button', { name: '刷单返利' }).click()
  // The core question is found by searching its stem, not by typing its id.
  await page.getByTestId('core-questions-open').click()
  await page.getByTestId('core-questions-search').locator('input').fill(STEM.slice(0, 8))
  await page.getByTestId('core-questions-option').filter({ hasText: `编号 ${questionId}` }).click()
  await page.getByTestId('core-questions-confirm').click()
  await page.getByTestId('core-questions').getByTestId('picker-chosen').filter({ hasText: STEM.slice(0, 8) }).waitFor()
  // No minimum time: under the city's rule only a practice quiz may do that.
  await page.getByTestId('counts-for-awareness').click()
  await shot(page, 'quiz-editor')
  await page.getByTestId('save-quiz').click()
  await page.waitForURL(/\/staff\/quizzes\/\d+$/)
  const quizId = Number(/quizzes\/(\d+)$/.exec(page.url())[1])
  await page.getByTestId('quiz-phase').getByText('草稿').waitFor()
  assert.equal(await page.getByTestId('quiz-title').locator('input').inputValue(), QUIZ_TITLE)

  // A prize pool: 80 points and up, half of them win.
  await page.getByTestId('pool-name').locator('input').fill('防诈宣传雨伞')
  await page.getByTestId('pool-stock').locator('input').fill('50')
  await page.getByTestId('pool-min-score').locator('input').fill('80')
  await page.getByTestId('pool-probability').locator('input').fill('50')
  await page.getByTestId('add-pool').click()
  const pools = page.getByTestId('pools-table')
  const pool = pools.locator('tr', { hasText: '防诈宣传雨伞' })
  await pool.waitFor()
  assert.deepEqual((await pool.locator('td').allTextContents()).map((t) => t.trim()), ['防诈宣传雨伞', '50', '50', '80', '50%'])

  // Publishing 50 questions of one fraud type is refused; 5 is fine.
  await page.getByTestId('publish-quiz').click()
  await page.locator('.van-dialog').getByRole('button', { name: '发布' }).click()
  await page.getByTestId('form-error').getByText('符合条件的题目数量不足').waitFor()
  await page.locator('.van-dialog').waitFor({ state: 'hidden' })
  await calm(page)
  await shot(page, 'quiz-publish-refused')
  await page.getByTestId('question-count').locator('input').fill('5')
  await page.getByTestId('publish-quiz').click() // 保存并发布
  await page.locator('.van-dialog').getByRole('button', { name: '发布' }).click()
  await page.getByTestId('quiz-phase').getByText('进行中').waitFor()
  await page.locator('.van-dialog').waitFor({ state: 'hidden' })
  assert.equal(await page.getByTestId('publish-quiz').count(), 0)
  await calm(page)
  await shot(page, 'quiz-published')

  // ---- A resident of 柯城区 takes it (through the API) and hands in nothing.
  const resident = apiClient(server.baseURL)
  await resident.signInResident(server, '13900003333')
  await resident.put('/me/profile', { age_band: '18_29', occupation: 'student', grid_code: '330802001001001', consent: true })
  const attempt = await resident.post(`/quizzes/${quizId}/attempts`, {})
  assert.ok(attempt.questions.some((q) => q.id === questionId), 'the core question is served')
  const result = await resident.call('POST', `/attempts/${attempt.attempt_id}/submit`, { answers: [] }, { 'Idempotency-Key': 'console-test-0001' })
  assert.equal(result.score, 0)

  // The stats count it and list the hardest questions.
  await page.getByTestId('to-stats').click()
  await page.waitForURL(`**/staff/quizzes/${quizId}/stats`)
  await page.getByTestId('stats-title').getByText(QUIZ_TITLE).waitFor()
  const figure = (key) => page.getByTestId(`stat-${key}`).locator('.value').textContent()
  assert.equal(await figure('started'), '1')
  assert.equal(await figure('submitted'), '1')
  assert.equal(await figure('passed'), '0')
  assert.equal(await figure('pass_rate'), '0%')
  assert.equal(await figure('mean_score'), '0')
  const hardest = page.getByTestId('hardest-table').locator('tbody tr')
  assert.equal(await hardest.count(), 5)
  await hardest.filter({ hasText: STEM }).waitFor()
  await calm(page)
  await shot(page, 'quiz-stats')

  // ---- Rules are locked now; the title still changes.
  await page.goto(`/staff/quizzes/${quizId}`)
  await page.getByTestId('rules-locked').getByText('已有 1 人次开始答题').waitFor()
  assert.equal(await page.getByTestId('pass-score').locator('input').getAttribute('readonly'), '')
  await page.getByTestId('quiz-title').locator('input').fill(`${QUIZ_TITLE}（第一期）`)
  await page.getByTestId('save-quiz').click()
  await page.getByText('所有修改已保存').waitFor()
  await calm(page)
  await shot(page, 'quiz-locked')
  await page.goto('/staff/quizzes')
  await page.getByTestId('quizzes-table').locator(`tr[data-id="${quizId}"]`).getByText(`${QUIZ_TITLE}（第一期）`).waitFor()
  await shot(page, 'quizzes-list')
  assert.deepEqual(unexpected(problems), [])
  await context.close()
})

test('a reviewer sees the bank but not the campaigns, and the bank works on a phone', { timeout: 60_000 }, async () => {
  const { page, problems, context } = await newPage(browser, server.baseURL, PHONE)
  await staffSignIn(page, REVIEWER)
  await page.getByRole('button', { name: '菜单' }).click()
  const menu = page.getByTestId('console-menu')
  await menu.getByRole('link', { name: '题库' }).waitFor()
  assert.equal(await menu.getByRole('link', { name: '问答活动' }).count(), 0)
  await menu.getByRole('link', { name: '题库' }).click()
  await page.getByTestId('questions-table').locator('tbody tr[data-id]').first().waitFor()
  await shot(page, 'questions-list-phone')
  await page.goto('/staff/quizzes')
  await page.waitForURL((url) => url.pathname === '/staff')
  assert.deepEqual(unexpected(problems), [])
  await context.close()
})
