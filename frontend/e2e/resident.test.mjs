// A resident signs in with an SMS code, completes the profile through the
// cascading grid picker, and arrives at the home page greeted by masked phone.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { startServer } from './server.mjs'
import { launchBrowser, newPage, PHONE, shot } from './browser.mjs'
import { findGridPath } from './areas.mjs'

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

test('resident signs in by SMS, fills the profile and sees the home page', { timeout: 90_000 }, async () => {
  const phone = '13812345678'
  const gridPath = await findGridPath(server.baseURL)
  const { page, problems, context } = await newPage(browser, server.baseURL, PHONE)

  // Signed out, the home page offers to sign in.
  await page.goto('/')
  await page.getByTestId('go-sign-in').waitFor()
  await page.getByText('全国反诈预警劝阻专线').first().waitFor()
  assert.equal(await page.getByTestId('hotline').getAttribute('href'), 'tel:96110')
  await shot(page, 'resident-home-signed-out')

  await page.getByTestId('go-sign-in').click()
  await page.waitForURL('**/login')

  // A bad number is caught before anything is sent.
  await page.getByTestId('phone').locator('input').fill('2381234')
  await page.getByTestId('send-code').click()
  await page.getByText('请输入 11 位手机号码（以 1 开头）').waitFor()

  await page.getByTestId('phone').locator('input').fill(phone)
  const sentAfter = Date.now() - 1000
  await page.getByTestId('send-code').click()
  await page.getByText(/\d+ 秒后重发/).waitFor()
  const code = await server.latestCode(phone, { after: sentAfter })
  assert.match(code, /^\d{6}$/)
  await page.getByTestId('code').locator('input').fill(code)
  await shot(page, 'resident-login')
  await page.getByTestId('sign-in').click()

  // First sign-in: no profile yet.
  await page.waitForURL('**/profile')
  assert.ok(!page.url().includes(phone), 'the phone number must never be in the URL')
  await page.getByRole('radiogroup', { name: '年龄段' }).getByRole('radio').first().waitFor()

  // Saving without choices shows what is missing.
  await page.getByTestId('save-profile').click()
  await page.getByText('请选择年龄段').waitFor()

  await page.getByRole('radiogroup', { name: '年龄段' }).getByRole('radio', { name: '60岁及以上' }).click()
  await page.getByRole('radiogroup', { name: '职业' }).getByRole('radio', { name: '离退休人员' }).click()

  // The cascading picker: county → town → community → grid, each level loaded on demand.
  await page.getByTestId('grid-field').click()
  const cascader = page.locator('.van-cascader')
  await cascader.waitFor()
  for (const [i, area] of gridPath.entries()) {
    const panel = cascader.locator('.van-tab__panel-wrapper').nth(i)
    const option = panel.locator('.van-cascader__option', { hasText: area.name }).first()
    await option.waitFor()
    if (i === 2) await shot(page, 'resident-profile-cascader')
    await option.click()
  }
  await cascader.waitFor({ state: 'hidden' })
  const gridText = await page.getByTestId('grid-field').locator('textarea').inputValue()
  assert.equal(gridText, gridPath.map((a) => a.name).join(' / '))

  await page.getByTestId('consent').click()
  await shot(page, 'resident-profile')
  await page.getByTestId('save-profile').click()

  // Home, greeted by the masked number.
  await page.waitForURL((url) => url.pathname === '/')
  const masked = page.getByTestId('phone-masked')
  await masked.waitFor()
  assert.equal(await masked.textContent(), '138****5678')
  await page.getByTestId('grid-name').getByText(gridPath.at(-1).name).waitFor()
  // The prize quizzes open for this grid: the city-wide demo quiz.
  await page.getByTestId('quiz-card').filter({ hasText: '全民反诈知识有奖问答（演示）' }).getByTestId('take-quiz').waitFor()
  await shot(page, 'resident-home')

  // The tokens survive a reload; nothing stored holds the phone number.
  await page.reload()
  await page.getByTestId('phone-masked').waitFor()
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }))
  assert.ok(!stored.includes(phone), 'localStorage must not hold the phone number')

  // Editing the profile in large-text mode: the choices are kept.
  await page.getByRole('switch', { name: '大字模式' }).click()
  await page.getByTestId('edit-profile').click()
  await page.waitForURL('**/profile')
  await page.getByRole('radio', { name: '60岁及以上', checked: true }).waitFor()
  await page.getByRole('radio', { name: '离退休人员', checked: true }).waitFor()
  assert.equal(await page.getByTestId('grid-field').locator('textarea').inputValue(), gridPath.at(-1).name)
  await shot(page, 'resident-profile-large-text')
  await page.getByRole('button', { name: '返回' }).click()
  await page.waitForURL((url) => url.pathname === '/')
  await page.getByRole('switch', { name: '大字模式' }).click()

  // Sign out returns to the signed-out home.
  await page.getByTestId('sign-out').click()
  await page.getByRole('button', { name: '确认' }).click()
  await page.getByTestId('go-sign-in').waitFor()

  assert.deepEqual(problems.filter((p) => !/Failed to load resource/.test(p)), [])
  await context.close()
})
