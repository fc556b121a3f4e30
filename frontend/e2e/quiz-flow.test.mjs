// A prize quiz from a resident's first sign-in to a grid worker handing over
// the prize. An editor sets up (through the API) three questions with known
// option texts, a quiz that serves exactly those three, and a prize pool that
// every pass wins. A resident signs in by SMS, completes the profile, opens
// the quiz from the home page, answers (one of them while the network is
// down, then reloads), hands in, and reads the result with explanations and
// the prize code. Until then no answer key reaches the browser. A grid worker
// in the resident's grid looks the code up and redeems it, once.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { startServer } from './server.mjs'
import { launchBrowser, newPage, PHONE, shot } from './browser.mjs'
import { apiClient, publishedQuiz } from './api.mjs'

const EDITOR = { username: 'wenda-bianji', password: 'Wenda-bianji-2026', role: 'editor', area: '330800' }
const REVIEWER = { username: 'wenda-shenhe', password: 'Wenda-shenhe-2026', role: 'reviewer', area: '330800' }
const WORKER = { username: 'wangge-chengxi1', password: 'Wangge-chengxi-2026', role: 'grid_worker', area: '330802001001001' }
const NEIGHBOUR = { username: 'wangge-chengxi2', password: 'Wangge-chengxi-2026', role: 'grid_worker', area: '330802001001002' }
const RESIDENT_PHONE = '13900002222'
const GRID_PATH = ['柯城区', '府山街道', '府山城西社区（演示）', '城西社区第1网格（演示）'] // grid 330802001001001

const QUIZ_TITLE = '城西社区反诈知识有奖问答'
const PRIZE = '反诈宣传保温杯'

// Each question is recognised on screen by a fragment of its stem; `pick`
// lists the option texts the resident taps.
const QUESTIONS = [
  {
    key: 'police',
    body: {
      kind: 'single',
      stem: '接到自称“公安局”的电话，说您涉嫌洗钱，要求把钱转到“安全账户”，您应该怎么做？',
      options: [
        { key: 'A', text: '按对方要求转账，证明自己清白' },
        { key: 'B', text: '挂断电话，拨打 110 或 96110 核实' },
        { key: 'C', text: '先转一小部分钱试试看' },
      ],
      answer: ['B'],
      explanation: '公安机关不会通过电话办案，更没有所谓的“安全账户”。接到这类电话请立即挂断，拨打 110 或 96110 核实。',
      fraud_type: 'police_impersonation',
      difficulty: 1,
    },
    find: '安全账户',
    pick: ['挂断电话，拨打 110 或 96110 核实'],
    correct: true,
  },
  {
    key: 'brushing',
    body: {
      kind: 'multiple',
      stem: '以下哪些是刷单返利诈骗的常见说法？',
      options: [
        { key: 'A', text: '动动手指，日赚三五百' },
        { key: 'B', text: '先垫付，做完任务连本带利返还' },
        { key: 'C', text: '到银行柜台办理业务要带本人身份证' },
        { key: 'D', text: '任务越多佣金越高，要加大投入' },
      ],
      answer: ['A', 'B', 'D'],
      explanation: '“轻松赚钱”“先垫付后返还”“加大投入拿高佣金”都是刷单诈骗的话术，所有刷单都是诈骗。',
      fraud_type: 'brushing',
      difficulty: 2,
    },
    find: '刷单返利',
    pick: ['动动手指，日赚三五百'], // one of three: wrong on purpose
    correct: false,
  },
  {
    key: 'courier',
    body: {
      kind: 'true_false',
      stem: '自称“快递客服”说您的包裹丢了要理赔，让您下载软件共享屏幕操作，这是正常的理赔流程。',
      options: [
        { key: 'A', text: '正确' },
        { key: 'B', text: '错误' },
      ],
      answer: ['B'],
      explanation: '正规理赔不需要下载陌生软件或共享屏幕。共享屏幕会让骗子看到您的验证码和银行卡信息。',
      fraud_type: 'cs_impersonation',
      difficulty: 1,
    },
    find: '快递客服',
    pick: ['错误'],
    correct: true,
  },
]

