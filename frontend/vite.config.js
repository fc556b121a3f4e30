import { existsSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import { serviceWorker } from './sw/plugin.js'

const outDir = fileURLToPath(new URL('./dist', import.meta.url))

// emptyOutDir removes dist/.gitkeep, the file that lets `go build` embed dist
// before Node has ever run; put it back so the working tree stays as committed.
const keepGitkeep = {
  name: 'wuzha-keep-gitkeep',
  apply: 'build',
  closeBundle() {
    const file = `${outDir}/.gitkeep`
    if (!existsSync(file)) writeFileSync(file, '')
  },
}

// The build lands in dist/, which frontend/embed.go embeds into the wuzha
// binary. In development, /api (and the health endpoints) go to a locally
// running `wuzha serve`.
// Vant's icon font names a CDN copy after its embedded one; the server's CSP
// (font-src 'self' data:) blocks it and the browser reports a violation, so
// only the embedded font is kept.
const localIconFont = {
  name: 'wuzha-local-icon-font',
  enforce: 'pre',
  transform(code, id) {
    if (!/vant[\\/]lib[\\/]index\.css$/.test(id)) return null
    return { code: code.replace(/,\s*url\((?:https?:)?\/\/at\.alicdn\.com[^)]*\)\s*format\("woff"\)/g, ''), map: null }
  },
}

export default defineConfig({
  plugins: [vue(), localIconFont, keepGitkeep, serviceWorker()],
  build: {
    outDir,
    emptyOutDir: true,
    // No inline scripts or data-URL modules: the server's CSP allows 'self' only.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 800,
  },
  server: {
    port: 5173,
    proxy: {
      '/api': 'http://127.0.0.1:8080',
      '/healthz': 'http://127.0.0.1:8080',
      '/readyz': 'http://127.0.0.1:8080',
    },
  },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.js'],
    restoreMocks: true,
  },
})
