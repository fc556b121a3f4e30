// Lighthouse (mobile preset: a mid-range phone on slow 4G, simulated) for the
// resident pages, against Debian's Chromium and a freshly seeded server:
//
//   npm run build && (cd .. && go build -o bin/wuzha .) && npm run lighthouse
//
// It signs a resident in, publishes a warning and a prize quiz as the e2e
// tests do, then audits the signed-out home, the quiz page (the resident's
// view before starting) and the warning page, and prints the four category
// scores of the median of LIGHTHOUSE_RUNS runs (3) with the audits that cost
// points. The median runs' HTML reports land in e2e/screenshots/lighthouse-*.html.
// Not part of CI: scores vary from run to run on a busy machine.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import lighthouse from 'lighthouse'
import { chromium } from 'playwright-core'
import { apiClient, approvedQuestions, publishedQuiz } from '../e2e/api.mjs'
import { screenshotDir } from '../e2e/browser.mjs'
import { startServer } from '../e2e/server.mjs'

const chromePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
const port = 9200 + Math.floor(Math.random() * 500)
const EDITOR = { username: 'lh-bianji', password: 'Lh-bianji-2026-x', role: 'editor', area: '330800' }
const REVIEWER = { username: 'lh-shenhe', password: 'Lh-shenhe-2026-x', role: 'reviewer', area: '330800' }
const RESIDENT_PHONE = '13900009876'
const RUNS = Number(process.env.LIGHTHOUSE_RUNS || 3)
const GRID = '330802001001001'

async function seed(server) {
  for (const u of [EDITOR, REVIEWER]) await server.addUser(u)
  const editor = apiClient(server.baseURL)
  await editor.signIn(EDITOR.username, EDITOR.password)
  const reviewer = apiClient(server.baseURL)
  await reviewer.signIn(REVIEWER.username, REVIEWER.password)

  const warning = await editor.post('/warnings', {
    title: '“冒充客服退款”：快递丢件理赔要您共享屏幕',
    summary: '自称快递客服说包裹丢失可双倍理赔，诱导下载会议软件共享屏幕，盗取验证码和银行卡信息。',
    body_markdown:
      '### 案例\n市民王女士接到“快递客服”电话，称包裹丢失可获双倍理赔，随后按对方要求下载会议软件并开启屏幕共享，银行卡内 3 万余元被转走。\n\n### 识别要点\n- 正规理赔不需要下载陌生软件\n- 任何要求**共享屏幕**的都是诈骗\n- 验证码不告诉任何人\n\n### 遇到怎么办\n挂断电话，通过官方 App 或官方电话核实；拿不准就打 **96110**。',
    fraud_type: 'cs_impersonation',
    age_bands: [],
    occupations: [],
    area_codes: [],
  })
  await editor.post(`/warnings/${warning.id}/submit`)
  await reviewer.post(`/warnings/${warning.id}/approve`)

  const ids = await approvedQuestions(editor, reviewer, [0, 1, 2].map((i) => ({
    kind: 'true_false',
    stem: `第 ${i + 1} 题：陌生人让您把钱转到“安全账户”，这是公安机关的正常办案流程。`,
    options: [
      { key: 'A', text: '正确' },
      { key: 'B', text: '错误' },
    ],
    answer: ['B'],
    explanation: '公安机关不会通过电话办案，更没有所谓的“安全账户”。',
    fraud_type: 'police_impersonation',
    difficulty: 1,
  })))
  const quiz = await publishedQuiz(editor, {
    title: '全民反诈知识有奖问答',
    description: '三道题，60 分及格，及格即有机会获得反诈宣传保温杯。',
    max_attempts: 2,
    core_question_ids: ids,
    counts_for_awareness: false,
  })
  await editor.post(`/quizzes/${quiz.id}/prizes`, { name: '反诈宣传保温杯', stock: 5, min_score: 60, probability: 1 })

  const resident = apiClient(server.baseURL)
  const pair = await resident.signInResident(server, RESIDENT_PHONE)
  await resident.put('/me/profile', { age_band: '60p', occupation: 'retiree', grid_code: GRID, consent: true })
  return { warningId: warning.id, quizId: quiz.id, pair }
}

