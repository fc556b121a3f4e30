// 长辈版 to MIIT's age-friendly numbers, read-aloud, and the resident's own
// corner (我的). In elder mode the home, warning and quiz pages are measured
// from computed styles: main text at least 24 px (18 pt), headings larger,
// line spacing at least 1.3, every target at least 60×60 px, contrast of the
// main colours at least 4.5:1; the switch is visible on the home page. 朗读
// is checked against a stubbed speech engine that records what it is asked
// to say. 我的 shows the tab bar, a quiz made invalid by answering too fast
// with its reason in plain words, and closes the account after confirming.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { startServer } from './server.mjs'
import path from 'node:path'
import { launchBrowser, newPage, PHONE, screenshotDir, shot } from './browser.mjs'
import { adoptSession, apiClient, approvedQuestions, publishedQuiz } from './api.mjs'

const EDITOR = { username: 'zhanglao-bianji', password: 'Zhanglao-bianji-2026', role: 'editor', area: '330800' }
const REVIEWER = { username: 'zhanglao-shenhe', password: 'Zhanglao-shenhe-2026', role: 'reviewer', area: '330800' }
const PHONE_NO = '13900006060'
const STEM = '陌生人打电话说您的医保卡被冻结，要您把钱转到指定账户，这样做对吗？'

let server
let browser
let quickQuiz
let slowQuiz
let warningId
let pair

const tf = (stem, fraudType) => ({
  kind: 'true_false',
  stem,
  options: [
    { key: 'A', text: '正确' },
    { key: 'B', text: '错误' },
  ],
  answer: ['B'],
  explanation: '医保、社保部门不会打电话让您转账，遇到这种电话请挂断并拨打 96110。',
  fraud_type: fraudType,
  difficulty: 1,
  age_bands: [],
})

