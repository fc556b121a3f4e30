// Who may change what is assessed, in the browser. The city's root admin
// relaxes the rule on 考核规则 (audited); residents of 柯城区 answer a quiz.
// Two root admins: the first locks the running quarter (early, so with a
// reason — without one it is refused), cannot unlock it himself; the second
// unlocks it with a reason; the first locks again; the history shows two
// versions, the older superseded with its reason, and the checksum verifies.
// A county editor reads the rule but cannot change it, and a counting quiz
// whose pass mark is below the rule is refused with a clear Chinese message.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { startServer } from './server.mjs'
import { DESKTOP, launchBrowser, newPage, shot } from './browser.mjs'
import { apiClient, adoptSession, publishedQuiz } from './api.mjs'

const ROOT_A = { username: 'shiji-admin-a', password: 'Shiji-admin-a-2026', role: 'admin', area: '330800' }
const ROOT_B = { username: 'shiji-admin-b', password: 'Shiji-admin-b-2026', role: 'admin', area: '330800' }
const EDITOR = { username: 'kecheng-bianji', password: 'Kecheng-bianji-2026', role: 'editor', area: '330802' }

let server
let browser
let quizId // the county editor's counting quiz, answered in the first test

before(async () => {
  server = await startServer()
  for (const u of [ROOT_A, ROOT_B, EDITOR]) await server.addUser(u)
  browser = await launchBrowser()
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

async function calm(page) {
  await page.locator('.van-toast').waitFor({ state: 'hidden' })
  await page.waitForFunction(() => ![...document.querySelectorAll('.van-dialog')].some((d) => d.offsetParent !== null))
}

async function signedInPage(user) {
  const client = apiClient(server.baseURL)
  const pair = await client.signIn(user.username, user.password)
  const tab = await newPage(browser, server.baseURL, DESKTOP)
  await adoptSession(tab.page, pair)
  return { ...tab, client }
}

const localInput = (page, minutes) =>
  page.evaluate((m) => {
    const d = new Date(Date.now() + m * 60_000)
    const p = (n) => String(n).padStart(2, '0')
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`
  }, minutes)

test('the rule is set at the root, and locks change only with reasons from above', { timeout: 240_000 }, async () => {
  // ---- 考核规则: the first root admin lets three-question quizzes answered at once count.
  const a = await signedInPage(ROOT_A)
  await a.page.goto('/staff/rule')
  await a.page.getByTestId('rule-form').waitFor()
  await a.page.getByTestId('rule-updated').getByText('初始规则').waitFor()
  await a.page.getByTestId('rule-min_questions').fill('3')
  await a.page.getByTestId('rule-min_seconds_per_question').fill('0')
  await a.page.getByTestId('rule-target_rate').fill('1.5')
  await a.page.getByTestId('rule-save').click()
  await a.page.locator('.van-dialog').getByRole('button', { name: '确定修改' }).click()
  await a.page.getByTestId('rule-form').getByText('应大于 0 且不超过 1').waitFor() // refused, named in Chinese
  await calm(a.page)
  await a.page.getByTestId('rule-target_rate').fill('0.9')
  await a.page.getByTestId('rule-save').click()
  await a.page.locator('.van-dialog').getByRole('button', { name: '确定修改' }).click()
  await a.page.getByTestId('rule-updated').getByText(ROOT_A.username).waitFor()
  await calm(a.page)
  await shot(a.page, 'rule-root-admin')
  const rule = await a.client.get('/assessment/rule')
  assert.equal(rule.min_questions, 3)
  assert.equal(rule.target_rate, 0.9)

  // ---- A quiz of the county editor (through the API), answered by three residents.
  const editor = apiClient(server.baseURL)
  await editor.signIn(EDITOR.username, EDITOR.password)
  const quiz = await publishedQuiz(editor, { title: '柯城区反诈知识问答', area_code: '330802', counts_for_awareness: true })
  quizId = quiz.id
  for (const [i, grid] of ['330802001001001', '330802001001002', '330802002001001'].entries()) {
    const resident = apiClient(server.baseURL)
    await resident.signInResident(server, `1390000710${i}`)
    await resident.put('/me/profile', { age_band: '45_59', occupation: 'farmer', grid_code: grid, consent: true })
    const attempt = await resident.post(`/quizzes/${quiz.id}/attempts`, {})
    const answers = attempt.questions.map((q) => ({ question_id: q.id, keys: [q.options[0].key] }))
    await resident.call('POST', `/attempts/${attempt.attempt_id}/submit`, { answers }, { 'Idempotency-Key': `locks-e2e-${i}-0001` })
  }

  // ---- The first root admin locks the running quarter: a reason is required.
  await a.page.goto('/staff/assessment')
  await a.page.getByTestId('lock-state').getByText('未锁定').waitFor()
  await a.page.getByTestId('lock-state').getByText('考核期尚未结束').waitFor()
  await a.page.getByTestId('rule').getByText(/不少于\s*3\s*道题/).waitFor()
  await a.page.getByTestId('lock').click()
  await a.page.getByTestId('confirm-action').click()
  await a.page.getByTestId('action-error').getByText('提前锁定须填写理由').waitFor()
  await a.page.getByTestId('reason').fill('省平安考核组年中抽查，提前锁定')
  await a.page.getByTestId('confirm-action').click()
  await a.page.getByTestId('lock-state').getByText('已锁定（第 1 版）').waitFor()
  await a.page.getByTestId('locked-by').getByText(ROOT_A.username).waitFor()
  // He cannot unlock what he locked: no button, and the server refuses too.
  assert.equal(await a.page.getByTestId('unlock').count(), 0)
  await a.page.getByTestId('unlock-why-not').getByText('须由另一位市级管理员解锁').waitFor()
  const quarter = new URL(a.page.url()).searchParams.get('period') || (await a.client.get('/assessment/rule') && null)
  const period = quarter || (await a.page.evaluate(() => document.querySelector('[data-test="period-picker"]').value))
  await assert.rejects(a.client.post(`/assessment/${period}/330800/unlock`, { reason: '自己解锁' }), (err) => err.status === 403 && err.body.code === 'unlock_from_above')
  await calm(a.page)
  await shot(a.page, 'assessment-locked-by-a')

  // ---- The second root admin unlocks it, with a reason.
  const b = await signedInPage(ROOT_B)
  await b.page.goto('/staff/assessment')
  await b.page.getByTestId('lock-state').getByText('已锁定（第 1 版）').waitFor()
  await b.page.getByTestId('unlock').click()
  await b.page.getByTestId('confirm-action').click()
  await b.page.getByTestId('action-error').getByText('请填写解锁理由').waitFor()
  await b.page.getByTestId('reason').fill('柯城区补录线下答卷，解锁后重新锁定')
  await shot(b.page, 'assessment-unlock-reason')
  await b.page.getByTestId('confirm-action').click()
  await b.page.getByTestId('lock-state').getByText('未锁定').waitFor()
  await b.page.getByTestId('version-1').getByText('已作废').waitFor()
  await calm(b.page)
  await shot(b.page, 'assessment-unlocked-by-b')

  // ---- The first locks again: version 2; the history keeps version 1, superseded.
  await a.page.reload()
  await a.page.getByTestId('lock-state').getByText('未锁定').waitFor()
  await a.page.getByTestId('lock').click()
  await a.page.getByTestId('reason').fill('补录完成，重新锁定')
  await a.page.getByTestId('confirm-action').click()
  await a.page.getByTestId('lock-state').getByText('已锁定（第 2 版）').waitFor()
  const history = a.page.getByTestId('history')
  await history.getByTestId('version-2').getByText('当前有效').waitFor()
  const v1 = await history.getByTestId('version-1').textContent()
  assert.match(v1, /已作废/)
  assert.match(v1, new RegExp(ROOT_B.username))
  assert.match(v1, /柯城区补录线下答卷/)
  assert.match(v1, /省平安考核组年中抽查/)
  await a.page.getByTestId('verify').click()
  await a.page.getByTestId('verification').getByText('第 2 版校验通过').waitFor()
  await calm(a.page)
  await shot(a.page, 'assessment-history')
  const versions = (await a.client.get(`/assessment/${period}/330800/history`)).items
  assert.deepEqual(versions.map((v) => [v.version, v.current, v.unlock_reason]), [
    [1, false, '柯城区补录线下答卷，解锁后重新锁定'],
    [2, true, null],
  ])

  for (const tab of [a, b]) {
    assert.deepEqual(tab.problems.filter((p) => !/status of 422/.test(p)), []) // the refused rule above
    await tab.context.close()
  }
})

test('a county editor reads the rule and cannot publish a counting quiz below it', { timeout: 120_000 }, async () => {
  const ed = await signedInPage(EDITOR)
  const { page } = ed
  await page.goto('/staff/rule')
  await page.getByTestId('rule-table').waitFor()
  await page.getByTestId('read-only').waitFor()
  assert.equal(await page.getByTestId('rule-form').count(), 0)
  await shot(page, 'rule-read-only')
  await assert.rejects(
    ed.client.put('/assessment/rule', { target_rate: 0.5, target_coverage: 0.01, min_respondents: 1, pass_score: 0, min_questions: 1, min_seconds_per_question: 0 }),
    (err) => err.status === 403,
  )

  await page.goto('/staff/quizzes/new')
  await page.waitForFunction(() => document.querySelector('[data-test="quiz-area-field"] textarea')?.value === '柯城区')
  await page.getByTestId('rule-hint').getByText(/及格分不低于\s*60\s*分/).waitFor()
  await page.getByTestId('quiz-title').locator('input').fill('柯城区送分问答')
  await page.getByTestId('starts-at').fill(await localInput(page, -5))
  await page.getByTestId('question-count').locator('input').fill('3')
  await page.getByTestId('pass-score').locator('input').fill('0')
  await page.getByTestId('time-limit').locator('input').fill('8')
  await page.getByTestId('max-attempts').locator('input').fill('2')
  await page.getByTestId('min-seconds').locator('input').fill('0')
  await page.getByTestId('save-quiz').click()
  const error = page.getByTestId('form-error')
  await error.getByText('及格分 0 低于考核规则要求的 60 分').waitFor()
  assert.match(await error.textContent(), /计入知晓率的问答须满足全市考核规则/)
  assert.equal(new URL(page.url()).pathname, '/staff/quizzes/new', 'nothing was created')
  await calm(page)
  await shot(page, 'quiz-below-rule-refused')

  // The root raises the pass mark above the county's published quiz: its
  // page says it no longer counts, and why.
  const root = apiClient(server.baseURL)
  await root.signIn(ROOT_A.username, ROOT_A.password)
  await root.put('/assessment/rule', { target_rate: 0.9, target_coverage: 0.05, min_respondents: 30, pass_score: 70, min_questions: 3, min_seconds_per_question: 0 })
  await page.goto(`/staff/quizzes/${quizId}`)
  const notCounting = page.getByTestId('not-counting')
  await notCounting.getByText('及格分 60 低于考核规则要求的 70 分').waitFor()
  assert.match(await notCounting.textContent(), /不再计入知晓率/)
  await shot(page, 'quiz-no-longer-counts')
  await page.goto('/staff/quizzes')
  await page.locator(`tr[data-id="${quizId}"]`).getByTestId('not-counting-tag').getByText('低于考核规则，不计入').waitFor()
  await shot(page, 'quizzes-list-not-counting')
  assert.deepEqual(ed.problems.filter((p) => !/422/.test(p)), [])
  await ed.context.close()
})
