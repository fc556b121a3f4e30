// Nothing a user typed is ever executed in another user's browser. An editor
// writes, and a reviewer publishes, warnings whose title, summary and body
// carry script-injection attempts (e2e/xss-payloads.mjs); then a resident
// reads the feed and every one of those warnings, and staff open them in the
// console (list, detail, editor with preview). On every page: no dialog, no
// window.__xss, no event-handler attribute, no frame, no script URL, no
// console error and no CSP violation.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { startServer } from './server.mjs'
import { DESKTOP, launchBrowser, newPage, PHONE, shot } from './browser.mjs'
import { adoptSession, apiClient } from './api.mjs'
import { XSS_PAYLOADS } from './xss-payloads.mjs'

const EDITOR = { username: 'xss-editor', password: 'Editor-pass-2026', role: 'editor', area: '330802' }
const REVIEWER = { username: 'xss-reviewer', password: 'Review-pass-2026', role: 'reviewer', area: '330802' }

let server
let browser
const published = [] // {id, n, payload}

before(async () => {
  server = await startServer()
  await server.addUser(EDITOR)
  await server.addUser(REVIEWER)
  browser = await launchBrowser()

  // Write and publish one warning per payload, through the API.
  const editor = apiClient(server.baseURL)
  await editor.signIn(EDITOR.username, EDITOR.password)
  const reviewer = apiClient(server.baseURL)
  await reviewer.signIn(REVIEWER.username, REVIEWER.password)
  for (const [i, payload] of XSS_PAYLOADS.entries()) {
    const n = i + 1
    const d = await editor.post('/warnings', {
      title: `XSS ${n}：${payload}`.slice(0, 100),
      summary: `摘要 ${n}：${payload}`.slice(0, 300),
      body_markdown: `### 载荷 ${n}\n\n${payload}\n\n正文里的载荷：${payload}\n\n- 列表里的载荷：${payload}\n\n> 引用里的载荷：${payload}\n`,
      fraud_type: 'other',
      age_bands: [],
      occupations: [],
      area_codes: [],
    })
    await editor.post(`/warnings/${d.id}/submit`)
    await reviewer.post(`/warnings/${d.id}/approve`)
    published.push({ id: d.id, n, payload })
  }
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

/**
 * watchedPage opens a page that records dialogs and CSP violations besides
 * the console errors newPage already records.
 */
async function watchedPage(device) {
  const opened = await newPage(browser, server.baseURL, device)
  await opened.context.addInitScript(() => {
    window.__csp = []
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`))
  })
  const dialogs = []
  opened.page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`)
    dialog.dismiss().catch(() => {})
  })
  return { ...opened, dialogs }
}

/** inspect looks for anything that executed or could execute on the page. */
function inspect(page) {
  return page.evaluate(() => {
    const safeProtocols = ['http:', 'https:', 'mailto:', 'tel:']
    const all = [...document.querySelectorAll('*')]
    return {
      xss: window.__xss,
      // A long unbroken payload must not stretch the page sideways.
      tooWide: document.documentElement.scrollWidth > document.documentElement.clientWidth + 1,
      csp: window.__csp || [],
      handlers: all.flatMap((el) => [...el.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${el.tagName} ${a.name}`)),
      embedded: [...document.querySelectorAll('iframe, frame, object, embed, base, meta[http-equiv], applet')].map((el) => el.outerHTML),
      scripts: [...document.scripts].filter((s) => !/^\/assets\/[\w.-]+\.js$/.test(s.getAttribute('src') || '')).map((s) => s.outerHTML),
      urls: [...document.querySelectorAll('a[href], area[href], [xlink\\:href], form[action]')]
        .map((el) => el.href?.baseVal ?? el.href ?? el.getAttribute('xlink:href') ?? el.action)
        .filter((href) => {
          try {
            return !safeProtocols.includes(new URL(href, location.href).protocol)
          } catch {
            return true
          }
        }),
      bodyMarkup: [...document.querySelectorAll('[data-test="warning-body"]')].flatMap((el) =>
        [...el.querySelectorAll('script, style, img, svg, math, form, input, button, video, audio, source, iframe, object, embed, link, meta')].map((x) => x.tagName),
      ),
    }
  })
}

async function assertClean(opened, where) {
  const found = await inspect(opened.page)
  assert.equal(found.xss, undefined, `${where}: window.__xss was set`)
  assert.deepEqual(opened.dialogs, [], `${where}: a dialog opened`)
  assert.deepEqual(found.csp, [], `${where}: CSP violations`)
  assert.deepEqual(found.handlers, [], `${where}: event-handler attributes`)
  assert.deepEqual(found.embedded, [], `${where}: frames or embedded objects`)
  assert.deepEqual(found.scripts, [], `${where}: scripts other than the app's`)
  assert.deepEqual(found.urls, [], `${where}: links with unsafe schemes`)
  assert.deepEqual(found.bodyMarkup, [], `${where}: active markup inside a warning body`)
  assert.deepEqual(opened.problems, [], `${where}: console errors`)
  assert.equal(found.tooWide, false, `${where}: the page is wider than the screen`)
}

test(`at least 30 payloads are published`, () => {
  assert.ok(XSS_PAYLOADS.length >= 30, `${XSS_PAYLOADS.length} payloads`)
  assert.equal(published.length, XSS_PAYLOADS.length)
})

test('a resident reads the feed and every warning without anything executing', { timeout: 240_000 }, async () => {
  const resident = apiClient(server.baseURL)
  const pair = await resident.signInResident(server, '13700007777')
  const opened = await watchedPage(PHONE)
  const { page } = opened
  await adoptSession(page, pair)

  // The feed, page by page, until every payload's card has been shown.
  await page.goto('/')
  const cards = page.getByTestId('feed-card')
  await cards.first().waitFor()
  const wanted = new Set(published.map((w) => `/warnings/${w.id}`))
  for (let i = 0; i < 20; i++) {
    const hrefs = await cards.evaluateAll((els) => els.map((a) => a.getAttribute('href')))
    if ([...wanted].every((h) => hrefs.includes(h))) break
    const more = page.getByTestId('feed-more')
    assert.ok(await more.isVisible(), `the feed ended before every warning was listed (${hrefs.length} cards)`)
    const count = hrefs.length
    await more.click()
    await page.waitForFunction((n) => document.querySelectorAll('[data-test="feed-card"]').length > n, count)
  }
  const hrefs = await cards.evaluateAll((els) => els.map((a) => a.getAttribute('href')))
  for (const h of wanted) assert.ok(hrefs.includes(h), `${h} is in the feed`)
  // The payloads show as text.
  await page.getByTestId('feed-card').filter({ hasText: 'XSS 7：' }).first().waitFor()
  await assertClean(opened, 'feed')
  await shot(page, 'xss-feed')

  for (const w of published) {
    await page.goto(`/warnings/${w.id}`)
    await page.getByTestId('warning-title').getByText(`XSS ${w.n}：`).waitFor()
    await page.getByTestId('warning-body').getByRole('heading', { name: `载荷 ${w.n}` }).waitFor()
    await page.getByTestId('ack').waitFor()
    await assertClean(opened, `warning ${w.n} (${w.payload})`)
  }

  // Acknowledging one and reading the history (titles again) stays clean too.
  await page.goto(`/warnings/${published[6].id}`)
  await shot(page, 'xss-warning')
  await page.getByTestId('ack').click()
  await page.getByTestId('acked').waitFor()
  await page.goto('/acks')
  await page.getByTestId('acks-list').getByText('XSS 7：').waitFor()
  await assertClean(opened, 'acks')
  await opened.context.close()
})

test('staff open the same warnings in the console without anything executing', { timeout: 300_000 }, async () => {
  // The reviewer: the list (titles) and each warning's detail (rendered body).
  const rv = await watchedPage(DESKTOP)
  const reviewer = apiClient(server.baseURL)
  await adoptSession(rv.page, await reviewer.signIn(REVIEWER.username, REVIEWER.password))
  await rv.page.goto('/staff/warnings')
  const rows = rv.page.getByTestId('warnings-table').locator('tbody tr[data-id]')
  await rows.first().waitFor()
  while (await rv.page.getByTestId('more').isVisible()) {
    const count = await rows.count()
    await rv.page.getByTestId('more').click()
    await rv.page.waitForFunction((n) => document.querySelectorAll('[data-test="warnings-table"] tbody tr[data-id]').length > n, count)
  }
  assert.equal(await rows.count(), published.length)
  await assertClean(rv, 'staff list')
  await shot(rv.page, 'xss-staff-list')

  for (const w of published) {
    await rv.page.goto(`/staff/warnings/${w.id}`)
    await rv.page.getByTestId('view-title').getByText(`XSS ${w.n}：`).waitFor()
    await rv.page.getByTestId('warning-body').getByRole('heading', { name: `载荷 ${w.n}` }).waitFor()
    await assertClean(rv, `staff view ${w.n} (${w.payload})`)
  }
  await rv.page.goto(`/staff/warnings/${published[6].id}`)
  await rv.page.getByTestId('warning-body').waitFor()
  await shot(rv.page, 'xss-staff-view')
  await rv.context.close()

  // The editor: each warning in the editor, Markdown source and server preview.
  const ed = await watchedPage(DESKTOP)
  const editor = apiClient(server.baseURL)
  await adoptSession(ed.page, await editor.signIn(EDITOR.username, EDITOR.password))
  for (const w of published) {
    await ed.page.goto(`/staff/warnings/${w.id}/edit`)
    const source = ed.page.getByTestId('body').locator('textarea')
    await source.waitFor()
    assert.ok((await source.inputValue()).includes(w.payload), `the editor shows payload ${w.n} as source text`)
    const previewed = ed.page.waitForResponse((res) => res.url().endsWith('/api/v1/warnings/preview'))
    await ed.page.getByRole('tab', { name: '预览' }).click()
    await previewed
    await ed.page.getByTestId('preview').getByRole('heading', { name: `载荷 ${w.n}` }).waitFor()
    await assertClean(ed, `editor preview ${w.n} (${w.payload})`)
  }
  await ed.context.close()
})
