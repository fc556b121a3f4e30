import { describe, expect, it } from 'vitest'
import { stackTable, watchTables } from './tableCards.js'

const table = () => {
  const host = document.createElement('div')
  host.innerHTML = `<table>
    <thead><tr><th>区域</th><th colspan="2">知晓率</th><th>人数</th></tr></thead>
    <tbody>
      <tr><th scope="row">柯城区</th><td>90%</td><td>bar</td><td data-label="自定">12</td></tr>
      <tr><td colspan="4">合计</td></tr>
    </tbody>
  </table>`
  return host
}

describe('stackTable', () => {
  it('labels cells from the header row and keeps table roles', () => {
    const host = table()
    stackTable(host.querySelector('table'))
    const t = host.querySelector('table')
    expect(t.classList.contains('wz-table--stack')).toBe(true)
    expect(t.getAttribute('role')).toBe('table')
    const rows = t.querySelectorAll('tbody tr')
    const [rowHead, rate, bar, count] = rows[0].children
    expect(rowHead.getAttribute('role')).toBe('rowheader')
    expect(rowHead.dataset.label).toBe('区域')
    expect(rate.getAttribute('role')).toBe('cell')
    expect([rate.dataset.label, bar.dataset.label]).toEqual(['知晓率', '知晓率']) // colspan in the header
    expect(count.dataset.label).toBe('自定') // a page's own label stays
    expect(rows[1].children[0].hasAttribute('data-label')).toBe(false) // a full-width row
    expect(t.querySelector('thead th').getAttribute('role')).toBe('columnheader')
  })

  it('leaves a table that must stay a grid alone', () => {
    const host = table()
    host.querySelector('table').setAttribute('data-keep-grid', '')
    stackTable(host.querySelector('table'))
    expect(host.querySelector('table').classList.contains('wz-table--stack')).toBe(false)
  })

  it('labels rows added later', async () => {
    const host = table()
    document.body.appendChild(host)
    const stop = watchTables(host)
    const row = document.createElement('tr')
    row.innerHTML = '<th>衢江区</th><td>80%</td><td>bar</td><td>7</td>'
    host.querySelector('tbody').appendChild(row)
    await new Promise((r) => setTimeout(r, 0))
    expect(row.children[3].dataset.label).toBe('人数')
    stop()
    host.remove()
  })
})
