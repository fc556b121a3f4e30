import { describe, expect, it } from 'vitest'
import { appendPage, emptyFeed, pageQuery } from './feed.js'

describe('feed paging', () => {
  const item = (id) => ({ id, title: `t${id}` })

  it('appends pages and stops at the last', () => {
    let s = emptyFeed()
    expect(pageQuery(s, 10)).toEqual({ limit: 10, cursor: '' })
    s = appendPage(s, { items: [item(3), item(2)], next_cursor: 'c1' })
    expect(s).toMatchObject({ cursor: 'c1', finished: false, pages: 1 })
    expect(pageQuery(s, 10, { age_band: '60p' })).toEqual({ age_band: '60p', limit: 10, cursor: 'c1' })
    s = appendPage(s, { items: [item(1)], next_cursor: null })
    expect(s.items.map((i) => i.id)).toEqual([3, 2, 1])
    expect(s.finished).toBe(true)
  })

  it('shows an item once when a page repeats it', () => {
    let s = appendPage(emptyFeed(), { items: [item(5), item(4)], next_cursor: 'a' })
    s = appendPage(s, { items: [item(4), item(3)], next_cursor: 'b' })
    expect(s.items.map((i) => i.id)).toEqual([5, 4, 3])
    expect(s.finished).toBe(false)
  })

  it('stops instead of looping on a cursor that does not move or an empty page', () => {
    let s = appendPage(emptyFeed(), { items: [item(1)], next_cursor: 'x' })
    const same = appendPage(s, { items: [item(2)], next_cursor: 'x' })
    expect(same.finished).toBe(true)
    expect(same.items.map((i) => i.id)).toEqual([1, 2])
    const empty = appendPage(s, { items: [], next_cursor: 'y' })
    expect(empty.finished).toBe(true)
  })

  it('copes with an answer without items', () => {
    const s = appendPage(emptyFeed(), null)
    expect(s).toEqual({ items: [], cursor: null, finished: true, pages: 1 })
  })
})
