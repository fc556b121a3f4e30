// Pure helpers of the awareness (知晓率), assessment (平安考核) and report
// pages: which periods may be picked, how rates and intervals are written,
// the knowledge-gap heatmap's data, and which grids fall short of coverage.

import { parsePeriod, periodLabel } from './format.js'

// The period formatter lives in format.js, shared by every page; these
// pages import it from here as well.
export { parsePeriod, periodLabel }

const pad = (n) => String(n).padStart(2, '0')

/** The calendar parts of a time in Asia/Shanghai (UTC+8, no DST). */
function shanghai(now) {
  const d = new Date(now.getTime() + 8 * 3600_000)
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1 }
}

/** currentQuarter names the quarter containing now in Asia/Shanghai: 2026Q3. */
export function currentQuarter(now = new Date()) {
  const { year, month } = shanghai(now)
  return `${year}Q${Math.floor((month - 1) / 3) + 1}`
}

/** previousQuarters lists n quarters ending with `period` (a quarter), oldest first. */
export function previousQuarters(period, n = 4) {
  const p = parsePeriod(period)
  if (!p || p.kind !== 'quarter') return []
  const out = []
  let { year, q } = p
  for (let i = 0; i < n; i++) {
    out.unshift(`${year}Q${q}`)
    q -= 1
    if (q === 0) {
      q = 4
      year -= 1
    }
  }
  return out
}

/**
 * trendMonths lists the n months ending with the period's last month — or
 * with the current month when the period is still running — oldest first:
 * a quarter's trend then shows its months, so one quarter of data already
 * has a shape.
 */
export function trendMonths(period, n = 6, now = new Date()) {
  const p = parsePeriod(period)
  if (!p) return []
  let year = p.year
  let month = p.kind === 'quarter' ? 3 * p.q : p.month
  const cur = shanghai(now)
  if (year > cur.year || (year === cur.year && month > cur.month)) ({ year, month } = cur)
  const out = []
  for (let i = 0; i < n; i++) {
    out.unshift(`${year}-${pad(month)}`)
    month -= 1
    if (month === 0) {
      month = 12
      year -= 1
    }
  }
  return out
}

/**
 * periodOptions lists the periods one may pick, newest first and never in the
 * future: the current and previous `quarters` quarters, then the current and
 * previous `months` months. Each is {value, text}.
 */
export function periodOptions(now = new Date(), { quarters = 6, months = 12 } = {}) {
  const { year, month } = shanghai(now)
  const qs = previousQuarters(`${year}Q${Math.floor((month - 1) / 3) + 1}`, quarters).reverse()
  const ms = []
  let y = year
  let m = month
  for (let i = 0; i < months; i++) {
    ms.push(`${y}-${pad(m)}`)
    m -= 1
    if (m === 0) {
      m = 12
      y -= 1
    }
  }
  return [...qs, ...ms].map((value) => ({ value, text: periodLabel(value) }))
}

/** isPickable reports whether a period is well formed and not in the future. */
export function isPickable(name, now = new Date()) {
  const p = parsePeriod(name)
  if (!p) return false
  const { year, month } = shanghai(now)
  const startMonth = p.kind === 'quarter' ? 3 * (p.q - 1) + 1 : p.month
  return p.year < year || (p.year === year && startMonth <= month)
}

/** formatRate writes a 0–1 rate as a percentage with one decimal, or — when null. */
export function formatRate(rate, digits = 1) {
  if (rate == null || Number.isNaN(Number(rate))) return '—'
  return `${(Number(rate) * 100).toFixed(digits)}%`
}

/** formatInterval writes a 95% interval as 71.2%–88.0%, or — when either end is null. */
export function formatInterval(low, high, digits = 1) {
  if (low == null || high == null) return '—'
  return `${formatRate(low, digits)}–${formatRate(high, digits)}`
}

/** formatCoverage writes a coverage (respondents ÷ population) in percent, small ones as <0.01%. */
export function formatCoverage(coverage) {
  if (coverage == null || Number.isNaN(Number(coverage))) return '—'
  const c = Number(coverage)
  if (c > 0 && c < 0.0001) return '<0.01%'
  return formatRate(c, 2)
}

