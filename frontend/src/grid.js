// The grid worker's figures and in-person sessions: pure helpers for the
// 我的网格 page, the session screen and the join page, unit-tested.

/** formatPercent shows a share (0..1) as "82.0%", or "—" when there is none. */
export function formatPercent(share, digits = 1) {
  if (share == null || !Number.isFinite(Number(share))) return '—'
  return `${(Number(share) * 100).toFixed(digits)}%`
}

/**
 * formatRate shows a rate with its 95% interval and sample:
 * "82.0%（95%区间 70.1%–89.8%，样本 45 人）"; with no respondents "暂无样本".
 */
export function formatRate(r) {
  if (!r || !r.respondents || r.rate == null) return '暂无样本'
  const interval =
    r.ci_low != null && r.ci_high != null ? `95%区间 ${formatPercent(r.ci_low)}–${formatPercent(r.ci_high)}，` : ''
  return `${formatPercent(r.rate)}（${interval}样本 ${r.respondents} 人）`
}

/** formatCoverage shows respondents against the population: "45 / 1200 人（3.8%）". */
export function formatCoverage(r) {
  if (!r) return '—'
  const n = Number(r.respondents) || 0
  if (!r.population) return `${n} 人（常住人口未录入）`
  return `${n} / ${r.population} 人（${formatPercent(r.coverage ?? n / r.population)}）`
}

/** weakestFraudTypes returns the n fraud types answered worst (lowest rate, answered > 0). */
export function weakestFraudTypes(lines, n = 3) {
  return (Array.isArray(lines) ? lines : [])
    .filter((l) => l && Number(l.answered) > 0 && l.rate != null)
    .slice()
    .sort((a, b) => a.rate - b.rate || b.answered - a.answered || String(a.fraud_type).localeCompare(String(b.fraud_type)))
    .slice(0, n)
}

/**
 * formatJoinCode spaces a join code for reading aloud: ten digits like a
 * phone number, "123 456 7890"; the six-digit codes of older sessions "123 456".
 */
export function formatJoinCode(code) {
  const c = String(code ?? '').replace(/\D/g, '')
  if (c.length === 10) return `${c.slice(0, 3)} ${c.slice(3, 6)} ${c.slice(6)}`
  return c.length === 6 ? `${c.slice(0, 3)} ${c.slice(3)}` : c
}

/** joinCodeOf is the session code in a query value, or '' if it is not one. */
export function joinCodeOf(v) {
  return typeof v === 'string' && /^\d{6,12}$/.test(v) ? v : ''
}

/** sessionState says whether a session is open, closed or expired (at `now`). */
export function sessionState(s, now = Date.now()) {
  if (!s) return 'unknown'
  if (s.status === 'closed') return 'closed'
  const exp = Date.parse(s.expires_at)
  if (s.open === false || (Number.isFinite(exp) && exp <= now)) return s.status === 'closed' ? 'closed' : 'expired'
  return 'open'
}

/** joinErrorMessage turns an error of GET /sessions/join/{code} into what a resident reads. */
export function joinErrorMessage(err) {
  if (err?.status === 410 || err?.code === 'session_closed') return '本场答题已结束，请联系网格员'
  if (err?.status === 404 || err?.code === 'session_not_found') return '答题码无效'
  return err?.message || '请求失败，请稍后再试'
}

/**
 * createPoller calls `fn` now and then every `intervalMs` after the previous
 * call settled (never two at once), until stop(). Errors go to onError and do
 * not stop the polling. Timers are injectable for tests.
 */
export function createPoller(fn, intervalMs, { onError = () => {}, setTimer = setTimeout, clearTimer = clearTimeout } = {}) {
  let timer = null
  let stopped = false
  let running = false
  async function tick() {
    timer = null
    if (stopped || running) return
    running = true
    try {
      await fn()
    } catch (err) {
      onError(err)
    } finally {
      running = false
    }
    if (!stopped) timer = setTimer(tick, intervalMs)
  }
  return {
    start() {
      stopped = false
      if (!timer && !running) tick()
    },
    stop() {
      stopped = true
      if (timer) clearTimer(timer)
      timer = null
    },
    /** now polls at once (e.g. when the page becomes visible again). */
    now() {
      if (stopped || running) return
      if (timer) clearTimer(timer)
      tick()
    },
  }
}
