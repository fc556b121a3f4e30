// The signed-out resident home on a phone over a weak network: Chromium's
// DevTools protocol throttles the link to 500 kbit/s each way with 400 ms of
// latency, and the test prints what the page costs and when it first paints.
//
// Budget (issue 14): at most 150 KB transferred, every text response over
// 1 KB sent compressed, first contentful paint within 3.5 s.
//
// FCP on a shared, busy machine varies from run to run, so the page is loaded
// RUNS times in fresh contexts; every run is printed and the best is checked.
// Bytes and responses do not vary and are checked on every run.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { startServer } from './server.mjs'
import { launchBrowser, PHONE, shot } from './browser.mjs'

const RUNS = Number(process.env.WEAK_NETWORK_RUNS || 3)
const KBIT = 1000 / 8 // bytes per second in one kbit/s
export const WEAK_NETWORK = { offline: false, latency: 400, downloadThroughput: 500 * KBIT, uploadThroughput: 500 * KBIT }
const MOBILE_UA =
  'Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36'

const BUDGET = { bytes: 150 * 1024, uncompressedText: 1024, fcpMs: 3500 }

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

const isText = (mime) => /^text\/|javascript|json|xml|svg/.test(mime || '')

/** loadThrottled loads path in a fresh phone context behind the weak network and returns its figures. */
async function loadThrottled(path, name) {
  const context = await browser.newContext({ ...PHONE, baseURL: server.baseURL, userAgent: MOBILE_UA, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
  const page = await context.newPage()
  const problems = []
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`))
  const cdp = await context.newCDPSession(page)
  const responses = new Map()
  cdp.on('Network.responseReceived', ({ requestId, response }) => {
    if (response.url.startsWith('data:')) return // part of a stylesheet, not fetched
    const headers = Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k.toLowerCase(), v]))
    responses.set(requestId, {
      url: response.url.replace(server.baseURL, ''),
      status: response.status,
      mime: response.mimeType,
      encoding: headers['content-encoding'] || '',
      decoded: 0,
      transferred: 0,
      done: false,
    })
  })
  cdp.on('Network.dataReceived', ({ requestId, dataLength }) => {
    const r = responses.get(requestId)
    if (r) r.decoded += dataLength
  })
  cdp.on('Network.loadingFinished', ({ requestId, encodedDataLength }) => {
    const r = responses.get(requestId)
    if (r) Object.assign(r, { transferred: encodedDataLength, done: true })
  })
  await cdp.send('Network.enable')
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true })
  await cdp.send('Network.emulateNetworkConditions', WEAK_NETWORK)

  const started = Date.now()
  await page.goto(path, { waitUntil: 'load', timeout: 60_000 })
  await page.getByTestId('go-sign-in').waitFor({ timeout: 60_000 })
  await page.getByTestId('hotline').waitFor({ timeout: 60_000 })
  await page.waitForLoadState('networkidle', { timeout: 60_000 })
  const ready = Date.now() - started
  const fcp = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null)
  if (name) {
    await cdp.send('Network.emulateNetworkConditions', { ...WEAK_NETWORK, latency: 0, downloadThroughput: -1, uploadThroughput: -1 })
    await shot(page, name)
  }
  await context.close()

  const list = [...responses.values()].filter((r) => r.done)
  const bytes = list.reduce((sum, r) => sum + r.transferred, 0)
  const plainText = list.filter((r) => isText(r.mime) && !/^(br|gzip|deflate|zstd)$/.test(r.encoding))
  const largestPlain = plainText.reduce((max, r) => (r.decoded > max.decoded ? r : max), { decoded: 0, url: '-' })
  return { list, bytes, fcp, ready, largestPlain, problems }
}

test('the signed-out home fits the weak-network budget on a phone', { timeout: 300_000 }, async () => {
  const runs = []
  for (let i = 0; i < RUNS; i++) runs.push(await loadThrottled('/', i === 0 ? 'weak-network-home' : null))

  const first = runs[0]
  console.log(`\nsigned-out home, phone 390x844, ${WEAK_NETWORK.downloadThroughput * 8 / 1000} kbit/s, ${WEAK_NETWORK.latency} ms latency:`)
  for (const r of first.list) {
    console.log(
      `  ${String(r.status).padEnd(4)}${(r.encoding || 'identity').padEnd(9)}${String(r.transferred).padStart(8)} B sent ${String(r.decoded).padStart(8)} B decoded  ${r.url}`,
    )
  }
  for (const [i, r] of runs.entries()) {
    console.log(
      `  run ${i + 1}: ${r.list.length} responses, ${(r.bytes / 1024).toFixed(1)} KB transferred, ` +
        `largest uncompressed text response ${r.largestPlain.decoded} B (${r.largestPlain.url}), ` +
        `FCP ${r.fcp === null ? 'none' : `${Math.round(r.fcp)} ms`}, home ready after ${r.ready} ms`,
    )
  }
  const fcps = runs.map((r) => r.fcp).filter((v) => v !== null)
  const best = Math.min(...fcps)
  console.log(`  best FCP of ${runs.length} runs: ${Math.round(best)} ms (budget ${BUDGET.fcpMs} ms)\n`)

  for (const r of runs) {
    assert.deepEqual(r.problems, [])
    // Charts and the staff console are not a resident's download.
    const foreign = r.list.filter((x) => /echarts|ConsoleLayout|Dashboard|pages\/staff/i.test(x.url)).map((x) => x.url)
    assert.deepEqual(foreign, [], 'the resident home loads no chart or staff console code')
    assert.ok(r.bytes <= BUDGET.bytes, `${r.bytes} bytes transferred, budget ${BUDGET.bytes}`)
    assert.ok(
      r.largestPlain.decoded <= BUDGET.uncompressedText,
      `${r.largestPlain.url} sent uncompressed with ${r.largestPlain.decoded} bytes`,
    )
  }
  assert.ok(best <= BUDGET.fcpMs, `best first contentful paint ${Math.round(best)} ms, budget ${BUDGET.fcpMs} ms`)
})
