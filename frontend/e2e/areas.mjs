// Finds, through the public API, a path from a county down to a grid, so the
// tests know which names to tap in the cascading picker. Demo areas (names
// ending in （演示）) are tried first because they are complete down to grids.

const isDemo = (a) => /（演示）$/.test(a.name)
const demoFirst = (list) => [...list].sort((a, b) => Number(isDemo(b)) - Number(isDemo(a)))

async function getJSON(url) {
  const res = await fetch(url)
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`)
  return res.json()
}

/** findGridPath returns [{code, name, level}] from a county to a grid. */
export async function findGridPath(baseURL) {
  const roots = (await getJSON(`${baseURL}/api/v1/areas`)).items
  const seen = new Set()
  async function walk(area, trail) {
    if (area.level === 'grid') return trail
    if (seen.has(area.code)) return null
    seen.add(area.code)
    const full = await getJSON(`${baseURL}/api/v1/areas/${area.code}`)
    for (const child of demoFirst(full.children || [])) {
      const found = await walk(child, [...trail, child])
      if (found) return found
    }
    return null
  }
  for (const root of roots) {
    const found = await walk(root, [])
    if (found) return found
  }
  throw new Error('no grid found under the area roots')
}
