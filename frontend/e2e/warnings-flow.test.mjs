// A warning from first draft to a resident's "我已知晓": an editor writes it
// for people over 60 and retirees in 府山街道, previews and submits it; a
// reviewer approves it from the review queue; a resident finds it in the
// home feed, signs in from the warning itself, and acknowledges it; the
// editor sees the reach, then archives the warning and it is gone.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { startServer } from './server.mjs'
import { DESKTOP, launchBrowser, newPage, PHONE, shot } from './browser.mjs'
import { adoptSession, apiClient } from './api.mjs'

const EDITOR = { username: 'xuanchuan01', password: 'Xuanchuan-2026', role: 'editor', area: '330802' }
const REVIEWER = { username: 'shenhe01', password: 'Shenhe-pass-2026', role: 'reviewer', area: '330802' }
const EDITOR_B = { username: 'xuanchuan02', password: 'Xuanchuan-2026', role: 'editor', area: '330802' }
const ADMIN = { username: 'kecheng-admin', password: 'Kecheng-admin-2026', role: 'admin', area: '330802' }
const RESIDENT_PHONE = '13900001111'
const GRID_PATH = ['柯城区', '府山街道', '府山城西社区（演示）', '城西社区第1网格（演示）'] // grid 330802001001001

const TITLE = '冒充社保局“养老金认证”的电话，千万别信'
const SUMMARY = '骗子自称社保局工作人员，说养老金资格需要重新认证，让老人点链接、报验证码。社保认证不收费，也不会索要验证码。'
const BODY = [
  '### 案例',
  '柯城区的李大爷接到电话，对方自称“社保局”，说他的**养老金资格认证**过期了，不认证就停发。',
  '',
  '### 识别要点',
  '- 社保认证可在“浙里办”自助完成，**不收费**；',
  '- 任何要你报**验证码**、转账的“认证”都是诈骗。',
  '',
  '> 拿不准时，先挂断，再打 96110 或社区电话核实。',
].join('\n')

let server
let browser
let warningId

