// Read-mostly public data — the code lists and the area tree — fetched once
// per page load and shared by the pages that need it.
import * as areasApi from './api/areas.js'

let taxonomy = null
const areas = new Map()

/** loadTaxonomy returns {age_bands, occupations, fraud_types}; a failure is not cached. */
export function loadTaxonomy() {
  if (!taxonomy) {
    taxonomy = areasApi.taxonomy().catch((err) => {
      taxonomy = null
      throw err
    })
  }
  return taxonomy
}

/** loadRoots returns the root areas (the city) with their children. */
export async function loadRoots() {
  const answer = await areasApi.list()
  return Array.isArray(answer?.items) ? answer.items : []
}

/** loadArea returns one area with its direct children. */
export function loadArea(code) {
  if (!areas.has(code)) {
    areas.set(
      code,
      areasApi.get(code).catch((err) => {
        areas.delete(code)
        throw err
      }),
    )
  }
  return areas.get(code)
}

/** nameOf finds the name of a code in a list of {code, name}, or returns the code. */
export function nameOf(list, code) {
  return list?.find((item) => item.code === code)?.name ?? code ?? ''
}
