// Staff tables become cards on a phone: below the breakpoint (styles.css,
// .wz-table--stack) each row is a card of "column: value" lines. The CSS
// needs every cell to carry its column's title (data-label) and, because
// display:block takes table semantics away from screen readers, explicit
// ARIA roles. stackTable gives a table both, from its header row;
// watchTables keeps doing it for every table that appears under a root.

const KEEP = 'data-keep-grid' // a table that must stay a grid (none today)

/** titlesOf reads the column titles of a table's header row. */
const kids = (el, selector) => Array.from(el.children).filter((c) => c.matches(selector))

function titlesOf(table) {
  const head = kids(table, 'thead').flatMap((g) => kids(g, 'tr'))[0]
  if (!head) return []
  const titles = []
  for (const cell of kids(head, 'th, td')) {
    const span = Number(cell.getAttribute('colspan')) || 1
    const title = (cell.getAttribute('aria-label') || cell.textContent || '').trim()
    for (let i = 0; i < span; i++) titles.push(title)
  }
  return titles
}

const setIfMissing = (el, name, value) => {
  if (value && !el.hasAttribute(name)) el.setAttribute(name, value)
}

/** stackTable labels the cells of table and gives it the stacking class and roles. */
export function stackTable(table) {
  if (!table || table.hasAttribute(KEEP)) return
  const titles = titlesOf(table)
  table.classList.add('wz-table', 'wz-table--stack')
  setIfMissing(table, 'role', 'table')
  for (const group of kids(table, 'thead, tbody, tfoot')) {
    setIfMissing(group, 'role', 'rowgroup')
    const header = group.tagName === 'THEAD'
    for (const row of kids(group, 'tr')) {
      setIfMissing(row, 'role', 'row')
      let col = 0
      for (const cell of kids(row, 'th, td')) {
        if (cell.tagName === 'TH') setIfMissing(cell, 'role', header ? 'columnheader' : 'rowheader')
        else setIfMissing(cell, 'role', 'cell')
        if (!header && !cell.hasAttribute('colspan')) setIfMissing(cell, 'data-label', titles[col])
        col += Number(cell.getAttribute('colspan')) || 1
      }
    }
  }
}

/** stackTables stacks every table under root. */
export function stackTables(root) {
  if (!root?.querySelectorAll) return
  for (const t of root.querySelectorAll('table')) stackTable(t)
}

/** watchTables stacks the tables under root now and whenever rows change; it answers a stop function. */
export function watchTables(root) {
  if (!root || typeof MutationObserver === 'undefined') return () => {}
  let queued = false
  const observer = new MutationObserver(() => {
    if (queued) return
    queued = true
    queueMicrotask(() => {
      queued = false
      stackTables(root)
    })
  })
  stackTables(root)
  observer.observe(root, { childList: true, subtree: true })
  return () => observer.disconnect()
}
