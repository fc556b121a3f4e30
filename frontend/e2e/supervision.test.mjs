// 督办 from the figures to paper. Two residents of 柯城区 answer a counting
// quiz, so every county of the city falls short of the coverage target. The
// city's admin (desktop) opens 知晓率 and generates the rectification list;
// 柯城区's admin on a phone sees the count on the workbench, accepts the item
// and reports with a photo; the city returns it with a reason; the county
// reports again; the city's first close is refused (the figures still fall
// short), the root admin lowers the target, and the close goes through. A
// numbered notice is generated and printed to A4 PDF.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import zlib from 'node:zlib'
import { after, before, test } from 'node:test'
import { startServer } from './server.mjs'
import { DESKTOP, PHONE, launchBrowser, newPage, screenshotDir, shot } from './browser.mjs'
import { apiClient, adoptSession, approvedQuestions, publishedQuiz } from './api.mjs'

const CITY = { username: 'duban-shiji', password: 'Duban-shiji-2026', role: 'admin', area: '330800' }
const COUNTY = { username: 'duban-kecheng', password: 'Duban-kecheng-2026', role: 'admin', area: '330802' }
const EDITOR = { username: 'duban-bianji', password: 'Duban-bianji-2026', role: 'editor', area: '330800' }
const REVIEWER = { username: 'duban-shenhe', password: 'Duban-shenhe-2026', role: 'reviewer', area: '330800' }

const QUESTIONS = ['公安机关会通过电话要求转账到“安全账户”吗？', '刷单返利是正规兼职吗？', '“客服”要求共享屏幕办理理赔正常吗？'].map((stem, i) => ({
  kind: 'true_false',
  stem,
  options: [
    { key: 'A', text: '正确' },
    { key: 'B', text: '错误' },
  ],
  answer: ['B'],
  explanation: '这是诈骗。',
  fraud_type: ['police_impersonation', 'brushing', 'cs_impersonation'][i],
  difficulty: 1,
}))
const RESIDENTS = [
  { phone: '13900006001', grid: '330802001001001' },
  { phone: '13900006002', grid: '330802001001002' },
]
const RULE = { target_rate: 0.9, target_coverage: 0.05, min_respondents: 30, pass_score: 60, min_questions: 3, min_seconds_per_question: 0 }

// A 2×2 PNG, made here: the photo a county admin takes of the work done.
function png() {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    return c >>> 0
  })
  const crc = (buf) => {
    let c = 0xffffffff
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8)
    return (c ^ 0xffffffff) >>> 0
  }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(data.length)
    const td = Buffer.concat([Buffer.from(type), data])
    const c = Buffer.alloc(4)
    c.writeUInt32BE(crc(td))
    return Buffer.concat([len, td, c])
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(2, 0)
  ihdr.writeUInt32BE(2, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 2 // RGB
  const raw = Buffer.from([0, 255, 0, 0, 0, 128, 0, 0, 0, 0, 255, 255, 255, 255])
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))])
}

let server
let browser
const city = () => apiClient(server.baseURL)

