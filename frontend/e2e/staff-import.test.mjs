// An admin imports 200 grid workers from an Excel file through the page,
// downloads their initial passwords, finds one by name; that grid worker
// signs in for the first time, is made to change the password, and lands on
// the home page.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, test } from 'node:test'
import { startServer } from './server.mjs'
import { DESKTOP, launchBrowser, newPage, PHONE, shot } from './browser.mjs'

const ADMIN = { username: 'kc-lianban', password: 'Kecheng-admin-2026', role: 'admin', area: '330802' }
const GRIDS = ['330802001001001', '330802001001002', '330802001001003', '330802001002001', '330802001002002', '330802001002003']
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗'
const GIVEN = ['建国', '秀英', '志强', '丽娟', '海燕', '晓东', '春梅', '国庆', '玉兰', '明辉']
const TARGET = { username: 'wgy137', name: '柳青禾' }
const NEW_PASSWORD = 'Liuqinghe#2026'

// The sheet: Chinese headers, role by its Chinese name, 200 grid workers.
function staffRows() {
  const rows = [['用户名', '姓名', '手机号', '角色', '区域代码']]
  for (let i = 1; i <= 200; i++) {
    const username = `wgy${String(i).padStart(3, '0')}`
    const name = username === TARGET.username ? TARGET.name : SURNAMES[i % SURNAMES.length] + GIVEN[i % GIVEN.length] + (i > 100 ? '甲' : '')
    rows.push([username, name, `1390571${String(i).padStart(4, '0')}`, '网格员', GRIDS[i % GRIDS.length]])
  }
  return rows
}

// The XLSX is written by the same Go writer wuzha's exports use.
function xlsx(rows) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
  return execFileSync('go', ['run', './frontend/e2e/xlsxgen'], { cwd: root, input: JSON.stringify(rows), maxBuffer: 16 << 20 })
}

let server
let browser