const server = await startServer()
const profile = await mkdtemp(path.join(os.tmpdir(), 'wuzha-lighthouse-'))
let context
try {
  const { warningId, quizId, pair } = await seed(server)
  // One persistent profile that Lighthouse reaches over the debugging port;
  // Playwright only puts the resident's sign-in into it for the quiz page.
  context = await chromium.launchPersistentContext(profile, {
    executablePath: chromePath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', `--remote-debugging-port=${port}`],
  })
  const page = context.pages()[0] || (await context.newPage())
  const cdp = await context.newCDPSession(page)

  const pages = [
    { name: 'home', title: '首页（未登录）', path: '/', signedIn: false },
    { name: 'quiz', title: '有奖问答（已登录群众）', path: `/quizzes/${quizId}/take`, signedIn: true },
    { name: 'warning', title: '防骗预警（未登录）', path: `/warnings/${warningId}`, signedIn: false },
  ]
  const rows = []
  await mkdir(screenshotDir, { recursive: true })
  for (const p of pages) {
    const runs = []
    for (let i = 0; i < RUNS; i++) runs.push(await audit(p))
    // Lighthouse's advice for noisy machines: several runs, the median one.
    runs.sort((a, b) => a.performance - b.performance)
    const median = runs[Math.floor(runs.length / 2)]
    await writeFile(path.join(screenshotDir, `lighthouse-${p.name}.html`), median.report)
    rows.push({ ...median, page: `${p.title} ${p.path}`, all: runs.map((r) => r.performance) })
  }

  /** audit runs Lighthouse once on a cold cache, signed in or out as the page needs. */
  async function audit(p) {
    // The sign-in is kept (or removed) by hand, since Lighthouse is told not
    // to reset storage; the HTTP cache is cleared for every run.
    await page.goto(`${server.baseURL}/login`)
    await page.evaluate((pair) => {
      localStorage.clear()
      if (!pair) return
      localStorage.setItem('wuzha.accessToken', pair.access_token)
      localStorage.setItem('wuzha.refreshToken', pair.refresh_token)
      const { id, username, role, area_code } = pair.user
      localStorage.setItem('wuzha.user', JSON.stringify({ id, username, role, area_code }))
    }, p.signedIn ? pair : null)
    await page.goto('about:blank')
    await cdp.send('Network.clearBrowserCache')

    const result = await lighthouse(
      `${server.baseURL}${p.path}`,
      { port, output: 'html', logLevel: 'error', disableStorageReset: true },
      undefined,
    )
    const lhr = result.lhr
    const score = (id) => Math.round((lhr.categories[id]?.score ?? 0) * 100)
    const lost = Object.values(lhr.audits)
      .filter((a) => a.score !== null && a.score < 1 && !['informative', 'notApplicable', 'manual'].includes(a.scoreDisplayMode))
      .map((a) => `${a.id}${a.displayValue ? ` (${a.displayValue})` : ''}`)
    return {
      report: result.report,
      performance: score('performance'),
      accessibility: score('accessibility'),
      'best-practices': score('best-practices'),
      seo: score('seo'),
      FCP: lhr.audits['first-contentful-paint'].displayValue,
      LCP: lhr.audits['largest-contentful-paint'].displayValue,
      TBT: lhr.audits['total-blocking-time'].displayValue,
      CLS: lhr.audits['cumulative-layout-shift'].displayValue,
      benchmark: Math.round(lhr.environment.benchmarkIndex),
      lost,
      // Where an accessibility audit failed: the elements it names.
      a11y: lhr.categories.accessibility.auditRefs
        .map((ref) => lhr.audits[ref.id])
        .filter((a) => a.score !== null && a.score < 1)
        .map((a) => `${a.id}: ${(a.details?.items || []).slice(0, 3).map((i) => i.node?.snippet || '').join(' | ')}`),
      finalUrl: lhr.finalDisplayedUrl,
    }
  }
  console.log(`\nLighthouse ${(await import('lighthouse/package.json', { with: { type: 'json' } })).default.version}, mobile preset, ${chromePath}`)
  for (const r of rows) {
    console.log(`\n${r.page}  (ended at ${r.finalUrl})`)
    console.log(`  performance of the ${r.all.length} runs: ${r.all.join(', ')}; the median run:`)
    console.log(`  performance ${r.performance}  accessibility ${r.accessibility}  best-practices ${r['best-practices']}  SEO ${r.seo}`)
    console.log(`  FCP ${r.FCP}  LCP ${r.LCP}  TBT ${r.TBT}  CLS ${r.CLS}  (host CPU benchmark index ${r.benchmark})`)
    if (r.lost.length) console.log(`  audits below full marks: ${r.lost.join(', ')}`)
    for (const a of r.a11y) console.log(`  accessibility: ${a}`)
  }
  console.log(`\nHTML reports: ${path.join(screenshotDir, 'lighthouse-*.html')}`)
} finally {
  await context?.close()
  await server.stop()
  await rm(profile, { recursive: true, force: true })
}
