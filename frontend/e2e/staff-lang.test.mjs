// The console speaks the staff's language: warnings are linked by picking
// them from a search, not by typing ids; the audit log reads in Chinese;
// an editor puts an uploaded picture into a warning and residents see it;
// and on a 390 px phone every table is a stack of cards.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { startServer } from './server.mjs'
import { DESKTOP, launchBrowser, newPage, PHONE, shot } from './browser.mjs'
import { adoptSession, apiClient } from './api.mjs'

const EDITOR = { username: 'bianji01', password: 'Bianji-pass-2026', role: 'editor', area: '330802' }
const REVIEWER = { username: 'shenhe02', password: 'Shenhe-pass-2026', role: 'reviewer', area: '330802' }
const ADMIN = { username: 'lianban02', password: 'Lianban-pass-2026', role: 'admin', area: '330800' }
const LINKED_TITLE = '冒充快递理赔的电话都是诈骗'

let server
let browser
let editor
let editorPair
let reviewer
let adminPair
let linkedId
let questionId

before(async () => {
  server = await startServer()
  for (const u of [EDITOR, REVIEWER, ADMIN]) await server.addUser(u)
  browser = await launchBrowser()
  editor = apiClient(server.baseURL)
  editorPair = await editor.signIn(EDITOR.username, EDITOR.password)
  reviewer = apiClient(server.baseURL)
  await reviewer.signIn(REVIEWER.username, REVIEWER.password)
  adminPair = await apiClient(server.baseURL).signIn(ADMIN.username, ADMIN.password)

  const body = '### 识别要点\n\n快递丢件由快递公司通过官方渠道联系理赔，**不会**让你下载会议软件、共享屏幕。'
  for (const title of [LINKED_TITLE, '快递员上门送“礼品”要你扫码']) {
    const w = await editor.post('/warnings', { title, summary: `${title}。挂断后拨打官方电话核实。`, body_markdown: body, fraud_type: 'cs_impersonation' })
    await editor.post(`/warnings/${w.id}/submit`)
    await reviewer.post(`/warnings/${w.id}/approve`)
    if (title === LINKED_TITLE) linkedId = w.id
  }
  const q = await editor.post('/questions', {
    kind: 'single',
    stem: '自称快递客服说包裹丢了要给您理赔，让您下载会议软件共享屏幕，您应该？',
    options: [
      { key: 'A', text: '按对方说的操作' },
      { key: 'B', text: '挂断后通过快递公司官方电话核实' },
    ],
    answer: ['B'],
    explanation: '正规理赔不需要共享屏幕，更不会要您转账。',
    fraud_type: 'cs_impersonation',
    difficulty: 1,
  })
  questionId = q.id
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

const unexpected = (problems) => problems.filter((p) => !/Failed to load resource/.test(p))

test('an editor links a warning to a question by searching for it', { timeout: 90_000 }, async () => {
  const { page, problems, context } = await newPage(browser, server.baseURL, DESKTOP)
  await adoptSession(page, editorPair)
  await page.goto(`/staff/questions/${questionId}/edit`)
  const field = page.getByTestId('warning-ids')
  await field.waitFor()
  assert.equal(await field.getByTestId('picker-chosen').count(), 0)

  await page.getByTestId('warning-ids-open').click()
  await page.getByTestId('warning-ids-search').locator('input').fill('理赔')
  const option = page.getByTestId('warning-ids-option').filter({ hasText: LINKED_TITLE })
  await option.waitFor()
  // Only what the search matched: the other warning has no 理赔 in its title.
  await page.waitForFunction(() => document.querySelectorAll('[data-test="warning-ids-option"]').length === 1)
  await shot(page, 'lang-picker-open')
  await option.click()
  await page.getByTestId('warning-ids-confirm').click()
  await field.getByTestId('picker-chosen').filter({ hasText: LINKED_TITLE }).waitFor()
  await page.getByTestId('save-question').click()
  await page.getByText('所有修改已保存').waitFor()

  const saved = await editor.get(`/questions/${questionId}`)
  assert.deepEqual(saved.warning_ids, [linkedId])

  // After a reload the link reads as the warning's title, not its number.
  await page.reload()
  await field.getByTestId('picker-chosen').filter({ hasText: LINKED_TITLE }).waitFor()
  assert.equal(await field.getByTestId('picker-chosen').count(), 1)
  await shot(page, 'lang-picker-saved')
  assert.deepEqual(unexpected(problems), [])
  await context.close()
})

test('an editor puts an uploaded picture into a warning and residents see it', { timeout: 120_000 }, async () => {
  const { page, problems, context } = await newPage(browser, server.baseURL, DESKTOP)
  await adoptSession(page, editorPair)
  // A real PNG to upload: a picture of the console itself.
  await page.goto('/staff')
  const picture = await page.screenshot({ clip: { x: 0, y: 0, width: 640, height: 360 } })

  await page.goto('/staff/warnings/new')
  const title = '网购退款诈骗：看清这张聊天截图'
  await page.getByTestId('title').locator('input').fill(title)
  await page.getByTestId('summary').locator('textarea').fill('骗子冒充客服以“退款”为名，引导下载软件、共享屏幕。看图认清骗子的话术。')
  const body = page.getByTestId('body').locator('textarea')
  await body.fill('### 骗子的话术\n\n下面是受害人手机上的聊天记录：')
  // The toolbar formats the text; the picture goes in where the cursor is.
  await page.getByRole('toolbar', { name: '正文格式' }).waitFor()
  await page.getByTestId('image-file').setInputFiles({ name: '聊天截图.png', mimeType: 'image/png', buffer: picture })
  await page.waitForFunction(() => /!\[聊天截图\]\(\/api\/v1\/images\/[0-9a-f]{64}\.png\)/.test(document.querySelector('[data-test="body"] textarea').value))
  await body.press('End')
  await page.getByRole('radiogroup', { name: '诈骗类型' }).getByRole('radio').first().click()
  // Areas are found by typing part of their name, too.
  await page.getByTestId('target-area-field').click()
  await page.getByTestId('target-area-search').locator('input').fill('府山')
  await page.getByTestId('target-area-found').filter({ hasText: '府山街道' }).first().click()
  await page.getByTestId('area-target').getByText('府山街道').waitFor()
  await shot(page, 'lang-editor-toolbar')
  await page.getByRole('tab', { name: '预览' }).click()
  await page.getByTestId('preview').locator('img').waitFor()
  await shot(page, 'lang-editor-image')
  await page.getByRole('tab', { name: '编辑' }).click()
  await page.getByTestId('save').click()
  await page.waitForURL(/\/staff\/warnings\/\d+\/edit$/)
  const id = Number(/warnings\/(\d+)\/edit$/.exec(page.url())[1])

  // On a phone the toolbar wraps inside the page.
  const phone = await newPage(browser, server.baseURL, PHONE)
  await adoptSession(phone.page, editorPair)
  await phone.page.goto(`/staff/warnings/${id}/edit`)
  await phone.page.getByRole('toolbar', { name: '正文格式' }).getByTestId('insert-image').waitFor()
  const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
  assert.ok(overflow <= 1, `the editor scrolls sideways by ${overflow} px on a phone`)
  await shot(phone.page, 'lang-editor-phone')
  await phone.context.close()

  await editor.post(`/warnings/${id}/submit`)
  await reviewer.post(`/warnings/${id}/approve`)
  assert.deepEqual(unexpected(problems), [])
  await context.close()

  // A resident (signed out) reads it on a phone; the picture loads.
  const res = await newPage(browser, server.baseURL, PHONE)
  await res.page.goto(`/warnings/${id}`)
  const img = res.page.getByTestId('warning-body').locator('img')
  await img.waitFor()
  await res.page.waitForFunction(() => {
    const el = document.querySelector('[data-test="warning-body"] img')
    return el && el.complete && el.naturalWidth > 0
  })
  const src = await img.getAttribute('src')
  assert.match(src, /^\/api\/v1\/images\/[0-9a-f]{64}\.png$/)
  const box = await img.boundingBox()
  assert.ok(box.width <= 390, `the picture is ${box.width} px wide on a 390 px phone`)
  await shot(res.page, 'lang-resident-image')
  assert.deepEqual(unexpected(res.problems), [])
  await res.context.close()
})

test('the audit log reads in Chinese', { timeout: 90_000 }, async () => {
  for (const [device, name] of [
    [DESKTOP, 'lang-audit-desktop'],
    [PHONE, 'lang-audit-phone'],
  ]) {
    const { page, problems, context } = await newPage(browser, server.baseURL, device)
    await adoptSession(page, adminPair)
    await page.goto('/staff/audit')
    const table = page.getByTestId('audit-table')
    await table.getByText('登录').first().waitFor()
    await table.getByText('预警审核通过').first().waitFor()
    await table.getByText(`用户 ${EDITOR.username}`).first().waitFor() // a user created by the command line
    const text = await table.innerText()
    assert.doesNotMatch(text, /auth\.login|user\.create|warning\.approve/, 'raw action names')
    assert.doesNotMatch(text, /\buser:\d+|warning:\d+/, 'raw targets')
    assert.doesNotMatch(text, /[{}]|"\w+":/, 'raw JSON')
    assert.match(text, /角色：宣传编辑/)
    assert.match(text, /柯城区/) // areas by name

    // The filter lists actions by name.
    await page.getByTestId('audit-action').selectOption({ label: '新建预警' })
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-test="audit-action-name"]')]
      return rows.length > 0 && rows.every((r) => r.textContent.trim() === '新建预警')
    })
    await shot(page, name)
    assert.deepEqual(unexpected(problems), [])
    await context.close()
  }
})

