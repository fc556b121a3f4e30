// A living demo (issue 16): on a fresh data folder, `wuzha seed --demo`
// simulates this quarter in the demo areas. Signed in as the seeded city
// admin, the city's figures, the counties (each with a sufficient sample),
// the knowledge-gap heatmap, the trend, the assessment, the quarterly
// report and the rectification items all show data — on a desktop and on a
// phone; a demo grid worker sees the grid's figures.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { startServer } from './server.mjs'
import path from 'node:path'
import { DESKTOP, PHONE, launchBrowser, newPage, screenshotDir, shot } from './browser.mjs'
import { apiClient, adoptSession } from './api.mjs'
import { currentQuarter } from '../src/awareness.js'

const ADMIN = { username: 'demo-admin', password: 'wuzha-demo-2026' }
const CITY = '330800'

let server
let browser
let pair
let quarter

before(async () => {
  server = await startServer({ seedDemo: true })
  browser = await launchBrowser()
  quarter = currentQuarter()
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

async function signedInPage(device) {
  const client = apiClient(server.baseURL)
  pair = await client.signIn(ADMIN.username, ADMIN.password)
  const tab = await newPage(browser, server.baseURL, device)
  await adoptSession(tab.page, pair)
  return { ...tab, client }
}

test('seed --demo printed what it made and the seeded admin is not asked to change the password', { timeout: 300_000 }, async () => {
  const log = server.log()
  assert.match(log, new RegExp(`demo: simulated ${quarter} up to now`))
  assert.match(log, /residents \d+ \(\d+ new\), attempts \d+/)
  const client = apiClient(server.baseURL)
  const p = await client.signIn(ADMIN.username, ADMIN.password)
  assert.equal(p.user.role, 'admin')
  assert.equal(p.user.area_code, CITY)
  assert.notEqual(p.must_change_password, true)
})

test('the city admin sees living figures: rate, counties with sufficient samples, heatmap, trend', { timeout: 300_000 }, async () => {
  const { page, client, problems } = await signedInPage(DESKTOP)
  const f = await client.get(`/awareness/${CITY}?period=${quarter}`)
  assert.ok(f.respondents > 3000, `city respondents ${f.respondents}`)
  assert.ok(f.rate > 0.5 && f.rate < 1, `city rate ${f.rate}`)
  assert.equal(f.children.length, 6)
  for (const c of f.children) assert.ok(c.respondents >= 30, `${c.name}: ${c.respondents} respondents`)
  assert.ok(new Set(f.children.map((c) => c.rate.toFixed(3))).size >= 4, 'county rates differ')
  const ft = f.by_fraud_type.filter((x) => x.rate != null).map((x) => x.rate)
  assert.ok(Math.max(...ft) - Math.min(...ft) > 0.05, 'fraud types differ')

  await page.goto(`/staff/awareness/${CITY}?period=${quarter}`)
  await page.getByTestId('headline-rate').waitFor()
  const rate = await page.getByTestId('headline-rate').innerText()
  assert.match(rate, /\d+(\.\d)?%/)
  assert.equal(Number(await page.getByTestId('headline-respondents').innerText()), f.respondents)
  assert.equal(await page.getByTestId('thin-sample').count(), 0)
  const table = page.getByTestId('children-table')
  await table.waitFor()
  assert.equal(await table.locator('tbody tr').count(), 6)
  assert.ok(!(await table.innerText()).includes('样本不足'), 'no county line says 样本不足')
  await page.getByTestId('gap-heatmap').locator('canvas').first().waitFor()
  assert.equal(await page.getByTestId('no-gaps').count(), 0)
  await page.getByTestId('trend-chart').locator('canvas').first().waitFor()
  await page.getByTestId('weak-types').waitFor()
  await page.waitForTimeout(500) // the charts draw
  await shot(page, 'demo-awareness-desktop')

  // The assessment: every county ranked on a sufficient sample.
  await page.goto(`/staff/assessment?period=${quarter}&area=${CITY}`)
  const sheet = page.getByTestId('assessment-table')
  await sheet.waitFor()
  assert.equal(await sheet.locator('tbody tr').count(), 6)
  assert.ok(!(await sheet.innerText()).includes('样本不足'))
  await shot(page, 'demo-assessment-desktop')

  // The quarterly report.
  await page.goto(`/staff/report/${CITY}/${quarter}`)
  await page.getByTestId('report-rate').waitFor()
  assert.match(await page.getByTestId('report-rate').innerText(), /\d+(\.\d)?%/)
  const ranking = page.getByTestId('report-ranking')
  await ranking.waitFor()
  assert.equal(await ranking.locator('tbody tr').count(), 6)
  assert.ok(!(await ranking.innerText()).includes('样本不足'))
  // The trend runs over months: the simulated quarter's months each have a rate.
  const trendRows = await page.getByTestId('report-trend').locator('tbody tr').allInnerTexts()
  assert.ok(trendRows.filter((r) => /\d+(\.\d)?%/.test(r)).length >= 2, `the trend has the quarter's months: ${trendRows.join(' | ')}`)
  await page.getByTestId('report-weak-types').waitFor()
  const reads = page.getByTestId('report-warnings') // the warnings' reach: read and acknowledged
  await reads.waitFor()
  assert.ok((await reads.locator('tbody tr').count()) > 0)
  await reads.screenshot({ path: path.join(screenshotDir, 'demo-report-reach.png') })
  await page.waitForTimeout(500)
  await shot(page, 'demo-report-desktop')

  // 督办: the items issued to the weakest demo communities.
  const items = await client.get('/rectifications')
  assert.ok(items.items.length >= 1, 'rectification items')
  assert.ok(items.items.every((x) => x.area_code.length > 6), 'items only to demo communities')
  await page.goto('/staff/supervision?box=issued')
  await page.getByTestId('item-status').first().waitFor()
  assert.equal(await page.getByTestId('item-status').count(), items.items.length)
  await shot(page, 'demo-supervision-desktop')

  // Reach of a warning: read and acknowledged.
  const warnings = await client.get('/warnings?status=published&limit=5')
  const reach = await client.get(`/warnings/${warnings.items[0].id}/reach`)
  assert.ok(reach.views > 0 && reach.acks > 0, `reach ${reach.views}/${reach.acks}`)
  assert.deepEqual(problems, [])
})

test('on a phone the city figures are living too', { timeout: 300_000 }, async () => {
  const { page, problems } = await signedInPage(PHONE)
  await page.goto(`/staff/awareness/${CITY}?period=${quarter}`)
  await page.getByTestId('headline-rate').waitFor()
  await page.getByTestId('children-table').waitFor()
  assert.ok(!(await page.getByTestId('children-table').innerText()).includes('样本不足'))
  await page.getByTestId('gap-heatmap').locator('canvas').first().waitFor()
  await page.waitForTimeout(500)
  await shot(page, 'demo-awareness-phone')
  await page.goto(`/staff/report/${CITY}/${quarter}`)
  await page.getByTestId('report-ranking').waitFor()
  await page.waitForTimeout(500)
  await shot(page, 'demo-report-phone')
  assert.deepEqual(problems, [])
})

test('a demo grid worker sees the grid\'s figures on a phone', { timeout: 300_000 }, async () => {
  const county = await apiClient(server.baseURL).get('/areas/330802')
  const grid = `${county.children[0].code}001001`
  const client = apiClient(server.baseURL)
  const p = await client.signIn(`demo-gw-${grid}`, ADMIN.password)
  assert.equal(p.user.role, 'grid_worker')
  assert.equal(p.user.area_code, grid)
  const tab = await newPage(browser, server.baseURL, PHONE)
  await adoptSession(tab.page, p)
  await tab.page.goto('/staff/grid')
  await tab.page.getByTestId('grid-figures').waitFor()
  await tab.page.getByTestId('rate').waitFor()
  assert.ok(Number(await tab.page.getByTestId('respondents').innerText()) > 0)
  await shot(tab.page, 'demo-grid-worker-phone')
  assert.deepEqual(tab.problems, [])
})
