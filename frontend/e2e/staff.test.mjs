// An admin signs in to the console, sees the admin menu, and creates an editor.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { startServer } from './server.mjs'
import { DESKTOP, launchBrowser, newPage, PHONE, shot } from './browser.mjs'

const ADMIN = { username: 'lianban', password: 'Quzhou-admin-2026' }

let server
let browser

before(async () => {
  server = await startServer()
  await server.addUser({ ...ADMIN, role: 'admin', area: '330800' })
  await server.addUser({ username: 'suoding', password: 'Suoding-pass-2026', role: 'reviewer', area: '330800' })
  browser = await launchBrowser()
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

test('admin signs in, sees the console and creates an editor', { timeout: 90_000 }, async () => {
  const { page, problems, context } = await newPage(browser, server.baseURL, DESKTOP)

  // The console sends strangers to the staff sign-in.
  await page.goto('/staff')
  await page.waitForURL('**/staff/login?redirect=/staff')
  await shot(page, 'staff-login')

  await page.getByTestId('username').locator('input').fill(ADMIN.username)
  await page.getByTestId('password').locator('input').fill('wrong-password')
  await page.getByTestId('sign-in').click()
  await page.getByTestId('form-error').getByText('用户名或密码错误').waitFor()

  await page.getByTestId('password').locator('input').fill(ADMIN.password)
  await page.getByTestId('sign-in').click()
  await page.waitForURL((url) => url.pathname === '/staff')

  const user = page.getByTestId('console-user')
  await user.getByText(ADMIN.username).waitFor()
  assert.equal(await page.getByTestId('console-role').textContent(), '联席办管理员')
  await page.getByTestId('console-scope').getByText('衢州市').waitFor()
  const menu = page.getByTestId('console-menu')
  for (const title of ['用户管理', '操作日志', '区域导入']) await menu.getByRole('link', { name: title }).waitFor()
  assert.equal(await menu.getByRole('link', { name: '预警管理' }).count(), 0)
  await shot(page, 'staff-console')

  // Users: the list holds the admin; create an editor.
  await menu.getByRole('link', { name: '用户管理' }).click()
  await page.waitForURL('**/staff/users')
  const table = page.getByTestId('users-table')
  await table.getByRole('cell', { name: ADMIN.username, exact: true }).waitFor()

  await page.getByTestId('open-create').click()
  const form = page.getByTestId('create-form')
  await form.waitFor()
  await page.getByTestId('create-user').click()
  await form.getByText('请输入用户名').waitFor()

  await page.getByTestId('new-username').locator('input').fill('bianji01')
  await page.getByTestId('new-password').locator('input').fill('short')
  await page.getByRole('radiogroup', { name: '角色' }).getByRole('radio', { name: '宣传编辑' }).click()
  await page.getByTestId('create-user').click()
  await form.getByText('密码至少 8 位').waitFor()
  await page.getByTestId('new-password').locator('input').fill('Bianji-pass-2026')
  await shot(page, 'staff-users-create')
  await page.getByTestId('create-user').click()

  const row = table.locator('tr', { has: page.getByRole('cell', { name: 'bianji01', exact: true }) })
  await row.waitFor()
  await row.getByRole('cell', { name: '宣传编辑' }).waitFor()
  await row.getByText('正常').waitFor()
  await form.waitFor({ state: 'hidden' })
  await shot(page, 'staff-users')

  // A duplicate username is refused with the server's message.
  await page.getByTestId('open-create').click()
  await page.getByTestId('new-username').locator('input').fill('bianji01')
  await page.getByTestId('new-password').locator('input').fill('Bianji-pass-2026')
  await page.getByTestId('create-user').click()
  await page.getByTestId('create-error').waitFor()
  assert.match(await page.getByTestId('create-error').textContent(), /已被使用|已存在/)

  // Disable the new editor.
  await row.getByRole('button', { name: '停用' }).click()
  await page.getByRole('button', { name: '确认' }).click()
  await row.getByText('已停用').waitFor()

  // Resetting its password asks for the admin's own password first.
  await row.getByRole('button', { name: '重置密码' }).click()
  const dialog = page.locator('.van-dialog').filter({ has: page.getByTestId('reset-new-password') })
  await page.getByTestId('reset-new-password').locator('input').fill('Bianji-new-2026')
  await dialog.getByRole('button', { name: '确认' }).click()
  await dialog.getByText('请输入您本人的登录密码').first().waitFor()
  await page.getByTestId('reset-actor-password').locator('input').fill('not-my-password')
  await dialog.getByRole('button', { name: '确认' }).click()
  await dialog.getByText('您本人的登录密码不正确').waitFor()
  await shot(page, 'staff-users-reset-reauth')
  await page.getByTestId('reset-actor-password').locator('input').fill(ADMIN.password)
  await dialog.getByRole('button', { name: '确认' }).click()
  await page.getByText('密码已重置，对方需重新登录').waitFor()
  await dialog.waitFor({ state: 'hidden' })

  // The audit log shows what was done.
  await menu.getByRole('link', { name: '操作日志' }).click()
  await page.waitForURL('**/staff/audit')
  await page.getByTestId('audit-table').locator('tbody tr').first().waitFor()
  assert.ok((await page.getByTestId('audit-table').locator('tbody tr').count()) >= 2)
  await shot(page, 'staff-audit')

  await menu.getByRole('link', { name: '区域导入' }).click()
  await page.waitForURL('**/staff/areas/import')
  await page.getByText('parent_code').first().waitFor()
  await shot(page, 'staff-areas-import')

  assert.deepEqual(problems.filter((p) => !/Failed to load resource/.test(p)), [])
  await context.close()
})

test('repeated wrong passwords slow sign-in down with a clear message, then the owner signs in', { timeout: 60_000 }, async () => {
  const { page, context } = await newPage(browser, server.baseURL, DESKTOP)
  await page.goto('/staff/login')
  await page.getByTestId('username').locator('input').fill('suoding')
  const error = page.getByTestId('form-error')
  let status = 0
  for (let i = 0; i < 10; i++) {
    await page.getByTestId('password').locator('input').fill(`wrong-${i}`)
    const answered = page.waitForResponse((res) => res.url().endsWith('/api/v1/auth/login'))
    await page.getByTestId('sign-in').click()
    status = (await answered).status()
    await error.waitFor()
    if (status !== 401) break
  }
  assert.equal(status, 429)
  await error.getByText(/登录失败次数过多，为保护账号安全，请 \d+ (秒|分钟|小时)后再试/).waitFor()
  // The button counts the wait down instead of sending guesses that are refused anyway.
  const button = page.getByTestId('sign-in')
  await button.getByText(/请等待 \d+ (秒|分钟)/).waitFor()
  assert.equal(await button.isDisabled(), true)
  await shot(page, 'staff-login-throttled')
  // The owner is slowed, not locked out: once the wait is over the right password works.
  await button.getByText('登录', { exact: true }).waitFor({ timeout: 20_000 })
  await page.getByTestId('password').locator('input').fill('Suoding-pass-2026')
  await button.click()
  await page.waitForURL((url) => url.pathname === '/staff')
  await context.close()
})

test('the console works on a phone and the new editor gets the editor menu', { timeout: 60_000 }, async () => {
  const { page, context } = await newPage(browser, server.baseURL, PHONE)
  await page.goto('/staff/login')
  await page.getByTestId('username').locator('input').fill('lianban')
  await page.getByTestId('password').locator('input').fill(ADMIN.password)
  await page.getByTestId('sign-in').click()
  await page.waitForURL((url) => url.pathname === '/staff')
  await page.getByRole('button', { name: '菜单' }).click()
  await page.getByTestId('console-menu').getByRole('link', { name: '用户管理' }).waitFor()
  await shot(page, 'staff-console-phone')
  await page.getByTestId('console-menu').getByRole('link', { name: '用户管理' }).click()
  // Rows stack into cards on a phone; each cell is named by its column too.
  await page.getByTestId('users-table').getByRole('cell', { name: '用户名 lianban' }).waitFor()
  await page.getByTestId('users-table').getByRole('cell', { name: '状态 已停用' }).waitFor()
  await shot(page, 'staff-users-phone')
  await context.close()

  // An editor (created through the command line here) sees only the editor menu.
  await server.addUser({ username: 'bianji02', password: 'Bianji-pass-2026', role: 'editor', area: '330800' })
  const desk = await newPage(browser, server.baseURL, DESKTOP)
  await desk.page.goto('/staff/login')
  await desk.page.getByTestId('username').locator('input').fill('bianji02')
  await desk.page.getByTestId('password').locator('input').fill('Bianji-pass-2026')
  await desk.page.getByTestId('sign-in').click()
  await desk.page.waitForURL((url) => url.pathname === '/staff')
  const menu = desk.page.getByTestId('console-menu')
  await menu.getByRole('link', { name: '预警管理' }).waitFor()
  assert.equal(await menu.getByRole('link', { name: '用户管理' }).count(), 0)
  await menu.getByRole('link', { name: '问答活动' }).waitFor()
  await menu.getByRole('link', { name: '题库' }).click()
  await desk.page.getByTestId('questions-table').locator('tbody tr[data-id]').first().waitFor()
  // Admin pages are out of reach by address too.
  await desk.page.goto('/staff/users')
  await desk.page.waitForURL((url) => url.pathname === '/staff')
  await desk.context.close()
})
