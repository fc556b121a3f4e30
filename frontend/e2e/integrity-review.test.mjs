// Whoever is ranked never sets what it is ranked by. An editor writes a
// question and sees it 待审核; a reviewer walks the question review queue,
// approves it and rejects another with a reason, which its editor then
// reads. A county admin imports changed populations and is told they await
// approval; the city admin sees the change (from → to), approves it, and the
// figures show the new population.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { startServer } from './server.mjs'
import { DESKTOP, launchBrowser, newPage, shot } from './browser.mjs'
import { apiClient } from './api.mjs'

const EDITOR = { username: 'shenhe-bianji', password: 'Shenhe-bianji-2026', role: 'editor', area: '330802' }
const REVIEWER = { username: 'tiku-shenheyuan', password: 'Tiku-shenheyuan-2026', role: 'reviewer', area: '330802' }
const COUNTY_ADMIN = { username: 'kecheng-guanli', password: 'Kecheng-guanli-2026', role: 'admin', area: '330802' }
const CITY_ADMIN = { username: 'shi-guanli', password: 'Shi-guanli-2026', role: 'admin', area: '330800' }
const GRID = '330802001001001'
const COMMUNITY = '330802001001'

const STEM = '网上认识的“投资导师”拉您进群，说跟着买某平台产品稳赚不赔，您应该？'
const OPTIONS = ['先投一点试试', '不理会，这是投资理财诈骗', '借钱加大投入', '把验证码发给导师']
const BAD_STEM = '接到“快递理赔”电话，对方要您下载会议软件共享屏幕，应该照做吗？'
const REASON = '答案写反了：应选“不照做”，请改正后重新提交'

let server
let browser

