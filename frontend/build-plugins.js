// Build plugins that keep the resident pages light on a weak phone link.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'

const kebab = (name) => name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()

// The Vant module a function export belongs to (showToast → toast, …).
function vantModule(name) {
  if (/^(show|close|set|reset|allow)\w*Toast\w*$/.test(name)) return 'toast'
  if (/^(show|close|set|reset)\w*Dialog\w*$/.test(name)) return 'dialog'
  if (/^(show|close|set|reset)\w*Notify\w*$/.test(name)) return 'notify'
  if (name === 'showImagePreview') return 'image-preview'
  if (/^[A-Z]/.test(name)) return kebab(name)
  return null // helpers such as Locale's functions carry no styles
}

/**
 * vantStyles adds the stylesheet of each Vant component a module imports
 * (`import { Button as VanButton } from 'vant'` also imports
 * vant/es/button/style), so a page ships only the styles of the components it
 * uses instead of Vant's whole 200 KB stylesheet.
 */
export function vantStyles() {
  const importRe = /import\s*\{([^}]*)\}\s*from\s*['"]vant['"]/g
  return {
    name: 'wuzha-vant-styles',
    transform(code, id) {
      // Unit tests (vitest) load Vant straight from Node, which has no CSS loader.
      if (process.env.VITEST) return null
      if (id.includes('node_modules') || !/\.(vue|js)$/.test(id.split('?')[0]) || !code.includes('vant')) return null
      // The script block of a .vue file (not its template or style parts) holds the imports.
      if (/\?vue&type=(template|style)/.test(id)) return null
      const styles = new Set()
      for (const m of code.matchAll(importRe)) {
        for (const spec of m[1].split(',')) {
          const name = spec.trim().split(/\s+as\s+/)[0].trim()
          const mod = name && vantModule(name)
          if (mod) styles.add(`import 'vant/es/${mod}/style/index';`)
        }
      }
      if (!styles.size) return null
      return { code: `${[...styles].join('\n')}\n${code}`, map: null }
    },
  }
}

const compressible = /\.(js|mjs|css|html|svg|json|txt|webmanifest)$/

/**
 * precompress writes a brotli (.br) and a gzip (.gz) copy next to every text
 * file of the build over minBytes; the Go server sends the copy the browser
 * accepts (api/static.go), so nothing is compressed per request.
 */
export function precompress({ minBytes = 1024 } = {}) {
  let outDir
  return {
    name: 'wuzha-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir)
    },
    closeBundle() {
      const walk = (dir) =>
        readdirSync(dir).flatMap((name) => {
          const file = path.join(dir, name)
          return statSync(file).isDirectory() ? walk(file) : [file]
        })
      for (const file of walk(outDir)) {
        if (!compressible.test(file)) continue
        const data = readFileSync(file)
        if (data.length <= minBytes) continue
        const br = brotliCompressSync(data, {
          params: {
            [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
            [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
          },
        })
        const gz = gzipSync(data, { level: 9 })
        if (br.length < data.length) writeFileSync(`${file}.br`, br)
        if (gz.length < data.length) writeFileSync(`${file}.gz`, gz)
      }
    },
  }
}
