// Test harness for the browser tests: runs a real `wuzha serve` on a free port
// with a fresh SQLite data directory, and offers helpers to add staff users and
// read the SMS outbox. The binary embeds the frontend, so build both first:
//   npm run build && (cd .. && go build -o bin/wuzha .)
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const frontendDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** binaryPath is the wuzha binary under test: $WUZHA_BIN or ../bin/wuzha. */
export function binaryPath() {
  return path.resolve(frontendDir, process.env.WUZHA_BIN || '../bin/wuzha')
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

function run(bin, args, { env, input }) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env, stdio: ['pipe', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${args.join(' ')} exited ${code}: ${out}`))))
    child.stdin.end(input ?? '')
  })
}

/**
 * startServer starts the backend and waits until /readyz answers 200 (with
 * seedDemo, after `wuzha seed --demo` has filled its data folder).
 * Call stop() when done; it ends the process and removes the data directory.
 */
export async function startServer({ readyTimeoutMs = 30_000, seedDemo = false } = {}) {
  const bin = binaryPath()
  if (!existsSync(bin)) {
    throw new Error(`wuzha binary not found at ${bin}; build it: cd .. && go build -o bin/wuzha . (or set WUZHA_BIN)`)
  }
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'wuzha-e2e-'))
  const port = await freePort()
  const baseURL = `http://127.0.0.1:${port}`
  const env = {
    ...process.env,
    WUZHA_ADDR: `127.0.0.1:${port}`,
    WUZHA_DATA_DIR: dataDir,
    WUZHA_DB_DSN: '',
    WUZHA_SMS_OUTBOX: path.join(dataDir, 'sms-outbox.jsonl'),
    // Join links and QR codes point at the configured address, never at the request's Host.
    WUZHA_PUBLIC_URL: baseURL,
  }

  let log = ''
  // seedDemo: `wuzha seed --demo` fills the fresh data folder with a simulated quarter first.
  if (seedDemo) log += await run(bin, ['seed', '--demo'], { env })
  const child = spawn(bin, ['serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout.on('data', (d) => (log += d))
  child.stderr.on('data', (d) => (log += d))
  let exited = null
  const exitPromise = new Promise((resolve) => child.on('exit', (code, signal) => resolve((exited = { code, signal }))))

  const deadline = Date.now() + readyTimeoutMs
  for (;;) {
    if (exited) throw new Error(`wuzha serve exited early (${JSON.stringify(exited)}):\n${log}`)
    try {
      const res = await fetch(`${baseURL}/readyz`)
      if (res.status === 200) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`wuzha serve not ready after ${readyTimeoutMs} ms:\n${log}`)
    }
    await sleep(150)
  }

  return {
    baseURL,
    dataDir,
    env,
    log: () => log,

    /** addUser creates a staff user through the command line, password on stdin. */
    async addUser({ username, password, role = 'admin', area = '330800' }) {
      await run(bin, ['user', 'add', '--username', username, '--role', role, '--area', area], {
        env,
        input: `${password}\n`,
      })
    },

    /** latestCode returns the newest 6-digit code sent to phone, waiting for it to arrive. */
    async latestCode(phone, { timeoutMs = 5_000, after = 0 } = {}) {
      const outbox = env.WUZHA_SMS_OUTBOX
      const until = Date.now() + timeoutMs
      for (;;) {
        const code = await readLatestCode(outbox, phone, after)
        if (code) return code
        if (Date.now() > until) throw new Error(`no SMS code for ${phone} in ${outbox}`)
        await sleep(100)
      }
    },

    async stop() {
      if (!exited) {
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
        await exitPromise
        clearTimeout(timer)
      }
      await rm(dataDir, { recursive: true, force: true })
    },
  }
}

/**
 * readLatestCode reads the SMS outbox (JSON lines {phone, text, sent_at}) and
 * returns the 6-digit code of the newest message to phone sent after `after`
 * (ms since epoch), or null.
 */
export async function readLatestCode(outboxFile, phone, after = 0) {
  let text
  try {
    text = await readFile(outboxFile, 'utf8')
  } catch (err) {
    if (err.code === 'ENOENT') return null
    throw err
  }
  let best = null
  for (const line of text.split('\n')) {
    if (!line.trim()) continue
    let msg
    try {
      msg = JSON.parse(line)
    } catch {
      continue
    }
    if (msg.phone !== phone) continue
    const at = Date.parse(msg.sent_at) || 0
    if (at < after) continue
    const code = /(?<!\d)(\d{6})(?!\d)/.exec(msg.text || '')?.[1]
    if (code && (!best || at >= best.at)) best = { at, code }
  }
  return best?.code ?? null
}