before(async () => {
  server = await startServer()
  for (const u of [EDITOR, REVIEWER, COUNTY_ADMIN, CITY_ADMIN]) await server.addUser(u)
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

// Let toasts and transitions settle before a screenshot.
const calm = (page) => page.waitForTimeout(400)

test('questions are reviewed by someone else; populations wait for the city', { timeout: 180_000 }, async () => {
  // ---- The editor writes a question: it waits for review.
  const ed = await newPage(browser, server.baseURL, DESKTOP)
  await staffSignIn(ed.page, EDITOR)
  await ed.page.goto('/staff/questions/new')
  await ed.page.getByTestId('review-note').getByText('审核员审核通过后才会被抽到').waitFor()
  await ed.page.getByTestId('stem').locator('textarea').fill(STEM)
  for (const [i, text] of OPTIONS.entries()) await ed.page.getByTestId(`option-${'ABCD'[i]}`).fill(text)
  await ed.page.getByTestId('answer-B').click()
  await ed.page.getByTestId('explanation').locator('textarea').fill('“稳赚不赔”“导师带单”都是投资理财诈骗的话术，不要下载陌生平台，更不要转账。')
  await ed.page.getByRole('radiogroup', { name: '诈骗类型' }).getByRole('radio', { name: '虚假网络投资理财' }).click()
  await ed.page.getByTestId('save-question').click()
  await ed.page.waitForURL(/\/staff\/questions\/\d+\/edit$/)
  const goodId = Number(/questions\/(\d+)\/edit/.exec(ed.page.url())[1])
  await ed.page.getByTestId('question-status').getByText('待审核').waitFor()
  await ed.page.getByTestId('review-note').getByText('正在等待审核').waitFor()
  await calm(ed.page)
  await shot(ed.page, 'integrity-question-in-review')

  // A second question, through the API, with its answer the wrong way round.
  const editorApi = apiClient(server.baseURL)
  await editorApi.signIn(EDITOR.username, EDITOR.password)
  const bad = await editorApi.post('/questions', {
    kind: 'true_false',
    stem: BAD_STEM,
    options: [
      { key: 'A', text: '正确' },
      { key: 'B', text: '错误' },
    ],
    answer: ['A'],
    explanation: '共享屏幕会让骗子看到您的验证码和银行卡信息。',
    fraud_type: 'cs_impersonation',
    difficulty: 1,
  })
  assert.equal(bad.status, 'in_review')

  // The list shows the state on every question; the filter narrows to it.
  await ed.page.goto('/staff/questions?status=in_review')
  const table = ed.page.getByTestId('questions-table')
  await table.locator(`tr[data-id="${goodId}"]`).getByText('待审核').waitFor()
  await table.locator(`tr[data-id="${bad.id}"]`).getByText('待审核').waitFor()
  assert.equal(await table.locator('tbody tr[data-id]').count(), 2)

  // ---- The reviewer walks the question queue: approves one, rejects the other.
  const rv = await newPage(browser, server.baseURL, DESKTOP)
  await staffSignIn(rv.page, REVIEWER)
  await rv.page.getByTestId('console-menu').getByRole('link', { name: '审核队列' }).click()
  await rv.page.waitForURL('**/staff/review')
  await rv.page.getByRole('tab', { name: '题目' }).click()
  await rv.page.waitForURL('**/staff/review?tab=questions')
  const queue = rv.page.getByTestId('question-review-list')
  const goodCard = queue.locator(`li[data-id="${goodId}"]`)
  await goodCard.getByText(STEM).waitFor()
  await goodCard.locator('li.right', { hasText: OPTIONS[1] }).waitFor() // the right answer is marked
  await calm(rv.page)
  await shot(rv.page, 'integrity-review-queue')
  await goodCard.getByTestId('approve').click()
  await goodCard.waitFor({ state: 'detached' })

  const badCard = queue.locator(`li[data-id="${bad.id}"]`)
  await badCard.getByTestId('reject').click()
  await badCard.getByTestId('confirm-reject').click() // no reason yet: refused in the page
  await badCard.getByTestId('review-error').getByText('请填写驳回理由').waitFor()
  await badCard.getByTestId('reject-reason').locator('textarea').fill(REASON)
  await shot(rv.page, 'integrity-review-reject')
  await badCard.getByTestId('confirm-reject').click()
  await badCard.waitFor({ state: 'detached' })
  await rv.page.getByTestId('question-review-empty').waitFor()

  // The server agrees: one approved, one rejected with the reason.
  assert.equal((await editorApi.get(`/questions/${goodId}`)).status, 'approved')
  const rejected = await editorApi.get(`/questions/${bad.id}`)
  assert.equal(rejected.status, 'rejected')
  assert.equal(rejected.reject_reason, REASON)

  // ---- The editor sees the reason and the states.
  await ed.page.goto(`/staff/questions/${bad.id}/edit`)
  await ed.page.getByTestId('question-status').getByText('已驳回').waitFor()
  await ed.page.getByTestId('reject-reason').getByText(REASON).waitFor()
  await calm(ed.page)
  await shot(ed.page, 'integrity-question-rejected')
  await ed.page.goto('/staff/questions?fraud_type=investment')
  await table.locator(`tr[data-id="${goodId}"]`).getByText('已通过').waitFor()
  await ed.page.goto('/staff/questions?status=rejected')
  await table.locator(`tr[data-id="${bad.id}"]`).getByTestId('reject-reason').getByText(REASON).waitFor()
  await calm(ed.page)
  await shot(ed.page, 'integrity-questions-rejected-list')

  // An editor does not approve, and a reviewer not their own: Chinese refusals.
  const own = await editorApi.call('POST', `/questions/${bad.id}/approve`).catch((e) => e)
  assert.equal(own.status, 403)

  // ---- The county admin imports a changed population for one grid.
  const pub = apiClient(server.baseURL)
  const grid = await pub.get(`/areas/${GRID}`)
  const before = (await pub.get(`/areas/${COMMUNITY}`)).population
  const next = grid.population + 1234
  const sheet = `code,name,parent_code,level,population\n${GRID},${grid.name},${COMMUNITY},grid,${next}\n`
  const ca = await newPage(browser, server.baseURL, DESKTOP)
  await staffSignIn(ca.page, COUNTY_ADMIN)
  await ca.page.goto('/staff/areas/import')
  await ca.page.getByTestId('import-file').setInputFiles({ name: 'grids.csv', mimeType: 'text/csv', buffer: Buffer.from(sheet) })
  await ca.page.getByTestId('import-submit').click()
  const pending = ca.page.getByTestId('import-pending')
  await pending.getByText('须经上级区域的管理员审批后才生效').waitFor()
  await pending.getByText(`${grid.population} → ${next}`).waitFor()
  await calm(ca.page)
  await shot(ca.page, 'integrity-import-pending')
  assert.equal((await pub.get(`/areas/${GRID}`)).population, grid.population, 'nothing applies before approval')

  // The county admin sees its own request, waiting, and cannot decide it.
  await ca.page.goto('/staff/area-changes')
  const mine = ca.page.getByTestId('area-changes').locator('li').first()
  await mine.getByTestId('change-waiting').waitFor()
  assert.equal(await mine.getByTestId('change-approve').count(), 0)

  // ---- The city admin approves it; the figures show the new population.
  const city = await newPage(browser, server.baseURL, DESKTOP)
  await staffSignIn(city.page, CITY_ADMIN)
  await city.page.getByTestId('console-menu').getByRole('link', { name: '人口变更审批' }).click()
  await city.page.waitForURL('**/staff/area-changes')
  const change = city.page.getByTestId('area-changes').locator('li').first()
  const row = change.getByTestId('change-rows').locator('tbody tr')
  await row.getByText(GRID).waitFor()
  assert.deepEqual(
    (await row.locator('td').allTextContents()).map((t) => t.trim()),
    [GRID, grid.name, grid.population.toLocaleString('zh-CN'), `→ ${next.toLocaleString('zh-CN')}`, '+1,234'],
  )
  await calm(city.page)
  await shot(city.page, 'integrity-change-pending')
  await change.getByTestId('change-approve').click()
  await city.page.getByTestId('area-changes-empty').waitFor()
  assert.equal((await pub.get(`/areas/${GRID}`)).population, next)

  await city.page.goto(`/staff/awareness/${COMMUNITY}`)
  await city.page.getByTestId('headline').getByText(String(before + 1234)).waitFor()
  await calm(city.page)
  await shot(city.page, 'integrity-population-applied')

  // The approval is in the audit log with from and to.
  const cityApi = apiClient(server.baseURL)
  await cityApi.signIn(CITY_ADMIN.username, CITY_ADMIN.password)
  const audit = await cityApi.get('/audit?action=area.population.approve')
  assert.match(audit.items[0].detail, new RegExp(`"from":${grid.population},"to":${next}`))

  for (const p of [ed, rv, ca, city]) {
    assert.deepEqual(unexpected(p.problems), [])
    await p.context.close()
  }
})