before(async () => {
  server = await startServer()
  await server.addUser(ADMIN)
  browser = await launchBrowser()
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

async function signIn(page, username, password) {
  await page.goto('/staff/login')
  await page.getByTestId('username').locator('input').fill(username)
  await page.getByTestId('password').locator('input').fill(password)
  await page.getByTestId('sign-in').click()
}

test('an admin imports 200 grid workers; one signs in, changes the initial password and lands on the home page', { timeout: 180_000 }, async () => {
  const file = xlsx(staffRows())
  const { page, problems, context } = await newPage(browser, server.baseURL, DESKTOP)
  await signIn(page, ADMIN.username, ADMIN.password)
  await page.waitForURL((url) => url.pathname === '/staff')

  await page.getByTestId('console-menu').getByRole('link', { name: '用户管理' }).click()
  await page.getByTestId('open-import').click()
  await page.waitForURL('**/staff/users/import')
  await page.getByTestId('import-file').setInputFiles({
    name: '柯城区网格员.xlsx',
    mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    buffer: file,
  })
  const answered = page.waitForResponse((res) => res.url().endsWith('/api/v1/users/import'))
  const started = Date.now()
  await page.getByTestId('import-submit').click()
  assert.equal((await answered).status(), 201)
  console.log(`import of 200 rows answered in ${Date.now() - started} ms (initial passwords hashed at bcrypt cost 6)`)
  await page.getByTestId('import-result').getByText('共创建 200 个用户').waitFor()
  await page.getByTestId('passwords-once').getByText('初始密码只显示这一次').waitFor()
  assert.equal(await page.getByTestId('created-table').locator('tbody tr').count(), 200)
  await shot(page, 'staff-import-result')

  // The passwords as a file to hand out.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-passwords').click()])
  assert.match(download.suggestedFilename(), /^初始密码-\d{8}\.csv$/)
  const csv = (await readFile(await download.path(), 'utf8')).replace(/^\uFEFF/, '')
  const lines = csv.trim().split(/\r?\n/)
  assert.equal(lines.length, 201)
  assert.equal(lines[0], '用户名,姓名,角色,区域代码,初始密码')
  const target = lines.find((l) => l.startsWith(`${TARGET.username},`)).split(',')
  assert.equal(target[1], TARGET.name)
  assert.equal(target[2], '网格员')
  const initial = target[4]
  assert.ok(initial.length >= 12, `initial password ${initial}`)
  // The page shows the same password for the same user.
  await page.getByTestId('created-table').locator('tr', { hasText: TARGET.username }).getByText(initial).waitFor()

  // Back in the list, the search finds the worker by name; the phone is masked.
  await page.getByRole('link', { name: '返回用户管理' }).click()
  await page.waitForURL('**/staff/users')
  await page.getByTestId('users-search').fill('柳青')
  const row = page.getByTestId('users-table').locator('tr', { has: page.getByRole('cell', { name: TARGET.username, exact: true }) })
  await row.waitFor()
  await page.waitForFunction(() => document.querySelectorAll('[data-test="users-table"] tbody tr').length === 1)
  await row.getByRole('cell', { name: TARGET.name }).waitFor()
  await row.getByText('139****0137').waitFor()
  await row.getByText('待改密').waitFor()
  await shot(page, 'staff-users-search')
  assert.deepEqual(problems.filter((p) => !/Failed to load resource/.test(p)), [])
  await context.close()

  // The worker, on a phone: the initial password signs in, but only to 修改密码.
  const gw = await newPage(browser, server.baseURL, PHONE)
  await signIn(gw.page, TARGET.username, initial)
  await gw.page.waitForURL('**/staff/password')
  await gw.page.getByTestId('password-forced').waitFor()
  await shot(gw.page, 'staff-password-forced-phone')
  // Another page by address is refused until the change.
  await gw.page.goto('/staff/grid')
  await gw.page.waitForURL('**/staff/password')
  await gw.page.getByTestId('old-password').locator('input').fill(initial)
  await gw.page.getByTestId('new-password').locator('input').fill('short')
  await gw.page.getByTestId('again-password').locator('input').fill('short')
  await gw.page.getByTestId('save-password').click()
  await gw.page.getByText('密码至少 8 位').waitFor()
  await gw.page.getByTestId('new-password').locator('input').fill(NEW_PASSWORD)
  await gw.page.getByTestId('again-password').locator('input').fill(NEW_PASSWORD)
  await gw.page.getByTestId('save-password').click()
  // A grid worker's home page is 我的网格.
  await gw.page.waitForURL('**/staff/grid')
  await gw.page.getByTestId('console-user').getByText(TARGET.username).waitFor()
  await shot(gw.page, 'staff-first-sign-in-home-phone')
  assert.deepEqual(gw.problems.filter((p) => !/Failed to load resource/.test(p)), [])
  await gw.context.close()

  // The new password is the one that works now.
  const again = await newPage(browser, server.baseURL, DESKTOP)
  await signIn(again.page, TARGET.username, NEW_PASSWORD)
  await again.page.waitForURL('**/staff/grid')
  await again.page.getByTestId('console-menu').getByRole('link', { name: '修改密码' }).waitFor()
  await again.context.close()
})

test('the users page works on a phone', { timeout: 60_000 }, async () => {
  const { page, context } = await newPage(browser, server.baseURL, PHONE)
  await signIn(page, ADMIN.username, ADMIN.password)
  await page.waitForURL((url) => url.pathname === '/staff')
  await page.goto('/staff/users')
  await page.getByTestId('users-search').fill('wgy00')
  await page.getByTestId('users-table').getByRole('cell', { name: '用户名 wgy009' }).waitFor()
  await page.waitForFunction(() => document.querySelectorAll('[data-test="users-table"] tbody tr').length === 9)
  await shot(page, 'staff-users-phone-search')
  await page.goto('/staff/users/import')
  await page.getByText('文件格式').waitFor()
  await shot(page, 'staff-import-phone')
  await context.close()
})