test('on a 390 px phone the console tables are cards', { timeout: 120_000 }, async () => {
  const pages = [
    [adminPair, '/staff/audit', 'audit-table'],
    [adminPair, '/staff/users', 'users-table'],
    [adminPair, '/staff/assessment', 'assessment-table'],
    [editorPair, '/staff/warnings', null],
    [editorPair, '/staff/questions', null],
    [editorPair, `/staff/warnings/${linkedId}`, 'versions'],
  ]
  for (const [pair, path, testId] of pages) {
    const { page, problems, context } = await newPage(browser, server.baseURL, PHONE)
    await adoptSession(page, pair)
    await page.goto(path)
    const table = testId ? page.getByTestId(testId) : page.locator('table').first()
    await table.locator('tbody tr td').first().waitFor()
    await page.waitForTimeout(300)
    const found = await page.evaluate(() => {
      const cells = [...document.querySelectorAll('main table td, main table th')].filter((c) => c.getClientRects().length && c.textContent.trim())
      return {
        tables: document.querySelectorAll('main table').length,
        narrow: cells.filter((c) => c.getBoundingClientRect().width < 40).map((c) => c.textContent.trim().slice(0, 12)),
        unlabelled: [...document.querySelectorAll('main table tbody td')].filter((c) => c.getClientRects().length && !c.hasAttribute('colspan') && !c.dataset.label).length,
        cards: [...document.querySelectorAll('main table tbody td[data-label]')].filter((c) => getComputedStyle(c, '::before').content.includes(c.dataset.label)).length,
        overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
      }
    })
    assert.ok(found.tables > 0, `${path}: no table`)
    assert.deepEqual(found.narrow, [], `${path}: cells narrower than 40 px`)
    assert.equal(found.unlabelled, 0, `${path}: cells without a label`)
    assert.ok(found.cards > 0, `${path}: no card lines`)
    assert.ok(found.overflow <= 1, `${path}: the page scrolls sideways by ${found.overflow} px`)
    await shot(page, `lang-phone${path.replaceAll('/', '-')}`)
    assert.deepEqual(unexpected(problems), [])
    await context.close()
  }
})
