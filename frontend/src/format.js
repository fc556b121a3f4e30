// Display formats shared by the pages.

const pad = (n) => String(n).padStart(2, '0')

/** formatTime shows an RFC 3339 time as local "YYYY-MM-DD HH:mm"; bad input comes back as is. */
export function formatTime(value, { seconds = false } = {}) {
  if (!value) return ''
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) return String(value)
  const base = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`
  return seconds ? `${base}:${pad(d.getSeconds())}` : base
}

/** parsePeriod reads 2026Q3 or 2026-09 as {kind, year, q|month}, or null. */
export function parsePeriod(name) {
  const m = /^(\d{4})(?:Q([1-4])|-(0[1-9]|1[0-2]))$/.exec(String(name ?? ''))
  if (!m) return null
  const year = Number(m[1])
  return m[2] ? { kind: 'quarter', year, q: Number(m[2]) } : { kind: 'month', year, month: Number(m[3]) }
}

/**
 * periodLabel writes a period in Chinese: 2026年第3季度, 2026年9月. Every
 * page shows periods through it; anything else comes back as it is.
 */
export function periodLabel(name) {
  const p = parsePeriod(name)
  if (!p) return String(name ?? '')
  return p.kind === 'quarter' ? `${p.year}年第${p.q}季度` : `${p.year}年${p.month}月`
}
