// Helpers for the end-to-end suites: Chromium contexts, the test mail folders on disk, waiting.
import { chromium } from 'playwright-core'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync']

export function need(name) {
  const v = process.env[name]
  if (!v) throw new Error(`${name} is not set: run this through scripts/e2e-chat.sh`)
  return v
}

// One Chromium; each person gets their own persistent profile (a fresh user-data-dir), so one
// customer's local storage is never another's, just like two browsers. Requests may reach
// 127.0.0.1 only.
export async function launchBrowser() {
  const dirs = []
  const contexts = []
  const open = async (label, viewport = { width: 1280, height: 800 }) => {
    const dir = mkdtempSync(join(tmpdir(), `vd-e2e-${label}-`))
    dirs.push(dir)
    const ctx = await chromium.launchPersistentContext(dir, {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: ARGS,
      viewport,
    })
    await ctx.route(/^(?!https?:\/\/(127\.0\.0\.1|localhost)[:/])/, (r) => r.abort())
    contexts.push(ctx)
    const page = ctx.pages()[0] ?? (await ctx.newPage())
    page.setDefaultTimeout(20000)
    // Wails' dev-mode ipc.js (not in the built app) throws once at load in a plain browser; it
    // is not ours and changes nothing, so it is left out of the log.
    page.on('pageerror', (e) => {
      if (!String(e.stack).includes('/wails/ipc.js')) console.error(`[${label}] page error: ${e.stack || e.message}`)
    })
    return { ctx, page }
  }
  const close = async () => {
    for (const c of contexts) await c.close().catch(() => {})
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  }
  return { open, close }
}

// The widget's shadow root is open, so Playwright's locators reach into it.
export const tid = (page, id) => page.locator(`[data-testid="${id}"]`)

// ---- mail, as Dovecot stored it (DIR/<domain>/<user>/Maildir) -----------------------------------

function mailFiles(mailDir, address) {
  const [user, domain] = address.split('@')
  const files = []
  for (const sub of ['new', 'cur']) {
    const d = join(mailDir, domain, user, 'Maildir', sub)
    if (!existsSync(d)) continue
    for (const f of readdirSync(d)) files.push(join(d, f))
  }
  return files.sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs)
}

// decodeQP undoes quoted-printable (soft breaks and =XX), enough for our ASCII links and codes.
function decodeQP(s) {
  return s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)))
}

export function parseMail(raw) {
  const [head] = raw.split(/\r?\n\r?\n/)
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ')
  const header = (name) => unfolded.match(new RegExp(`^${name}:\\s*(.*)$`, 'mi'))?.[1] ?? ''
  return { subject: header('Subject'), from: header('From'), to: header('To'), body: decodeQP(raw) }
}

// waitForMail waits until `address` has more than `seen` messages and returns the newest.
export async function waitForMail(mailDir, address, seen, timeoutMs = 20000) {
  const t0 = Date.now()
  for (;;) {
    const files = mailFiles(mailDir, address)
    if (files.length > seen) return { ...parseMail(readFileSync(files[files.length - 1], 'utf8')), count: files.length }
    if (Date.now() - t0 > timeoutMs) throw new Error(`no new mail for ${address} within ${timeoutMs} ms (had ${seen})`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

export const mailCount = (mailDir, address) => mailFiles(mailDir, address).length

export function assert(cond, msg) {
  if (!cond) throw new Error(`assertion failed: ${msg}`)
}

// cutProxy is a TCP relay on 127.0.0.1 in front of `target` (http://host:port) that can drop the
// network for real: cut() resets every open connection (the WebSocket included) and refuses new
// ones until restore(). Browser "offline" emulation leaves open WebSockets alone, so it cannot
// test a reconnect.
export async function cutProxy(target) {
  const net = await import('node:net')
  const { hostname, port } = new URL(target)
  const open = new Set()
  let down = false
  const server = net.createServer((client) => {
    if (down) return client.resetAndDestroy()
    const upstream = net.connect(Number(port), hostname)
    const pair = [client, upstream]
    open.add(pair)
    const drop = () => {
      open.delete(pair)
      client.destroy()
      upstream.destroy()
    }
    client.on('error', drop).on('close', drop)
    upstream.on('error', drop).on('close', drop)
    client.pipe(upstream)
    upstream.pipe(client)
  })
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    cut() {
      down = true
      for (const [c, u] of open) {
        c.resetAndDestroy()
        u.destroy()
      }
      open.clear()
    },
    restore() {
      down = false
    },
    close() {
      this.cut() // server.close waits for open connections, and the browser keeps its own
      return new Promise((r) => server.close(r))
    },
  }
}

// imapFetch waits until the mailbox of `user` has a message whose subject matches `subject`, and
// returns its subject and decoded text and HTML parts, read over IMAP (STARTTLS, the test CA).
export async function imapFetch({ addr, user, password, ca, subject, timeoutMs = 30000 }) {
  const { ImapFlow } = await import('imapflow')
  const [host, port] = addr.split(':')
  const t0 = Date.now()
  for (;;) {
    const client = new ImapFlow({
      host, port: Number(port), secure: false, doSTARTTLS: true,
      tls: { ca: [readFileSync(ca)] }, auth: { user, pass: password }, logger: false,
    })
    await client.connect()
    try {
      const lock = await client.getMailboxLock('INBOX')
      try {
        let found
        for await (const m of client.fetch('1:*', { envelope: true, bodyStructure: true })) {
          if (subject.test(m.envelope?.subject ?? '')) found = m
        }
        if (found) {
          const parts = {}
          const walk = (node) => {
            if (node.childNodes) node.childNodes.forEach(walk)
            else if (node.type === 'text/plain' || node.type === 'text/html') parts[node.type] ??= node.part ?? '1'
          }
          walk(found.bodyStructure)
          const read = async (part) => {
            if (!part) return ''
            const { content } = await client.download(String(found.seq), part)
            const chunks = []
            for await (const c of content) chunks.push(c)
            return Buffer.concat(chunks).toString('utf8')
          }
          return {
            subject: found.envelope.subject,
            from: found.envelope.from?.[0]?.address ?? '',
            text: await read(parts['text/plain']),
            html: await read(parts['text/html']),
          }
        }
      } finally {
        lock.release()
      }
    } finally {
      await client.logout().catch(() => {})
    }
    if (Date.now() - t0 > timeoutMs) throw new Error(`no mail matching ${subject} for ${user} within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 300))
  }
}