let server
let browser
let quizId
let warningId

before(async () => {
  server = await startServer()
  for (const u of [EDITOR, WORKER, NEIGHBOUR, REVIEWER]) await server.addUser(u)
  browser = await launchBrowser()

  // The editor's setup, through the API.
  const feed = await (await fetch(`${server.baseURL}/api/v1/feed?limit=1`)).json()
  warningId = feed.items[0].id
  const editor = apiClient(server.baseURL)
  await editor.signIn(EDITOR.username, EDITOR.password)
  const ids = []
  for (const q of QUESTIONS) {
    const body = q.correct ? q.body : { ...q.body, warning_ids: [warningId] }
    ids.push((await editor.post('/questions', body)).id)
  }
  // New questions wait for a reviewer; only approved ones are drawn.
  const reviewer = apiClient(server.baseURL)
  await reviewer.signIn(REVIEWER.username, REVIEWER.password)
  for (const id of ids) await reviewer.post(`/questions/${id}/approve`)
  const quiz = await publishedQuiz(editor, {
    title: QUIZ_TITLE,
    description: '三道题，60 分及格，及格即得反诈宣传保温杯一个。',
    max_attempts: 2,
    core_question_ids: ids,
    counts_for_awareness: false, // three questions answered at once: a practice quiz under the city's rule
  })
  quizId = quiz.id
  await editor.post(`/quizzes/${quizId}/prizes`, { name: PRIZE, stock: 5, min_score: 60, probability: 1 })
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

const unexpected = (problems) => problems.filter((p) => !/Failed to load resource|ERR_INTERNET_DISCONNECTED/.test(p))

/** keysIn lists every object key anywhere in a JSON value. */
function keysIn(value, out = new Set()) {
  if (Array.isArray(value)) value.forEach((v) => keysIn(v, out))
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.add(k)
      keysIn(v, out)
    }
  }
  return out
}

async function pickInCascader(page, names) {
  const cascader = page.locator('.van-cascader')
  await cascader.waitFor()
  for (const [i, name] of names.entries()) {
    const option = cascader.locator('.van-tab__panel-wrapper').nth(i).locator('.van-cascader__option', { hasText: name }).first()
    await option.waitFor()
    await option.click()
  }
  await cascader.waitFor({ state: 'hidden' })
}

/** onScreen returns the question shown now. */
async function onScreen(page) {
  const stem = await page.getByTestId('stem').textContent()
  const q = QUESTIONS.find((x) => stem.includes(x.find))
  assert.ok(q, `unknown question on screen: ${stem}`)
  return q
}

async function answer(page, q) {
  for (const text of q.pick) {
    await page.getByTestId('question').getByRole(q.body.kind === 'multiple' ? 'checkbox' : 'radio', { name: text }).click()
  }
}

