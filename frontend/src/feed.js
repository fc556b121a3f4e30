// Paging through a cursor-paged list such as the residents' feed: pages are
// appended, an item seen before is not shown twice (the feed is ranked, so a
// warning published meanwhile can shift one onto the next page), and paging
// stops when the server has no more — or answers in a way that would loop.

/** emptyFeed is the state before the first page. */
export function emptyFeed() {
  return { items: [], cursor: null, finished: false, pages: 0 }
}

/** pageQuery is the query for the next page of state. */
export function pageQuery(state, limit, extra = {}) {
  return { ...extra, limit, cursor: state.cursor || '' }
}

/**
 * appendPage returns the state after `page` ({items, next_cursor}) arrived
 * for the request made with `state.cursor`.
 */
export function appendPage(state, page) {
  const incoming = Array.isArray(page?.items) ? page.items : []
  const seen = new Set(state.items.map((it) => it.id))
  const fresh = incoming.filter((it) => it && !seen.has(it.id) && seen.add(it.id))
  const next = typeof page?.next_cursor === 'string' && page.next_cursor ? page.next_cursor : null
  // A cursor that does not move, or an empty page that still promises more,
  // would ask for the same thing forever.
  const stuck = next !== null && (next === state.cursor || incoming.length === 0)
  return {
    items: [...state.items, ...fresh],
    cursor: next,
    finished: next === null || stuck,
    pages: state.pages + 1,
  }
}