before(async () => {
  server = await startServer()
  for (const u of [EDITOR, REVIEWER]) await server.addUser(u)
  browser = await launchBrowser()
  const feed = await (await fetch(`${server.baseURL}/api/v1/feed?limit=1`)).json()
  warningId = feed.items[0].id

  const editor = apiClient(server.baseURL)
  await editor.signIn(EDITOR.username, EDITOR.password)
  const reviewer = apiClient(server.baseURL)
  await reviewer.signIn(REVIEWER.username, REVIEWER.password)
  const stems = [STEM, '收到“退休金上调”短信，点开链接填写银行卡号就能领钱。', '买保健品“免费体验”后被要求高价购买，这是正常销售。']
  const ids = await approvedQuestions(editor, reviewer, stems.map((s, i) => tf(s, ['elderly', 'other', 'elderly'][i])))
  const quiz = async (title, minSeconds) =>
    (await publishedQuiz(editor, {
      title,
      description: '三道判断题，60 分及格。',
      max_attempts: 3,
      core_question_ids: ids,
      min_seconds_per_question: minSeconds,
      counts_for_awareness: false,
    })).id
  quickQuiz = await quiz('长者反诈小问答', 0)
  slowQuiz = await quiz('认真答题才算数', 5)

  // A 60+ resident who answered the second quiz in a second: invalid.
  const resident = apiClient(server.baseURL)
  pair = await resident.signInResident(server, PHONE_NO)
  await resident.put('/me/profile', { age_band: '60p', occupation: 'retiree', grid_code: '330802001001001', consent: true })
  const st = await resident.post(`/quizzes/${slowQuiz}/attempts`, {})
  const answers = st.questions.map((q) => ({ question_id: q.id, keys: ['B'] }))
  await resident.call('POST', `/attempts/${st.attempt_id}/submit`, { answers }, { 'Idempotency-Key': 'fast-1' })
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

/** shots saves the whole page and, to look at, the first screen of it. */
async function shots(page, name) {
  await shot(page, name)
  await page.screenshot({ path: path.join(screenshotDir, `${name}-screen.png`) })
}

/** stubSpeech records every utterance instead of speaking it. */
function stubSpeech() {
  window.__spoken = []
  class Utterance {
    constructor(text) {
      this.text = text
      this.lang = ''
    }
  }
  window.SpeechSynthesisUtterance = Utterance
  Object.defineProperty(window, 'speechSynthesis', {
    value: { speak: (u) => window.__spoken.push({ text: u.text, lang: u.lang }), cancel() {}, speaking: false },
  })
}

/** measure reads elder mode's numbers off the page, naming what falls short. */
function measure() {
  const visible = (el) => {
    const r = el.getBoundingClientRect()
    const cs = getComputedStyle(el)
    return r.width > 0 && r.height > 0 && cs.visibility !== 'hidden' && !el.closest('.sr-only,[aria-hidden="true"]')
  }
  const px = (v) => parseFloat(v)
  const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number)
  const lum = ([r, g, b]) => {
    const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b)
  }
  // The colours behind an element: those of the first ancestor with an
  // opaque background colour or a gradient (every stop of it).
  const bgsOf = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const cs = getComputedStyle(e)
      if (cs.backgroundImage.includes('gradient')) {
        const stops = cs.backgroundImage.match(/rgba?\([^)]*\)/g) || []
        if (stops.length) return stops.map((c) => rgb(c).slice(0, 3))
      }
      const c = rgb(cs.backgroundColor)
      if (c.length >= 3 && (c.length < 4 || c[3] === 1)) return [c.slice(0, 3)]
    }
    return [[255, 255, 255]]
  }
  const contrast = (el) => {
    const a = lum(rgb(getComputedStyle(el).color).slice(0, 3))
    return Math.min(...bgsOf(el).map((bg) => {
      const b = lum(bg)
      return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)
    }))
  }
  const label = (el) => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')} "${(el.textContent || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 20)}"`
  const out = { small: [], flat: [], headings: [], targets: [], lowContrast: [], checkedText: 0, checkedTargets: 0 }
  const main = document.querySelector('.wz-page')
  for (const el of main.querySelectorAll('*')) {
    if (!visible(el) || el.closest('svg')) continue
    const ownText = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())
    if (!ownText) continue
    const cs = getComputedStyle(el)
    out.checkedText++
    const size = px(cs.fontSize)
    if (/^H[1-3]$/.test(el.tagName)) {
      if (size <= 24) out.headings.push(`${label(el)} ${size}px`)
    } else if (size < 24) out.small.push(`${label(el)} ${size}px`)
    const lh = cs.lineHeight === 'normal' ? 1.2 : px(cs.lineHeight) / size
    if (lh < 1.3 - 1e-6 && el.getBoundingClientRect().height >= size) out.flat.push(`${label(el)} ${lh.toFixed(2)}`)
    if (contrast(el) < 4.5) out.lowContrast.push(`${label(el)} ${contrast(el).toFixed(2)}`)
  }
  const targets = 'a[href], button, input, select, textarea, [role="switch"], [role="radio"], [role="checkbox"]'
  for (const el of document.querySelectorAll(targets)) {
    if (!visible(el)) continue
    const box = (el.matches('[role="switch"]') && el.closest('label')) || el
    const r = box.getBoundingClientRect()
    out.checkedTargets++
    if (r.width < 60 - 0.5 || r.height < 60 - 0.5) out.targets.push(`${label(el)} ${Math.round(r.width)}×${Math.round(r.height)}`)
  }
  // The main colours: body text on the page, and the primary button's text on its fill.
  const body = document.body
  const primary = document.querySelector('.van-button--primary')
  out.colours = {
    text: contrast(body),
    primaryButton: primary ? contrast(primary) : null,
  }
  return out
}

function assertElder(m, where) {
  assert.ok(m.checkedText > 10 && m.checkedTargets > 2, `${where}: measured ${m.checkedText} texts, ${m.checkedTargets} targets`)
  assert.deepEqual(m.small, [], `${where}: text under 24 px`)
  assert.deepEqual(m.headings, [], `${where}: headings not above 24 px`)
  assert.deepEqual(m.flat, [], `${where}: line spacing under 1.3`)
  assert.deepEqual(m.targets, [], `${where}: targets under 60×60 px`)
  assert.deepEqual(m.lowContrast, [], `${where}: contrast under 4.5:1`)
  assert.ok(m.colours.text >= 4.5, `${where}: body text contrast ${m.colours.text}`)
  if (m.colours.primaryButton !== null) assert.ok(m.colours.primaryButton >= 4.5, `${where}: primary button contrast ${m.colours.primaryButton}`)
}

