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

/** formatDetail renders an audit entry's detail (text or JSON) as one line. */
export function formatDetail(detail) {
  if (detail == null || detail === '') return ''
  if (typeof detail === 'string') return detail
  try {
    return JSON.stringify(detail)
  } catch {
    return String(detail)
  }
}