before(async () => {
  server = await startServer()
  await server.addUser(EDITOR)
  await server.addUser(REVIEWER)
  await server.addUser(EDITOR_B)
  await server.addUser(ADMIN)
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

/** pickInCascader taps the named options tab by tab in the open area picker. */
async function pickInCascader(page, names) {
  const cascader = page.locator('.van-cascader')
  await cascader.waitFor()
  for (const [i, name] of names.entries()) {
    const panel = cascader.locator('.van-tab__panel-wrapper').nth(i)
    const option = panel.locator('.van-cascader__option', { hasText: name }).first()
    await option.waitFor()
    await option.click()
  }
}

test('editor writes, reviewer approves, resident acknowledges, editor sees reach', { timeout: 180_000 }, async () => {
  // ---- The editor writes the warning.
  const ed = await newPage(browser, server.baseURL, DESKTOP)
  await staffSignIn(ed.page, EDITOR)
  const menu = ed.page.getByTestId('console-menu')
  await menu.getByRole('link', { name: '预警管理' }).click()
  await ed.page.waitForURL('**/staff/warnings')
  await ed.page.getByText('还没有预警').waitFor()
  await ed.page.getByTestId('new-warning').click()
  await ed.page.waitForURL('**/staff/warnings/new')

  // An empty form is refused by the server, field by field.
  await ed.page.getByTestId('save').click()
  await ed.page.getByTestId('form-error').waitFor()
  await ed.page.getByTestId('title').getByText('标题应为 2–100 字').waitFor()
  await ed.page.getByText('请选择诈骗类型').waitFor()
  assert.match(await ed.page.getByTestId('form-error').textContent(), /请修改标红的 \d+ 处/)
  await shot(ed.page, 'warnings-editor-errors')

  await ed.page.getByTestId('title').locator('input').fill(TITLE)
  await ed.page.getByTestId('summary').locator('textarea').fill(SUMMARY)
  await ed.page.getByTestId('body').locator('textarea').fill(BODY)
  await ed.page.getByRole('radiogroup', { name: '诈骗类型' }).getByRole('radio', { name: '养老诈骗' }).click()
  const ages = ed.page.getByRole('group', { name: '年龄段' })
  assert.equal(await ages.getByRole('button', { name: '全部' }).getAttribute('aria-pressed'), 'true')
  await ages.getByRole('button', { name: '60岁及以上' }).click()
  assert.equal(await ages.getByRole('button', { name: '60岁及以上' }).getAttribute('aria-pressed'), 'true')
  assert.equal(await ages.getByRole('button', { name: '全部' }).getAttribute('aria-pressed'), 'false')
  await ed.page.getByRole('group', { name: '职业' }).getByRole('button', { name: '离退休人员' }).click()

  // Target 府山街道 through the area picker (staff mode: any level).
  await ed.page.getByTestId('area-all').getByText('本辖区全部').waitFor()
  await ed.page.getByTestId('target-area-field').click()
  await pickInCascader(ed.page, ['衢州市', '柯城区', '府山街道'])
  await ed.page.getByTestId('area-confirm').click()
  await ed.page.getByTestId('area-target').getByText('府山街道').waitFor()
  await shot(ed.page, 'warnings-editor-form')

  // The preview is rendered by the server.
  const previewed = ed.page.waitForResponse((res) => res.url().endsWith('/api/v1/warnings/preview'))
  await ed.page.getByRole('tab', { name: '预览' }).click()
  assert.equal((await previewed).status(), 200)
  const preview = ed.page.getByTestId('preview')
  await preview.getByRole('heading', { name: '识别要点' }).waitFor()
  await preview.locator('strong', { hasText: '养老金资格认证' }).waitFor()
  await preview.locator('blockquote').waitFor()
  await shot(ed.page, 'warnings-editor-preview')
  await ed.page.getByRole('tab', { name: '编辑' }).click()

  await ed.page.getByTestId('save').click()
  await ed.page.waitForURL(/\/staff\/warnings\/\d+\/edit$/)
  warningId = Number(/\/staff\/warnings\/(\d+)\/edit/.exec(ed.page.url())[1])
  await ed.page.getByText('所有修改已保存').waitFor()
  await ed.page.getByTestId('versions').getByText('第 1 版').waitFor()
  await ed.page.getByTestId('status-tags').getByText('草稿').waitFor()

  await ed.page.getByTestId('submit').click()
  await ed.page.waitForURL((url) => url.pathname === '/staff/warnings')
  const row = ed.page.getByTestId('warnings-table').locator(`tr[data-id="${warningId}"]`)
  await row.getByText('审核中').waitFor()
  await row.getByRole('link', { name: TITLE }).waitFor()
  await shot(ed.page, 'warnings-list-in-review')
  assert.deepEqual(unexpected(ed.problems), [])

  // ---- The reviewer approves it from the review queue.
  const rv = await newPage(browser, server.baseURL, DESKTOP)
  await staffSignIn(rv.page, REVIEWER)
  await rv.page.getByTestId('console-menu').getByRole('link', { name: '审核队列' }).click()
  await rv.page.waitForURL('**/staff/review')
  const queued = rv.page.getByTestId('review-table').locator(`tr[data-id="${warningId}"]`)
  await queued.getByText(TITLE).waitFor()
  await shot(rv.page, 'warnings-review-queue')
  await queued.getByRole('button', { name: '审阅' }).click()
  await rv.page.waitForURL(`**/staff/review/${warningId}`)
  await rv.page.getByTestId('warning-body').getByRole('heading', { name: '案例' }).waitFor()
  await rv.page.getByTestId('meta-age-bands').getByText('60岁及以上').waitFor()
  await rv.page.getByTestId('meta-occupations').getByText('离退休人员').waitFor()
  await rv.page.getByTestId('meta-areas').getByText('府山街道').waitFor()
  await shot(rv.page, 'warnings-review-detail')
  await rv.page.getByTestId('approve').click()
  await rv.page.locator('.van-dialog').getByRole('button', { name: '通过' }).click()
  await rv.page.waitForURL((url) => url.pathname === '/staff/review')
  await rv.page.getByTestId('review-empty').waitFor()
  assert.deepEqual(unexpected(rv.problems), [])
  await rv.context.close()

  // ---- A resident finds it in the feed, signed out first.
  const rs = await newPage(browser, server.baseURL, PHONE)
  await rs.page.goto('/')
  const card = rs.page.getByTestId('feed-card').filter({ hasText: TITLE })
  await card.waitFor()
  await card.getByText('养老诈骗').waitFor()
  await shot(rs.page, 'warnings-home-signed-out')
  await card.click()
  await rs.page.waitForURL(`**/warnings/${warningId}`)
  await rs.page.getByTestId('warning-title').getByText(TITLE).waitFor()
  await rs.page.getByTestId('fraud-type').getByText('养老诈骗').waitFor()
  await rs.page.getByTestId('warning-body').getByRole('heading', { name: '识别要点' }).waitFor()
  await rs.page.getByTestId('hotline').waitFor()
  const deviceId = await rs.page.evaluate(() => localStorage.getItem('wuzha.deviceId'))
  assert.match(deviceId, /^[A-Za-z0-9_-]{16,64}$/)
  await shot(rs.page, 'warnings-detail-signed-out')

  // 我已知晓 asks a signed-out reader to sign in, and comes back here.
  await rs.page.getByTestId('ack').click()
  await rs.page.waitForURL((url) => url.pathname === '/login' && url.searchParams.get('redirect') === `/warnings/${warningId}`)
  await rs.page.getByTestId('phone').locator('input').fill(RESIDENT_PHONE)
  const sentAfter = Date.now() - 1000
  await rs.page.getByTestId('send-code').click()
  const code = await server.latestCode(RESIDENT_PHONE, { after: sentAfter })
  await rs.page.getByTestId('code').locator('input').fill(code)
  await rs.page.getByTestId('sign-in').click()

  // First sign-in: the profile (60+, retired, a grid in 府山街道), then back.
  await rs.page.waitForURL((url) => url.pathname === '/profile')
  await rs.page.getByRole('radiogroup', { name: '年龄段' }).getByRole('radio', { name: '60岁及以上' }).click()
  await rs.page.getByRole('radiogroup', { name: '职业' }).getByRole('radio', { name: '离退休人员' }).click()
  await rs.page.getByTestId('grid-field').click()
  await pickInCascader(rs.page, GRID_PATH)
  await rs.page.locator('.van-cascader').waitFor({ state: 'hidden' })
  await rs.page.getByTestId('consent').click()
  await rs.page.getByTestId('save-profile').click()
  await rs.page.waitForURL(`**/warnings/${warningId}`)

  await rs.page.getByTestId('ack').click()
  await rs.page.getByTestId('acked').getByText('已知晓 ✓').waitFor()
  assert.equal(await rs.page.getByTestId('ack').count(), 0)
  await shot(rs.page, 'warnings-detail-acknowledged')
  await rs.page.reload()
  await rs.page.getByTestId('acked').waitFor() // the server remembers

  // Home: the warning is recommended for this resident; the history lists it.
  await rs.page.goto('/')
  const mine = rs.page.getByTestId('feed-card').filter({ hasText: TITLE })
  await mine.getByTestId('recommended').getByText('为您推荐').waitFor()
  await shot(rs.page, 'warnings-home-resident')
  await rs.page.getByTestId('acks-link').click()
  await rs.page.waitForURL('**/acks')
  await rs.page.getByTestId('acks-list').getByText(TITLE).waitFor()
  await shot(rs.page, 'warnings-acks')

  // The same pages in large-text mode.
  await rs.page.getByRole('switch', { name: '大字模式' }).click()
  await shot(rs.page, 'warnings-acks-large-text')
  await rs.page.goto('/')
  await rs.page.getByTestId('feed-card').first().waitFor()
  await shot(rs.page, 'warnings-home-large-text')
  await rs.page.goto(`/warnings/${warningId}`)
  await rs.page.getByTestId('acked').waitFor()
  await shot(rs.page, 'warnings-detail-large-text')
  await rs.page.getByRole('switch', { name: '大字模式' }).click()
  assert.deepEqual(unexpected(rs.problems), [])

  // ---- The editor sees the reach.
  await ed.page.goto(`/staff/warnings`)
  await row.getByText('已发布').waitFor()
  await row.getByText('线上版本').waitFor()
  await row.getByRole('button', { name: '传播效果' }).click()
  await ed.page.waitForURL(`**/staff/warnings/${warningId}/reach`)
  const acks = ed.page.getByTestId('reach-acks')
  await acks.locator('.value').getByText('1', { exact: true }).waitFor()
  const views = Number(await ed.page.getByTestId('reach-views').locator('.value').textContent())
  assert.ok(views >= 1, `views ${views}`)
  // Signed out (a device) and signed in (the resident) count as two viewers.
  assert.equal(Number(await ed.page.getByTestId('reach-viewers').locator('.value').textContent()), 2)
  assert.equal((await ed.page.getByTestId('reach-ack_rate').locator('.value').textContent()).trim(), '100%')
  const fushan = ed.page.getByTestId('reach-by-area').locator('tr', { hasText: '府山街道' })
  assert.equal((await fushan.locator('td').nth(1).textContent()).trim(), '1')
  const over60 = ed.page.getByTestId('reach-by-age').locator('tr', { hasText: '60岁及以上' })
  assert.equal((await over60.locator('td').nth(1).textContent()).trim(), '1')
  await shot(ed.page, 'warnings-reach')

  // ---- Archiving takes it down for residents.
  await ed.page.goto('/staff/warnings')
  await row.getByRole('button', { name: '归档' }).click()
  await ed.page.locator('.van-dialog').getByRole('button', { name: '归档' }).click()
  await row.getByText('已归档').waitFor()
  await ed.page.locator('.van-dialog').waitFor({ state: 'hidden' })
  assert.equal(await row.getByText('线上版本').count(), 0)
  await shot(ed.page, 'warnings-list-archived')
  await ed.page.getByTestId('status-filter').getByRole('radio', { name: '已归档' }).click()
  await ed.page.waitForURL('**/staff/warnings?status=archived')
  await row.waitFor()
  assert.deepEqual(unexpected(ed.problems), [])
  await ed.context.close()

  await rs.page.goto(`/warnings/${warningId}`)
  await rs.page.getByTestId('warning-not-found').waitFor()
  await rs.context.close()
})

test('a reviewer rejects with a reason; nobody reviews their own warning', { timeout: 120_000 }, async () => {
  // Editor B writes and submits a warning through the API.
  const editorB = apiClient(server.baseURL)
  const signedB = await editorB.signIn(EDITOR_B.username, EDITOR_B.password)
  const draft = await editorB.post('/warnings', {
    title: '“刷单返利”新变种：先送小礼品再拉进群',
    summary: '骗子先免费寄小礼品，再以“好评返现”为名拉人进群刷单。',
    body_markdown: '### 案例\n收到陌生包裹里附着“好评返现”卡片，扫码进群后被诱导刷单。',
    fraud_type: 'brushing',
    age_bands: [],
    occupations: [],
    area_codes: [],
  })
  await editorB.post(`/warnings/${draft.id}/submit`)

  // The reviewer rejects it, and must give a reason.
  const rv = await newPage(browser, server.baseURL, DESKTOP)
  await staffSignIn(rv.page, REVIEWER)
  await rv.page.goto(`/staff/review/${draft.id}`)
  await rv.page.getByTestId('reject').click()
  const dialog = rv.page.locator('.van-dialog')
  await dialog.getByRole('button', { name: '驳回' }).click()
  await dialog.getByText('请填写 2–500 字的驳回理由').waitFor()
  await rv.page.getByTestId('reject-reason-input').locator('textarea').fill('案例缺少具体金额和识别要点，请补充后再提交')
  await shot(rv.page, 'warnings-review-reject')
  await dialog.getByRole('button', { name: '驳回' }).click()
  await rv.page.waitForURL((url) => url.pathname === '/staff/review')
  await rv.page.getByTestId('review-empty').waitFor()
  assert.deepEqual(unexpected(rv.problems), [])
  await rv.context.close()

  // Editor B sees why, revises and resubmits.
  const ed = await newPage(browser, server.baseURL, DESKTOP)
  await adoptSession(ed.page, signedB)
  await ed.page.goto('/staff/warnings')
  const row = ed.page.getByTestId('warnings-table').locator(`tr[data-id="${draft.id}"]`)
  await row.getByText('草稿').waitFor()
  await row.getByRole('button', { name: '编辑' }).click()
  await ed.page.waitForURL(`**/staff/warnings/${draft.id}/edit`)
  await ed.page.getByTestId('reject-reason').getByText('案例缺少具体金额和识别要点').waitFor()
  const body = ed.page.getByTestId('body').locator('textarea')
  await body.fill(`${await body.inputValue()}\n\n### 识别要点\n- 陌生包裹里的**返现卡片**，不扫码、不进群。`)
  await ed.page.getByTestId('expire-at').fill('2030-12-31T23:59')
  await shot(ed.page, 'warnings-editor-rejected')
  await ed.page.getByTestId('submit').click()
  await ed.page.waitForURL((url) => url.pathname === '/staff/warnings')
  await row.getByText('审核中').waitFor()
  assert.deepEqual(unexpected(ed.problems), [])
  await ed.context.close()

  // Editor B becomes a reviewer, and still may not approve their own warning.
  const admin = apiClient(server.baseURL)
  await admin.signIn(ADMIN.username, ADMIN.password)
  await admin.patch(`/users/${signedB.user.id}`, { role: 'reviewer' })
  const own = await newPage(browser, server.baseURL, DESKTOP)
  await staffSignIn(own.page, EDITOR_B)
  await own.page.getByTestId('console-menu').getByRole('link', { name: '审核队列' }).click()
  await own.page.getByTestId('review-table').locator(`tr[data-id="${draft.id}"]`).getByRole('button', { name: '审阅' }).click()
  await own.page.getByText('2030-12-31 23:59').waitFor() // the expiry set above
  await own.page.getByTestId('approve').click()
  await own.page.locator('.van-dialog').getByRole('button', { name: '通过' }).click()
  await own.page.getByTestId('action-error').getByText('不能审核自己撰写或修改过的预警').waitFor()
  await own.page.getByTestId('status-tags').getByText('审核中').waitFor()
  await own.page.locator('.van-dialog').waitFor({ state: 'hidden' })
  await shot(own.page, 'warnings-review-own')
  assert.deepEqual(unexpected(own.problems).filter((p) => !/409/.test(p)), [])
  await own.context.close()
})

test('the home feed pages with 加载更多', { timeout: 60_000 }, async () => {
  // 35 seeded warnings and 10 a page: the general feed has more than one page.
  const { page, problems, context } = await newPage(browser, server.baseURL, PHONE)
  await page.goto('/')
  const cards = page.getByTestId('feed-card')
  await cards.nth(9).waitFor()
  assert.equal(await cards.count(), 10)
  const answered = page.waitForResponse((res) => res.url().includes('/api/v1/feed?'))
  await page.getByTestId('feed-more').click()
  const res = await answered
  assert.equal(res.status(), 200, `second page: ${res.status()} ${await res.text()}`)
  await cards.nth(19).waitFor()
  const ids = await cards.evaluateAll((els) => els.map((a) => a.getAttribute('href')))
  assert.equal(new Set(ids).size, ids.length, 'no warning twice')
  assert.deepEqual(unexpected(problems), [])
  await context.close()
})