before(async () => {
  server = await startServer()
  for (const u of [CITY, COUNTY, EDITOR, REVIEWER]) await server.addUser(u)
  browser = await launchBrowser()

  const root = city()
  await root.signIn(CITY.username, CITY.password)
  await root.put('/assessment/rule', RULE)

  const editor = apiClient(server.baseURL)
  await editor.signIn(EDITOR.username, EDITOR.password)
  const reviewer = apiClient(server.baseURL)
  await reviewer.signIn(REVIEWER.username, REVIEWER.password)
  const ids = await approvedQuestions(editor, reviewer, QUESTIONS)
  const quiz = await publishedQuiz(editor, { title: '督办测试问答', description: '三道题，60 分及格。', core_question_ids: ids })

  for (const [i, r] of RESIDENTS.entries()) {
    const resident = apiClient(server.baseURL)
    await resident.signInResident(server, r.phone)
    await resident.put('/me/profile', { age_band: '30_44', occupation: 'company_staff', grid_code: r.grid, consent: true })
    const attempt = await resident.post(`/quizzes/${quiz.id}/attempts`, {})
    const answers = attempt.questions.map((q) => ({ question_id: q.id, keys: ['B'] }))
    await resident.call('POST', `/attempts/${attempt.attempt_id}/submit`, { answers }, { 'Idempotency-Key': `supervision-e2e-${i}-0001` })
  }
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

async function calm(page) {
  await page.locator('.van-toast').waitFor({ state: 'hidden' })
}

/** signedIn opens a browser page signed in as user, on a phone or a desktop. */
async function signedIn(user, device) {
  const client = apiClient(server.baseURL)
  let pair = await client.signIn(user.username, user.password)
  if (pair.must_change_password) {
    // A user an admin created changes the initial password at first sign-in.
    const changed = `${user.password}-x`
    await client.post('/me/password', { old_password: user.password, new_password: changed })
    user.password = changed
    pair = await client.signIn(user.username, changed)
  }
  const opened = await newPage(browser, server.baseURL, device)
  await adoptSession(opened.page, pair)
  return opened
}

const statusOf = (page) => page.locator('.wz-page-head [data-test="item-status"]').textContent()

test('the city hands out rectification items from the figures and closes one once the figures recover', { timeout: 300_000 }, async () => {
  const desk = await signedIn(CITY, DESKTOP)
  const phone = await signedIn(COUNTY, PHONE)
  const cityPage = desk.page
  const countyPage = phone.page

  // ---- The city: 知晓率 → 为未达标区域生成整改清单.
  await cityPage.goto('/staff/awareness')
  await cityPage.getByTestId('children-table').getByText('柯城区').waitFor()
  await cityPage.getByTestId('open-generate').click()
  const dialog = cityPage.getByTestId('generate-dialog')
  await dialog.waitFor()
  await shot(cityPage, 'supervision-generate-dialog')
  await dialog.getByTestId('generate-submit').click()
  await dialog.getByTestId('generated-items').waitFor()
  const generated = dialog.getByTestId('generated-items').locator('li')
  assert.ok((await generated.count()) >= 1)
  const kecheng = generated.filter({ hasText: '柯城区' })
  assert.equal(await kecheng.count(), 1, 'one item for 柯城区 (coverage)')
  assert.match(await kecheng.textContent(), /覆盖率/)
  await shot(cityPage, 'supervision-generated')
  // Running it again creates no duplicates.
  await dialog.getByRole('button', { name: '关闭' }).click()
  await cityPage.getByTestId('open-generate').click()
  await dialog.getByTestId('generate-submit').click()
  await dialog.getByTestId('generate-result').getByText('没有需要新交办的事项').waitFor()
  assert.match(await dialog.getByTestId('generate-result').textContent(), /未重复交办/)
  await dialog.getByRole('button', { name: '关闭' }).click()

  // ---- 柯城区 on a phone: the workbench's 督办待签收, 我的待办, accept.
  await countyPage.goto('/staff')
  await countyPage.getByTestId('todo-to_accept').getByTestId('todo-count').getByText('1').waitFor()
  await shot(countyPage, 'supervision-phone-workbench')
  await countyPage.getByTestId('todo-to_accept').click()
  await countyPage.waitForURL('**/staff/supervision**')
  const row = countyPage.getByTestId('items-table').locator('tbody tr').filter({ hasText: '柯城区' })
  await row.first().waitFor()
  assert.equal(await countyPage.getByTestId('items-table').locator('tbody tr[data-id]').count(), 1, 'the county sees only its own item')
  assert.match(await row.getByTestId('light').textContent(), /正常/)
  assert.match(await row.getByTestId('item-status').textContent(), /待签收/)
  await shot(countyPage, 'supervision-phone-todo')
  // On a phone the table is cards: no sideways scrolling.
  assert.ok(await countyPage.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'no horizontal scroll at 390 px')
  await row.getByRole('link').click()
  await countyPage.waitForURL(/\/staff\/supervision\/\d+$/)
  const itemPath = new URL(countyPage.url()).pathname
  await countyPage.getByTestId('timeline').getByText('交办', { exact: true }).waitFor()
  await shot(countyPage, 'supervision-phone-item')
  await countyPage.getByTestId('accept').click()
  await countyPage.getByTestId('report').waitFor()
  assert.equal(await statusOf(countyPage), '整改中')
  await calm(countyPage)

  // ---- More time: the county asks, the city agrees, the deadline moves.
  await countyPage.getByTestId('extension').click()
  const later = new Date(Date.now() + 45 * 86400e3)
  const localLater = `${later.getFullYear()}-${String(later.getMonth() + 1).padStart(2, '0')}-${String(later.getDate()).padStart(2, '0')}T17:30`
  await countyPage.getByTestId('extension-due').fill(localLater)
  await countyPage.getByTestId('step-text').locator('textarea').fill('需协调各乡镇集中开展入户宣传，申请延期半个月。')
  await countyPage.getByTestId('step-submit').click()
  await countyPage.getByTestId('pending-extension').waitFor()
  assert.equal(await countyPage.getByTestId('extension').count(), 0, 'one request at a time')
  await calm(countyPage)
  await shot(countyPage, 'supervision-phone-extension-asked')
  await cityPage.goto(itemPath)
  await cityPage.getByTestId('pending-extension').getByText('需协调各乡镇').waitFor()
  await shot(cityPage, 'supervision-desktop-extension-pending')
  await cityPage.getByTestId('extension-approve').click()
  await cityPage.getByTestId('pending-extension').waitFor({ state: 'detached' })
  assert.match(await cityPage.getByTestId('due-at').textContent(), new RegExp(localLater.slice(0, 10)))
  await countyPage.reload()
  await countyPage.getByTestId('timeline').getByText('同意延期', { exact: true }).waitFor()

  // ---- Report with a photo.
  await countyPage.getByTestId('report').click()
  await countyPage.getByTestId('step-text').locator('textarea').fill('已在府山街道组织两场反诈宣讲，入户发放宣传单 800 份，动员居民参与答题。')
  const photo = countyPage.getByTestId('photo')
  assert.equal(await photo.getAttribute('accept'), 'image/*')
  assert.equal(await photo.getAttribute('capture'), 'environment')
  await photo.setInputFiles({ name: '宣讲现场.png', mimeType: 'image/png', buffer: png() })
  await countyPage.getByTestId('chosen-files').getByText('宣讲现场.png').waitFor()
  await shot(countyPage, 'supervision-phone-report-form')
  await countyPage.getByTestId('step-submit').click()
  await countyPage.getByTestId('step-form').waitFor({ state: 'detached' })
  assert.equal(await statusOf(countyPage), '已反馈')
  await countyPage.getByTestId('timeline').getByText('宣讲现场.png').waitFor()
  await calm(countyPage)
  await shot(countyPage, 'supervision-phone-reported')

  // ---- The city returns it with a reason.
  await cityPage.goto('/staff/supervision?box=issued&status=reported')
  const issuedRow = cityPage.getByTestId('items-table').locator('tbody tr').filter({ hasText: '柯城区' })
  await issuedRow.first().waitFor()
  await shot(cityPage, 'supervision-desktop-issued')
  await cityPage.goto(itemPath)
  await cityPage.getByTestId('close').waitFor()
  await cityPage.getByTestId('return').click()
  await cityPage.getByTestId('step-submit').click()
  await cityPage.getByTestId('form-error').getByText('请填写理由').waitFor()
  await cityPage.getByTestId('step-text').locator('textarea').fill('请补充各社区的宣讲签到表和答题人数。')
  await cityPage.getByTestId('step-submit').click()
  await cityPage.getByTestId('timeline').getByText('请补充各社区的宣讲签到表和答题人数。').waitFor()
  assert.equal(await statusOf(cityPage), '整改中')
  await calm(cityPage)
  await shot(cityPage, 'supervision-desktop-returned')

  // ---- The county sees the reason and reports again.
  await countyPage.reload()
  await countyPage.getByTestId('timeline').getByText('请补充各社区的宣讲签到表和答题人数。').waitFor()
  await countyPage.getByTestId('report').click()
  await countyPage.getByTestId('step-text').locator('textarea').fill('已补充：8 个社区签到表，新增答题 2 人，详见附件。')
  await countyPage.getByTestId('step-submit').click()
  await countyPage.getByTestId('step-form').waitFor({ state: 'detached' })
  assert.equal(await statusOf(countyPage), '已反馈')
  await calm(countyPage)
  await shot(countyPage, 'supervision-phone-reported-again')

  // ---- The city tries to close: the figures still fall short.
  await cityPage.reload()
  await cityPage.getByTestId('close').click()
  const refusal = cityPage.getByTestId('form-error')
  await refusal.waitFor()
  assert.match(await refusal.textContent(), /未达标/)
  assert.equal(await statusOf(cityPage), '已反馈')
  await shot(cityPage, 'supervision-desktop-close-refused')

  // ---- The figures recover (the root admin lowers the coverage target), and the close goes through.
  const root = city()
  await root.signIn(CITY.username, CITY.password)
  await root.put('/assessment/rule', { ...RULE, target_coverage: 0.000001 })
  await cityPage.reload()
  await cityPage.getByTestId('close').click()
  await cityPage.getByTestId('timeline').getByText('销号', { exact: true }).waitFor()
  assert.equal(await statusOf(cityPage), '已销号')
  assert.equal(await cityPage.getByTestId('close').count(), 0)
  await calm(cityPage)
  await shot(cityPage, 'supervision-desktop-closed')

  await countyPage.reload()
  await countyPage.locator('.wz-page-head').getByTestId('light').getByText('已销号').waitFor()
  await shot(countyPage, 'supervision-phone-closed')

  for (const { problems } of [desk, phone]) assert.deepEqual(problems.filter((p) => !/status of 4\d\d/.test(p)), [])
  await desk.context.close()
  await phone.context.close()
})

test('a numbered notice is generated, kept and printed on A4', { timeout: 180_000 }, async () => {
  const { context, page, problems } = await signedIn(CITY, DESKTOP)
  await page.goto('/staff/notices')
  await page.getByTestId('notice-form').waitFor()
  await page.getByTestId('notice-generate').click()
  await page.waitForURL(/\/staff\/notices\/\d+$/)
  await page.getByTestId('notice-body').getByText('一、未达标区域').waitFor()
  const number = (await page.getByTestId('notice-body').textContent()).match(/\d{4}Q[1-4]-\d{3}/)?.[0]
  assert.ok(number, 'the notice has a number like 2026Q4-001')
  assert.match(number, /-001$/)
  await shot(page, 'supervision-notice-screen')

  await page.emulateMedia({ media: 'print' })
  assert.equal(await page.locator('.bar').isVisible(), false, 'the console bar is not printed')
  assert.equal(await page.getByTestId('print').isVisible(), false)
  await shot(page, 'supervision-notice-print-media')
  const pdf = await page.pdf({ format: 'A4', printBackground: true })
  await page.emulateMedia({ media: 'screen' })
  await mkdir(screenshotDir, { recursive: true })
  const pdfFile = path.join(screenshotDir, 'supervision-notice.pdf')
  await writeFile(pdfFile, pdf)
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-')
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page(?!s)/g) || []).length
  assert.ok(pages >= 1, `the PDF has pages (${pages})`)
  if (existsSync('/usr/bin/pdftotext')) {
    const text = execFileSync('pdftotext', ['-layout', pdfFile, '-']).toString()
    assert.ok(text.includes(number), `the PDF says ${number}`)
  }
  if (existsSync('/usr/bin/pdftoppm')) {
    execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', pdfFile, path.join(screenshotDir, 'supervision-notice-pdf')])
  }

  // The notice is kept: the list shows it, on a phone too.
  await page.goto('/staff/notices')
  await page.getByTestId('notices-table').getByText(number).waitFor()
  await shot(page, 'supervision-notices-list')
  assert.deepEqual(problems.filter((p) => !/status of 4\d\d/.test(p)), [])
  await context.close()

  const onPhone = await signedIn(CITY, PHONE)
  await onPhone.page.goto('/staff/notices')
  await onPhone.page.getByTestId('notices-table').getByText(number).click()
  await onPhone.page.getByTestId('notice-body').getByText(number).waitFor()
  await shot(onPhone.page, 'supervision-phone-notice')
  await onPhone.context.close()
})

