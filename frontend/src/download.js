// Saving a file the API answered (exports) to the user's disk. Exports need
// the bearer token, so they are fetched by api.download and handed to the
// browser as a blob instead of a plain link.

/** saveBlob offers a blob as a download named filename. */
export function saveBlob(blob, filename, doc = globalThis.document) {
  const url = URL.createObjectURL(blob)
  const a = doc.createElement('a')
  a.href = url
  a.download = filename || 'download'
  a.rel = 'noopener'
  a.style.display = 'none'
  doc.body.appendChild(a)
  a.click()
  a.remove()
  // Give the browser a moment to start the download before letting go.
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

/** datedName names an export file with today's date: 题库-20260915.csv. */
export function datedName(base, ext, now = new Date()) {
  const pad = (n) => String(n).padStart(2, '0')
  return `${base}-${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}.${ext}`
}
