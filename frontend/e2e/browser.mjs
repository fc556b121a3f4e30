// Chromium for the browser tests: the system one, never a downloaded copy.
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, selectors } from 'playwright-core'

const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
export const screenshotDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots')

export const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }
export const DESKTOP = { viewport: { width: 1280, height: 800 } }

// The app marks elements for tests with data-test="…".
selectors.setTestIdAttribute('data-test')

/**
 * launchBrowser starts headless Chromium from the system; args adds
 * switches (e.g. a fake camera fed from a file).
 */
export async function launchBrowser({ args = [] } = {}) {
  if (!existsSync(executablePath)) {
    throw new Error(`Chromium not found at ${executablePath}; install it: apt-get install -y chromium fonts-noto-cjk`)
  }
  return chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', ...args],
  })
}

/**
 * newPage opens a page in a fresh context and records what goes wrong in the
 * browser — script errors, console errors, CSP violations — in `problems`.
 */
export async function newPage(browser, baseURL, device = PHONE) {
  const context = await browser.newContext({ ...device, baseURL, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
  const page = await context.newPage()
  const problems = []
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`))
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`)
  })
  return { context, page, problems }
}

/** shot saves a full-page screenshot under e2e/screenshots/. */
export async function shot(page, name) {
  await mkdir(screenshotDir, { recursive: true })
  const file = path.join(screenshotDir, `${name}.png`)
  // From the top, so that sticky headers sit where a reader sees them.
  await page.evaluate(() => window.scrollTo(0, 0))
  await page.screenshot({ path: file, fullPage: true })
  return file
}
