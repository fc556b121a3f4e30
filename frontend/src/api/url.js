// Building request paths: every path segment that comes from data (an id, an
// area code, a period, a session code) is encoded the same way, here.
import { buildQuery } from '../api.js'

/**
 * path joins segments into an API path below /api/v1, encoding each one:
 * path('warnings', 12, 'reach') is '/warnings/12/reach' and
 * path('sessions', 'join', 'a/b') is '/sessions/join/a%2Fb'.
 */
export function path(...segments) {
  return segments
    .map((s) => {
      const text = String(s ?? '')
      // encodeURIComponent leaves dots alone, and the URL parser would
      // resolve "." and ".." to another path; no id or code looks like that.
      if (text === '.' || text === '..') throw new Error(`path segment ${JSON.stringify(text)} is not allowed`)
      return `/${encodeURIComponent(text)}`
    })
    .join('')
}

/** withQuery appends a query string, leaving out empty values. */
export function withQuery(p, query) {
  return p + buildQuery(query)
}

/** pageQuery is the query of one page of a cursor-paged list. */
export function pageQuery(filters, { limit, cursor } = {}) {
  return { ...filters, limit, cursor: cursor || '' }
}
