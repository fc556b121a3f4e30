import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import { precompress, vantStyles } from './build-plugins.js'
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
// only the embedded font is kept. The embedded one is a 25 KB base64 data URL
// inside the icon stylesheet, which would hold back the first paint of every
// page that shows an icon; it is written out as its own file (vant-icon.woff2,
// fetched only once an icon is drawn, cached as an immutable asset) and the
// stylesheet points at it; index.html preloads it.
const fontDir = fileURLToPath(new URL('./node_modules/.wuzha', import.meta.url))
const localIconFont = {
  name: 'wuzha-local-icon-font',
  enforce: 'pre',
  transform(code, id) {
    if (!/vant[\\/](lib[\\/]index|es[\\/]icon[\\/]index)\.css$/.test(id)) return null
    code = code.replace(/,\s*url\((?:https?:)?\/\/at\.alicdn\.com[^)]*\)\s*format\("woff"\)/g, '')
    code = code.replace(/url\(["']?data:font\/woff2;charset=utf-8;base64,([A-Za-z0-9+/=]+)["']?\)/, (_, b64) => {
      mkdirSync(fontDir, { recursive: true })
      writeFileSync(path.join(fontDir, 'vant-icon.woff2'), Buffer.from(b64, 'base64'))
      return `url("${path.relative(path.dirname(id), path.join(fontDir, 'vant-icon.woff2')).split(path.sep).join('/')}")`
    })
    return { code, map: null }
  },
  // Fetched from the start, the font is there when the first icons are drawn;
  // discovered only then, its arrival would move the text around them.
  transformIndexHtml: {
    order: 'post',
    handler(html, ctx) {
      const font = Object.keys(ctx.bundle || {}).find((f) => /vant-icon-[\w-]+\.woff2$/.test(f))
      if (!font) return html
      return [{ tag: 'link', attrs: { rel: 'preload', href: `/${font}`, as: 'font', type: 'font/woff2', crossorigin: '' }, injectTo: 'head' }]
    },
  },
}

export default defineConfig({
  // The Markdown toolbar's buttons are custom elements, not Vue components.
  plugins: [vue({ template: { compilerOptions: { isCustomElement: (tag) => tag === 'markdown-toolbar' || tag.startsWith('md-') } } }), vantStyles(), localIconFont, keepGitkeep, serviceWorker(), precompress()],
  // Every component uses <script setup>; without the Options API support the
  // Vue runtime a phone downloads and parses is smaller.
  define: {
    __VUE_OPTIONS_API__: false,
    __VUE_PROD_DEVTOOLS__: false,
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: false,
  },
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