async function elderPage(signedIn) {
  const rs = await newPage(browser, server.baseURL, PHONE)
  await rs.context.addInitScript(stubSpeech)
  await rs.context.addInitScript(() => localStorage.setItem('wuzha.largeText', '1'))
  if (signedIn) await adoptSession(rs.page, pair)
  return rs
}

test('长辈版 meets the age-friendly numbers on home, warning and quiz, and reads aloud', { timeout: 180_000 }, async () => {
  // Signed out: the home page with its visible 长辈版 switch.
  const out = await elderPage(false)
  await out.page.goto('/')
  const sw = out.page.getByRole('switch', { name: '长辈版' })
  await sw.waitFor()
  assert.equal(await sw.getAttribute('aria-checked'), 'true')
  await out.page.getByTestId('feed-card').first().waitFor()
  assertElder(await out.page.evaluate(measure), 'home (signed out)')
  await shots(out.page, 'elder-home-signed-out')
  await out.context.close()

  const { page, context, problems } = await elderPage(true)
  await page.goto('/')
  await page.getByTestId('greeting').getByTestId('phone-masked').waitFor()
  await page.getByTestId('feed-card').first().waitFor()
  assertElder(await page.evaluate(measure), 'home')
  await shots(page, 'elder-home')

  await page.goto(`/warnings/${warningId}`)
  const title = (await page.getByTestId('warning-title').textContent()).trim()
  assertElder(await page.evaluate(measure), 'warning')
  await shots(page, 'elder-warning')
  await page.getByTestId('read-aloud').click()
  let spoken = await page.evaluate(() => window.__spoken)
  assert.equal(spoken.length, 1)
  assert.ok(spoken[0].text.includes(title), `read aloud: ${spoken[0].text.slice(0, 60)}`)
  assert.equal(spoken[0].lang, 'zh-CN')

  await page.goto(`/quizzes/${quickQuiz}/take`)
  await page.getByTestId('start-quiz').waitFor()
  assertElder(await page.evaluate(measure), 'quiz intro')
  await page.getByTestId('start-quiz').click()
  await page.getByTestId('stem').waitFor()
  // Answer until the question we know is on screen, then read it.
  for (let i = 0; i < 3 && !(await page.getByTestId('stem').textContent()).includes('医保卡'); i++) {
    await page.getByTestId('question').getByRole('radio', { name: '错误' }).click()
    await page.getByRole('button', { name: '下一题' }).click()
  }
  assertElder(await page.evaluate(measure), 'quiz question')
  await shots(page, 'elder-quiz')
  await page.getByTestId('question').getByTestId('read-aloud').click()
  spoken = await page.evaluate(() => window.__spoken)
  const last = spoken.at(-1)
  assert.ok(last.text.includes(STEM), `read aloud: ${last.text}`)
  assert.ok(last.text.includes('错误'), 'the options are read too')
  assert.equal(last.lang, 'zh-CN')
  assert.deepEqual(problems, [])
  await context.close()
})

