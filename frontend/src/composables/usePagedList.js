// usePagedList holds one cursor-paged list of the API ({items, next_cursor}):
// the items so far, the cursor of the next page, whether a page is loading and
// the message of the last failure. Pages show it with PagedTable or ListMore.
import { reactive, watch } from 'vue'

/**
 * usePagedList(fetchPage, options) where fetchPage({limit, cursor}) returns a
 * page. Options: limit (20), watch (a source that reloads the list when it
 * changes, e.g. the filters), onLoaded(items) after every page, immediate
 * (false: the page calls reload() when it is mounted).
 */
export function usePagedList(fetchPage, { limit = 20, watch: source, onLoaded, immediate = false } = {}) {
  let seq = 0
  const list = reactive({
    items: [],
    nextCursor: null,
    loading: false,
    error: '',
    /** load fetches the first page again, or with more=true the next page. */
    async load(more = false) {
      const mine = ++seq
      list.loading = true
      list.error = ''
      try {
        const page = await fetchPage({ limit, cursor: more ? list.nextCursor || '' : '' })
        if (mine !== seq) return // a newer load (another filter) has started
        const items = page?.items || []
        list.items = more ? [...list.items, ...items] : items
        list.nextCursor = page?.next_cursor || null
        onLoaded?.(list.items)
      } catch (err) {
        if (mine === seq) list.error = err.message
      } finally {
        if (mine === seq) list.loading = false
      }
    },
    reload: () => list.load(false),
    more: () => list.load(true),
    /** replace swaps one item (by id) for a changed copy. */
    replace(id, changes) {
      const i = list.items.findIndex((x) => x.id === id)
      if (i >= 0) list.items[i] = { ...list.items[i], ...changes }
    },
    /** remove drops one item (by id), e.g. once it has been decided. */
    remove(id) {
      list.items = list.items.filter((x) => x.id !== id)
    },
    get empty() {
      return !list.loading && !list.items.length && !list.error
    },
  })
  if (source) watch(source, () => list.reload(), { deep: true })
  if (immediate) list.reload()
  return list
}