test('the city keeps its member units and a unit liaison accepts an item addressed to the unit', { timeout: 180_000 }, async () => {
  const desk = await signedIn(CITY, DESKTOP)
  const page = desk.page
  await page.goto('/staff/units')
  await page.getByTestId('unit-name').locator('input').fill('中国移动衢州分公司')
  await page.getByTestId('unit-add').click()
  const row = page.getByTestId('units-table').locator('tbody tr').filter({ hasText: '中国移动衢州分公司' })
  await row.waitFor()
  await row.getByRole('button', { name: '改名' }).click()
  // While it is renamed the row holds the name in an input.
  const input = page.getByTestId('unit-rename-input')
  await input.fill('中国移动通信集团浙江有限公司衢州分公司')
  await page.getByTestId('units-table').getByRole('button', { name: '保存' }).click()
  const renamed = page.getByTestId('units-table').locator('tbody tr').filter({ hasText: '中国移动通信集团浙江有限公司衢州分公司' })
  await renamed.waitFor()
  await renamed.getByTestId('add-liaison').click()
  await renamed.getByLabel('联络员用户名').fill('yidong-lianluo')
  await renamed.getByLabel('初始密码').fill('Yidong-initial-2026')
  await renamed.getByRole('button', { name: '添加', exact: true }).click()
  await renamed.getByTestId('liaison-form').waitFor({ state: 'detached' })
  await calm(page)
  await shot(page, 'supervision-desktop-units')

  // The city hands an item to the unit.
  await page.goto('/staff/supervision/new')
  await page.getByTestId('target').getByRole('radio', { name: '成员单位' }).click()
  await page.getByTestId('item-unit').selectOption({ label: '中国移动通信集团浙江有限公司衢州分公司' })
  await page.getByTestId('item-title').locator('input').fill('涉诈电话卡清理整治')
  await page.getByTestId('item-detail').locator('textarea').fill('请对本季度涉诈高风险电话卡开展清理，反馈处置数量。')
  await shot(page, 'supervision-desktop-new-unit-item')
  await page.getByTestId('save').click()
  await page.waitForURL(/\/staff\/supervision\/\d+$/)
  const itemPath = new URL(page.url()).pathname
  await page.locator('.facts').getByText('责任单位').waitFor()
  await desk.context.close()

  // The liaison works on a phone.
  const liaison = { username: 'yidong-lianluo', password: 'Yidong-initial-2026' }
  const phone = await signedIn(liaison, PHONE)
  await phone.page.goto('/staff')
  await phone.page.getByTestId('count-to_accept').getByText('1').waitFor()
  await phone.page.getByTestId('console-role').getByText('成员单位联络员').waitFor()
  await phone.page.getByTestId('to-supervision').click()
  await phone.page.getByTestId('items-table').getByText('涉诈电话卡清理整治').click()
  await phone.page.waitForURL(`**${itemPath}`)
  await phone.page.getByTestId('accept').click()
  await phone.page.getByTestId('report').waitFor()
  await calm(phone.page)
  await shot(phone.page, 'supervision-phone-liaison-item')

  // The city sends the unit a notice on its items; the liaison opens it.
  const city = await signedIn(CITY, DESKTOP)
  await city.page.goto('/staff/notices')
  await city.page.getByTestId('notice-target').getByRole('radio', { name: '成员单位' }).click()
  await city.page.getByTestId('notice-unit').selectOption({ label: '中国移动通信集团浙江有限公司衢州分公司' })
  await city.page.getByTestId('notice-generate').click()
  await city.page.waitForURL(/\/staff\/notices\/\d+$/)
  await city.page.getByTestId('notice-body').getByText('涉诈电话卡清理整治').waitFor()
  const unitNumber = (await city.page.getByTestId('notice-body').textContent()).match(/\d{4}Q[1-4]-\d{3}/)?.[0]
  assert.ok(unitNumber, 'the unit notice has a number')
  await calm(city.page)
  await shot(city.page, 'supervision-desktop-unit-notice')
  assert.deepEqual(city.problems.filter((p) => !/status of 4\d\d/.test(p)), [])
  await city.context.close()
  await phone.page.goto('/staff/notices')
  await phone.page.getByTestId('notice-form').waitFor({ state: 'detached' })
  await phone.page.getByTestId('notices-table').getByText(unitNumber).click()
  await phone.page.getByTestId('notice-body').getByText('办理中 1 项').waitFor()
  await calm(phone.page)
  await shot(phone.page, 'supervision-phone-liaison-notice')
  assert.deepEqual(phone.problems.filter((p) => !/status of 4\d\d/.test(p)), [])
  await phone.context.close()
})