test('我的: tab bar, my quizzes with the plain reason of an invalid one, and closing the account', { timeout: 120_000 }, async () => {
  for (const elder of [false, true]) {
    const rs = await newPage(browser, server.baseURL, PHONE)
    if (elder) await rs.context.addInitScript(() => localStorage.setItem('wuzha.largeText', '1'))
    await adoptSession(rs.page, pair)
    const { page } = rs
    await page.goto('/')
    await page.getByTestId('tab-bar').waitFor()
    const tabs = await page.getByTestId('tab-bar').getByRole('link').allTextContents()
    assert.deepEqual(tabs.map((t) => t.trim()), ['首页', '学习', '答题', '我的'])
    await page.getByTestId('join-code-box').waitFor()
    await shots(page, `corner-home${elder ? '-elder' : ''}`)
    await page.getByTestId('tab-learn').click()
    await page.getByTestId('feed-card').first().waitFor()
    await shots(page, `corner-learn${elder ? '-elder' : ''}`)
    await page.getByTestId('tab-quizzes').click()
    await page.getByTestId('join-code-box').waitFor()
    await page.getByText('长者反诈小问答').first().waitFor()
    await shots(page, `corner-quizzes${elder ? '-elder' : ''}`)
    // A warning, forwarded (no share sheet here: the link is copied) and saved as a picture.
    await rs.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.baseURL })
    await page.goto(`/warnings/${warningId}`)
    await page.getByTestId('share').click()
    assert.match(await page.getByTestId('share-note').textContent(), /链接已复制/)
    const copied = await page.evaluate(() => navigator.clipboard.readText())
    assert.ok(copied.endsWith(`/warnings/${warningId}`), copied)
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save-picture').click()])
    assert.equal(download.suggestedFilename(), `防骗预警-${warningId}.png`)
    await page.getByTestId('share').scrollIntoViewIfNeeded()
    await page.screenshot({ path: path.join(screenshotDir, `corner-warning-share${elder ? '-elder' : ''}-screen.png`) })
    await page.goto('/')
    await page.getByTestId('feed-card').first().waitFor()
    await page.getByTestId('tab-me').click()
    const invalid = page.getByTestId('my-attempt').filter({ hasText: '认真答题才算数' })
    await invalid.waitFor()
    assert.match(await invalid.getByTestId('my-attempt-outcome').textContent(), /成绩无效/)
    assert.match(await invalid.getByTestId('my-attempt-reason').textContent(), /用时过短.*慢一点/)
    await shots(page, `corner-me${elder ? '-elder' : ''}`)
    if (elder) assertElder(await page.evaluate(measure), '我的')
    await rs.context.close()
  }

  // A forwarded link previews in chats: the warning's title and the share picture.
  const html = await (await fetch(`${server.baseURL}/warnings/${warningId}`)).text()
  assert.match(html, /<meta property="og:title" content="[^"]+"/)
  assert.match(html, /<meta property="og:image" content="[^"]+\/share\.png"/)
  assert.equal((await fetch(`${server.baseURL}/share.png`)).headers.get('content-type'), 'image/png')

  // The join-code box on the invalid-link page leads to a join page.
  const rs = await newPage(browser, server.baseURL, PHONE)
  await rs.page.goto('/join/1234567890')
  await rs.page.getByTestId('join-error').waitFor()
  await rs.page.getByTestId('join-code-input').fill('12')
  await rs.page.getByTestId('join-code-go').click()
  await rs.page.getByTestId('join-code-error').waitFor()
  await shots(rs.page, 'corner-join-invalid')
  await rs.context.close()

  // 注销账户: a clear confirmation first; cancelling keeps the account.
  const { page, context } = await newPage(browser, server.baseURL, PHONE)
  await adoptSession(page, pair)
  await page.goto('/me')
  await page.getByTestId('close-start').click()
  await page.getByTestId('close-confirm').waitFor()
  await page.waitForTimeout(600) // the smooth scroll to the confirmation
  assert.match(await page.getByTestId('close-account').textContent(), /手机号.*删除[\s\S]*全新的账户/)
  await page.screenshot({ path: path.join(screenshotDir, 'corner-close-confirm-screen.png') })
  await page.getByTestId('close-cancel').click()
  await page.getByTestId('close-start').click()
  await page.getByTestId('close-confirm').click()
  await page.getByTestId('account-closed').waitFor()
  assert.equal(new URL(page.url()).pathname, '/')
  const res = await fetch(`${server.baseURL}/api/v1/me`, { headers: { Authorization: `Bearer ${pair.access_token}` } })
  assert.equal(res.status, 401, 'the old sign-in is revoked')
  await shots(page, 'corner-closed')
  await context.close()
})
