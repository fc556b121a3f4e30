// A Vite plugin that writes the service worker (sw/sw.js) into the build as
// /sw.js with the app shell to precache: index.html, the entry chunk and
// everything the resident pages load (found from the bundle's import graph,
// so it follows whatever chunking the build does), and the favicon. The
// version is a hash of that list, so a new build installs a new cache and
// drops the old one.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'

const SHELL_PAGES = /[\\/]pages[\\/](resident[\\/]|NotFoundPage\.vue)/

export function serviceWorker() {
  return {
    name: 'wuzha-service-worker',
    apply: 'build',
    generateBundle(_options, bundle) {
      const chunks = Object.values(bundle).filter((f) => f.type === 'chunk')
      const byName = new Map(chunks.map((c) => [c.fileName, c]))
      const files = new Set()
      const add = (name) => {
        if (files.has(name)) return
        files.add(name)
        const c = byName.get(name)
        if (!c) return
        for (const css of c.viteMetadata?.importedCss ?? []) files.add(css)
        for (const asset of c.viteMetadata?.importedAssets ?? []) files.add(asset)
        for (const dep of c.imports) add(dep)
      }
      for (const c of chunks) {
        if (c.isEntry || (c.facadeModuleId && SHELL_PAGES.test(c.facadeModuleId))) add(c.fileName)
      }
      const shell = ['/', ...[...files].sort().map((f) => `/${f}`), '/favicon.svg']
      const version = createHash('sha256').update(shell.join('\n')).digest('hex').slice(0, 12)
      const source = readFileSync(new URL('./sw.js', import.meta.url), 'utf8')
        .replace('self.__SHELL__', JSON.stringify(shell))
        .replace('self.__VERSION__', JSON.stringify(version))
      this.emitFile({ type: 'asset', fileName: 'sw.js', source })
    },
  }
}