/** intervalBar places an interval and its point on a 0–100% bar as CSS percentages, or null. */
export function intervalBar(rate, low, high) {
  if (rate == null || low == null || high == null) return null
  const clamp = (x) => Math.min(100, Math.max(0, Number(x) * 100))
  const left = clamp(low)
  return { left: `${left}%`, width: `${Math.max(0, clamp(high) - left)}%`, point: `${clamp(rate)}%` }
}

/** MIN_SAMPLE is the default sample below which a figure is marked 样本不足. */
export const MIN_SAMPLE = 30

/** insufficient reports whether a figure rests on too few respondents. */
export function insufficient(respondents, min = MIN_SAMPLE) {
  return Number(respondents || 0) < min
}

/**
 * heatmapData shapes gaps [{fraud_type, age_band, answered, correct, rate}]
 * into a fraud type × age band grid for an ECharts heatmap: x = every age
 * band of the taxonomy, y = the fraud types that occur (names from the
 * taxonomy lists, in their order; unknown codes after them), data = [x, y, rate%] for cells with a rate; the
 * cells without one are listed in `empty` to be drawn grey.
 */
export function heatmapData(gaps, { fraudTypes = [], ageBands = [] } = {}) {
  const list = Array.isArray(gaps) ? gaps : []
  const usedF = new Set(list.map((g) => g.fraud_type))
  const usedA = new Set(list.map((g) => g.age_band))
  const order = (codes, used, all = false) => {
    const known = codes.map((c) => c.code).filter((c) => all || used.has(c))
    const extra = [...used].filter((c) => !known.includes(c)).sort()
    return [...known, ...extra]
  }
  const xs = order(ageBands, usedA, true) // every age band: a band nobody answered in shows grey
  const ys = order(fraudTypes, usedF)
  const name = (codes, code) => codes.find((c) => c.code === code)?.name ?? code
  const data = []
  const empty = []
  const seen = new Set()
  for (const g of list) {
    const x = xs.indexOf(g.age_band)
    const y = ys.indexOf(g.fraud_type)
    seen.add(`${x},${y}`)
    if (g.rate == null) empty.push([x, y])
    else data.push([x, y, Math.round(Number(g.rate) * 1000) / 10])
  }
  for (let x = 0; x < xs.length; x++) for (let y = 0; y < ys.length; y++) if (!seen.has(`${x},${y}`)) empty.push([x, y])
  return { xLabels: xs.map((c) => name(ageBands, c)), yLabels: ys.map((c) => name(fraudTypes, c)), data, empty }
}

/** weakest lists the entries with a rate, lowest rate first, at most n. */
export function weakest(items, n = 5) {
  return (Array.isArray(items) ? items : [])
    .filter((x) => x && x.rate != null)
    .sort((a, b) => a.rate - b.rate)
    .slice(0, n)
}

/**
 * coverageGaps keeps the grids whose coverage is below target (or unknown
 * while they have people), lowest coverage first.
 */
export function coverageGaps(items, target) {
  const t = Number(target)
  return (Array.isArray(items) ? items : [])
    .filter((g) => (g.coverage == null ? Number(g.population) > 0 : Number(g.coverage) < t))
    .sort((a, b) => (a.coverage ?? -1) - (b.coverage ?? -1))
}

/** sortByRank orders assessment rows by rank, then name. */
export function sortByRank(rows) {
  return [...(Array.isArray(rows) ? rows : [])].sort((a, b) => a.rank - b.rank || String(a.name).localeCompare(String(b.name), 'zh'))
}

/** trendSeries turns [{period, rate, ci_low, ci_high}] into ECharts series values (percent, null gaps). */
export function trendSeries(points) {
  const pct = (x) => (x == null ? null : Math.round(Number(x) * 1000) / 10)
  const list = Array.isArray(points) ? points : []
  return {
    labels: list.map((p) => periodLabel(p.period)),
    rate: list.map((p) => pct(p.rate)),
    low: list.map((p) => pct(p.ci_low)),
    band: list.map((p) => (p.ci_low == null || p.ci_high == null ? null : Math.round((p.ci_high - p.ci_low) * 1000) / 10)),
  }
}
