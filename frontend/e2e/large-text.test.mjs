// The large-text mode (适老化) switches on, survives a reload, and follows the
// resident from page to page.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { startServer } from './server.mjs'
import { launchBrowser, newPage, PHONE, shot } from './browser.mjs'

let server
let browser

before(async () => {
  server = await startServer()
  browser = await launchBrowser()
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

const rootState = (page) =>
  page.evaluate(() => ({
    large: document.documentElement.classList.contains('large-text'),
    fontSize: getComputedStyle(document.documentElement).fontSize,
  }))

test('large-text mode toggles and persists across reload', { timeout: 60_000 }, async () => {
  const { page, problems, context } = await newPage(browser, server.baseURL, PHONE)
  await page.goto('/login')
  const toggle = page.getByRole('switch', { name: '大字模式' })
  await toggle.waitFor()
  assert.deepEqual(await rootState(page), { large: false, fontSize: '16px' })
  const buttonBefore = (await page.getByTestId('sign-in').boundingBox()).height

  await toggle.click()
  assert.deepEqual(await rootState(page), { large: true, fontSize: '24px' })
  assert.equal(await toggle.getAttribute('aria-checked'), 'true')
  const buttonAfter = (await page.getByTestId('sign-in').boundingBox()).height
  assert.ok(buttonAfter > buttonBefore, `tap targets grow (${buttonBefore} → ${buttonAfter})`)
  await shot(page, 'large-text-login')

  await page.reload()
  await page.getByRole('switch', { name: '大字模式' }).waitFor()
  assert.deepEqual(await rootState(page), { large: true, fontSize: '24px' })
  assert.equal(await page.getByRole('switch', { name: '大字模式' }).getAttribute('aria-checked'), 'true')

  await page.goto('/')
  await page.getByTestId('go-sign-in').waitFor()
  assert.equal((await rootState(page)).large, true)
  await shot(page, 'large-text-home')

  // The staff sign-in page has the switch too.
  await page.goto('/staff/login')
  assert.equal(await page.getByRole('switch', { name: '大字模式' }).getAttribute('aria-checked'), 'true')

  await page.getByRole('switch', { name: '大字模式' }).click()
  await page.reload()
  await page.getByRole('switch', { name: '大字模式' }).waitFor()
  assert.deepEqual(await rootState(page), { large: false, fontSize: '16px' })

  assert.deepEqual(problems, [])
  await context.close()
})

test('unknown addresses show the not-found page', { timeout: 30_000 }, async () => {
  const { page, context } = await newPage(browser, server.baseURL, PHONE)
  const res = await page.goto('/no/such/page')
  assert.ok(res.ok(), 'the server falls back to index.html')
  await page.getByText('页面不存在').first().waitFor()
  await page.getByTestId('go-home').click()
  await page.waitForURL((url) => url.pathname === '/')
  await context.close()
})