test('a resident takes a prize quiz and a grid worker redeems the prize', { timeout: 240_000 }, async () => {
  const rs = await newPage(browser, server.baseURL, PHONE)
  const { page } = rs

  // Every answer the quiz page gets before handing in: no key, no explanation.
  let handingIn = false
  const leaks = []
  const inspected = []
  page.on('response', (res) => {
    const url = new URL(res.url())
    if (handingIn || !/^\/api\/v1\/(quizzes\/\d+\/attempts|attempts\/\d+(\/answers)?)$/.test(url.pathname)) return
    inspected.push(
      res
        .text()
        .then((text) => {
          if (!text) return
          const keys = keysIn(JSON.parse(text))
          for (const k of ['answer', 'explanation']) if (keys.has(k)) leaks.push(`${url.pathname}: ${k}`)
        })
        .catch(() => {}),
    )
  })

  // ---- Sign in by SMS and complete the profile, then back home.
  await page.goto('/')
  await page.getByTestId('quiz-section').getByText('登录后即可参加').waitFor()
  await page.getByTestId('go-sign-in').click()
  await page.getByTestId('phone').locator('input').fill(RESIDENT_PHONE)
  const sentAfter = Date.now() - 1000
  await page.getByTestId('send-code').click()
  await page.getByTestId('code').locator('input').fill(await server.latestCode(RESIDENT_PHONE, { after: sentAfter }))
  await page.getByTestId('sign-in').click()
  await page.waitForURL((url) => url.pathname === '/profile')
  await page.getByRole('radiogroup', { name: '年龄段' }).getByRole('radio', { name: '60岁及以上' }).click()
  await page.getByRole('radiogroup', { name: '职业' }).getByRole('radio', { name: '离退休人员' }).click()
  await page.getByTestId('grid-field').click()
  await pickInCascader(page, GRID_PATH)
  await page.getByTestId('consent').click()
  await page.getByTestId('save-profile').click()
  await page.waitForURL((url) => url.pathname === '/')

  // ---- Home lists the quiz: window, attempts left, a prize mark.
  const card = page.getByTestId('quiz-card').filter({ hasText: QUIZ_TITLE })
  await card.waitFor()
  await card.getByTestId('prize-mark').waitFor()
  assert.match(await card.getByTestId('attempts-left').textContent(), /还可答\s*2\s*次/)
  assert.match(await card.textContent(), /3 题 · 限时 10 分钟 · 60 分及格/)
  await page.getByTestId('quiz-card').filter({ hasText: '全民反诈知识有奖问答（演示）' }).waitFor()
  await page.locator('.van-toast').waitFor({ state: 'hidden' }) // 资料已保存
  await shot(page, 'quiz-home')

  await card.getByTestId('take-quiz').click()
  await page.waitForURL(`**/quizzes/${quizId}/take`)
  await page.getByTestId('quiz-intro').getByText('共 3 道题').waitFor()
  await shot(page, 'quiz-intro')
  await page.getByTestId('start-quiz').click()

  // ---- One question per screen, with progress and a calm countdown.
  await page.getByTestId('progress').getByText('第 1 / 3 题').waitFor()
  assert.match(await page.getByTestId('countdown').textContent(), /剩余\s*(10:00|09:5\d)/)
  const first = await onScreen(page)
  await answer(page, first)
  await page.getByTestId('save-state').getByText('已保存').waitFor()
  if (first.body.kind === 'multiple') await page.getByTestId('multiple-hint').getByText('可多选').waitFor()
  await shot(page, 'quiz-question')
  await page.getByTestId('next').click()
  await page.getByTestId('progress').getByText('第 2 / 3 题').waitFor()

  // The second answer while the network is down: kept in the browser.
  const second = await onScreen(page)
  await page.route('**/api/v1/attempts/*/answers', (route) => route.abort('internetdisconnected'))
  await answer(page, second)
  await page.getByTestId('save-state').getByText('网络不稳，答案已暂存在本机').waitFor()
  await shot(page, 'quiz-question-offline')

  // A reload (still offline for saving) resumes at the same question with both answers.
  await page.reload()
  await page.getByTestId('progress').getByText('第 2 / 3 题').waitFor()
  for (const text of second.pick) {
    assert.equal(await page.getByTestId('question').getByRole(second.body.kind === 'multiple' ? 'checkbox' : 'radio', { name: text }).getAttribute('aria-checked'), 'true')
  }
  await page.unroute('**/api/v1/attempts/*/answers')
  await page.evaluate(() => window.dispatchEvent(new Event('online')))
  await page.getByTestId('save-state').getByText('已保存').waitFor({ timeout: 20_000 })
  await page.getByTestId('prev').click()
  await page.getByTestId('progress').getByText('第 1 / 3 题').waitFor()
  for (const text of first.pick) {
    assert.equal(await page.getByTestId('question').getByRole(first.body.kind === 'multiple' ? 'checkbox' : 'radio', { name: text }).getAttribute('aria-checked'), 'true')
  }

  // The server has both answers too: a fresh start resumes them.
  const token = await page.evaluate(() => localStorage.getItem('wuzha.accessToken'))
  const resumed = await (
    await fetch(`${server.baseURL}/api/v1/quizzes/${quizId}/attempts`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: '{}',
    })
  ).json()
  assert.equal(resumed.resumed, true)
  assert.equal(resumed.saved_answers.length, 2)
  assert.ok(!keysIn(resumed).has('answer') && !keysIn(resumed).has('explanation'))

  // 交卷 too early lists what is unanswered and leads there.
  await page.getByTestId('submit-early').click()
  const dialog = page.locator('.van-dialog')
  await dialog.getByText('还有 1 题没有作答：第 3 题').waitFor()
  await page.waitForTimeout(400) // the dialog's opening animation
  await shot(page, 'quiz-submit-unanswered')
  await dialog.getByRole('button', { name: '去作答' }).click()
  await page.getByTestId('progress').getByText('第 3 / 3 题').waitFor()
  await dialog.waitFor({ state: 'hidden' })

  // ---- The last question, in large-text mode.
  const third = await onScreen(page)
  await page.getByRole('switch', { name: '大字模式' }).click()
  await answer(page, third)
  await page.getByTestId('save-state').getByText('已保存').waitFor()
  await shot(page, 'quiz-question-large-text')
  await page.getByRole('switch', { name: '大字模式' }).click()

  // 交卷 asks first; with everything answered it says so.
  await page.getByTestId('submit').click()
  await dialog.getByText('3 道题都已作答').waitFor()
  await page.waitForTimeout(400) // the dialog's opening animation
  await shot(page, 'quiz-submit-confirm')
  await Promise.all(inspected)
  handingIn = true
  await dialog.getByRole('button', { name: '交卷' }).click()

  // ---- The result: score, explanations, warnings for the wrong one, the prize.
  await page.waitForURL(/\/attempts\/\d+$/)
  await page.getByTestId('score').getByText('66.7').waitFor()
  await page.getByTestId('verdict').getByText('及格').waitFor()
  const items = page.getByTestId('result-item')
  assert.equal(await items.count(), 3)
  for (const q of QUESTIONS) {
    const item = items.filter({ hasText: q.find })
    await item.getByTestId('explanation').getByText(q.body.explanation).waitFor()
    await item.getByText(q.correct ? '回答正确' : '回答错误').waitFor()
  }
  const wrong = items.filter({ hasText: QUESTIONS[1].find })
  const marked = (await wrong.getByTestId('result-option').filter({ hasText: '✓ 正确答案' }).allTextContents()).join('|')
  for (const text of ['日赚三五百', '先垫付', '加大投入']) assert.ok(marked.includes(text), marked)
  assert.ok(!marked.includes('银行柜台'), marked)
  assert.match(await wrong.getByTestId('right-answer').textContent(), /^[A-D]、[A-D]、[A-D]$/)
  const chosen = await wrong.getByTestId('result-option').filter({ hasText: '您的选择' }).allTextContents()
  assert.equal(chosen.length, 1)
  assert.ok(chosen[0].includes('动动手指，日赚三五百'), chosen[0])
  assert.equal(await wrong.getByTestId('read-warnings').getByRole('link').first().getAttribute('href'), `/warnings/${warningId}`)
  assert.equal(await items.filter({ hasText: QUESTIONS[0].find }).getByTestId('read-warnings').count(), 0)
  const prize = page.getByTestId('prize')
  await prize.getByText(PRIZE).waitFor()
  await prize.getByText('请向网格员出示兑奖码').waitFor()
  const code = (await prize.getByTestId('prize-code').textContent()).replace(/\s/g, '')
  assert.match(code, /^[0-9A-HJKMNP-TV-Z]{12}$/)
  await shot(page, 'quiz-result')
  await page.getByRole('switch', { name: '大字模式' }).click()
  await shot(page, 'quiz-result-large-text')
  await page.getByRole('switch', { name: '大字模式' }).click()
  assert.deepEqual(leaks, [], 'no answer key or explanation before handing in')
  assert.ok(inspected.length >= 3, `inspected ${inspected.length} answers`)

  // The result survives a reload (from the server; stems from this browser).
  await page.reload()
  await page.getByTestId('score').getByText('66.7').waitFor()
  await items.first().getByTestId('explanation').waitFor()
  assert.equal((await page.getByTestId('prize-code').textContent()).replace(/\s/g, ''), code)

  // ---- 我的奖品 lists it, still to be handed over.
  await page.goto('/prizes')
  const mine = page.getByTestId('prize-item').filter({ hasText: PRIZE })
  await mine.getByTestId('prize-state').getByText('待兑换').waitFor()
  assert.equal((await mine.getByTestId('prize-code').textContent()).replace(/\s/g, ''), code)
  await shot(page, 'quiz-prizes')

  // Home: one attempt left now.
  await page.goto('/')
  assert.match(await page.getByTestId('quiz-card').filter({ hasText: QUIZ_TITLE }).getByTestId('attempts-left').textContent(), /还可答\s*1\s*次/)
  assert.deepEqual(unexpected(rs.problems), [])

  // ---- A grid worker of another grid may not redeem it.
  const nb = await newPage(browser, server.baseURL, PHONE)
  await staffSignIn(nb.page, NEIGHBOUR)
  await nb.page.goto('/staff/redeem')
  await nb.page.getByTestId('redeem-code').locator('input').fill(code)
  await nb.page.getByTestId('redeem-lookup').click()
  await nb.page.getByTestId('redeem-error').getByText('不是在您管辖的网格中获得的').waitFor()
  await nb.context.close()

  // ---- The resident's grid worker redeems it, from the phone menu.
  const gw = await newPage(browser, server.baseURL, PHONE)
  await staffSignIn(gw.page, WORKER)
  await gw.page.getByRole('button', { name: '菜单' }).click()
  await gw.page.getByTestId('console-menu').getByRole('link', { name: '兑奖' }).click()
  await gw.page.waitForURL('**/staff/redeem')
  const input = gw.page.getByTestId('redeem-code').locator('input')

  // A code too short, and one that does not exist.
  await input.fill('7K3M 9Q2X')
  await gw.page.getByTestId('redeem-lookup').click()
  await gw.page.getByText('兑奖码是 12 位，已输入 8 位').waitFor()
  await input.fill('0000-0000-0000')
  await gw.page.getByTestId('redeem-lookup').click()
  await gw.page.getByTestId('redeem-error').getByText('没有这个兑奖码').waitFor()

  // Typed the way people type: lower case, with dashes.
  const typed = code.toLowerCase().replace(/(.{4})(.{4})(.{4})/, '$1-$2-$3')
  await input.fill(typed)
  assert.equal(await input.inputValue(), code.replace(/(.{4})(.{4})(.{4})/, '$1 $2 $3'))
  await gw.page.getByTestId('redeem-lookup').click()
  const found = gw.page.getByTestId('redeem-prize')
  await found.getByText(PRIZE).waitFor()
  await found.getByText(QUIZ_TITLE).waitFor()
  await found.getByTestId('redeem-state').getByText('可以兑换').waitFor()
  await shot(gw.page, 'redeem-lookup')
  await gw.page.getByTestId('redeem-confirm').click()
  await gw.page.getByTestId('redeem-success').waitFor()
  await found.getByTestId('redeem-state').getByText('已兑换').waitFor()
  await shot(gw.page, 'redeem-done')

  // The second time, the code shows as already redeemed.
  await gw.page.getByTestId('redeem-next').click()
  await input.fill(code)
  await gw.page.getByTestId('redeem-lookup').click()
  await found.getByTestId('redeem-state').getByText('已兑换').waitFor()
  await gw.page.getByTestId('redeem-already').waitFor()
  assert.equal(await gw.page.getByTestId('redeem-confirm').count(), 0)
  await shot(gw.page, 'redeem-already')
  assert.deepEqual(unexpected(gw.problems).filter((p) => !/40[34]/.test(p)), [])
  await gw.context.close()

  // And the resident sees it handed over.
  await page.goto('/prizes')
  await page.getByTestId('prize-item').filter({ hasText: PRIZE }).getByTestId('prize-state').getByText('已兑换').waitFor()
  await rs.context.close()
})

async function staffSignIn(page, { username, password }) {
  await page.goto('/staff/login')
  await page.getByTestId('username').locator('input').fill(username)
  await page.getByTestId('password').locator('input').fill(password)
  await page.getByTestId('sign-in').click()
  await page.waitForURL((url) => url.pathname === '/staff' || url.pathname === '/staff/grid') // a grid worker opens on 我的网格
}
