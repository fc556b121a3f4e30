import { nextTick, ref } from 'vue'
import { describe, expect, it, vi } from 'vitest'
import { usePagedList } from './usePagedList.js'

// pages answers fetchPage from a list of pages keyed by cursor ('' first).
function pages(byCursor) {
  return vi.fn(async ({ cursor }) => {
    const page = byCursor[cursor]
    if (page instanceof Error) throw page
    return page
  })
}

describe('usePagedList', () => {
  it('loads the first page, then appends the next one with its cursor', async () => {
    const fetchPage = pages({
      '': { items: [{ id: 1 }, { id: 2 }], next_cursor: 'c2' },
      c2: { items: [{ id: 3 }], next_cursor: null },
    })
    const list = usePagedList(fetchPage, { limit: 2 })
    await list.reload()
    expect(list.items.map((x) => x.id)).toEqual([1, 2])
    expect(list.nextCursor).toBe('c2')
    await list.more()
    expect(fetchPage).toHaveBeenLastCalledWith({ limit: 2, cursor: 'c2' })
    expect(list.items.map((x) => x.id)).toEqual([1, 2, 3])
    expect(list.nextCursor).toBe(null)
    expect(list.loading).toBe(false)
  })

  it('starts again from the first page on reload', async () => {
    const fetchPage = pages({ '': { items: [{ id: 1 }], next_cursor: 'c2' }, c2: { items: [{ id: 2 }] } })
    const list = usePagedList(fetchPage)
    await list.reload()
    await list.more()
    await list.reload()
    expect(list.items.map((x) => x.id)).toEqual([1])
    expect(fetchPage).toHaveBeenLastCalledWith({ limit: 20, cursor: '' })
  })

  it('keeps the items and shows the message when a page fails', async () => {
    const fetchPage = pages({ '': { items: [{ id: 1 }], next_cursor: 'c2' }, c2: new Error('网络连接失败') })
    const list = usePagedList(fetchPage)
    await list.reload()
    await list.more()
    expect(list.error).toBe('网络连接失败')
    expect(list.items).toHaveLength(1)
    expect(list.empty).toBe(false)
  })

  it('is empty only when loaded without items and without an error', async () => {
    const list = usePagedList(pages({ '': { items: [] } }))
    const loading = list.reload()
    expect(list.loading).toBe(true)
    expect(list.empty).toBe(false)
    await loading
    expect(list.empty).toBe(true)
  })

  it('drops a slower answer to an older filter', async () => {
    const status = ref('draft')
    let release
    const fetchPage = vi.fn(({ cursor }) =>
      status.value === 'draft' && cursor === ''
        ? new Promise((resolve) => (release = () => resolve({ items: [{ id: 'old' }] })))
        : Promise.resolve({ items: [{ id: 'new' }] }),
    )
    const list = usePagedList(fetchPage, { watch: status })
    const first = list.reload()
    status.value = 'published'
    await nextTick()
    await vi.waitFor(() => expect(list.items.map((x) => x.id)).toEqual(['new']))
    release()
    await first
    expect(list.items.map((x) => x.id)).toEqual(['new'])
    expect(list.loading).toBe(false)
  })

  it('reloads when a watched filter changes', async () => {
    const kind = ref('')
    const fetchPage = vi.fn(async () => ({ items: [{ id: kind.value || 'all' }] }))
    const list = usePagedList(fetchPage, { watch: kind })
    await list.reload()
    kind.value = 'single'
    await vi.waitFor(() => expect(list.items).toEqual([{ id: 'single' }]))
    expect(fetchPage).toHaveBeenCalledTimes(2)
  })

  it('replaces and removes items by id, and reports each loaded page', async () => {
    const onLoaded = vi.fn()
    const list = usePagedList(pages({ '': { items: [{ id: 1, status: 'draft' }, { id: 2 }] } }), { onLoaded })
    await list.reload()
    expect(onLoaded).toHaveBeenCalledWith([{ id: 1, status: 'draft' }, { id: 2 }])
    list.replace(1, { status: 'archived' })
    list.remove(2)
    expect(list.items).toEqual([{ id: 1, status: 'archived' }])
  })
})
