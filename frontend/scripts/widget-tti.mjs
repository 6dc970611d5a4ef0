#!/usr/bin/env node
// Time to interactive of the chat widget on a running server's /demo page (docs/benchmarks.md,
// "Chat widget").
//
//   node scripts/widget-tti.mjs http://127.0.0.1:PORT/demo [--runs 10]
//
// Each run is cold: a new Chromium (Debian's /usr/bin/chromium, or $CHROMIUM, through
// playwright-core) with a fresh profile folder, so no cache and no stored widget session. The
// page's own clock (performance.now(), 0 = navigation start) times, from a script injected before
// the page's:
//   - launcher: the widget's launcher button is in the DOM and clickable (laid out with a size,
//     and the hit test at its centre lands on it);
//   - painted:  the first animation frame after that (the launcher is on screen);
//   - then the script clicks the launcher, and panel = from that click to the chat panel being
//     ready to type (open, and keyboard focus in its first text field: the pre-chat form on a
//     first visit, after GET /inboxes/{id} has answered);
//   - then it clicks "Start chat" with nothing typed, and chat = from that click to the message
//     box being focused (after POST /sessions; the WebSocket connects in the background).
// The browser gets a second on about:blank to finish starting before the page is loaded. It
// prints every run and the median and p90 (nearest rank) of each figure. Requests to any host but
// the page's are blocked.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'

const argv = process.argv.slice(2)
const url = argv.find((a) => /^https?:\/\//.test(a))
const runsAt = argv.indexOf('--runs')
const runs = runsAt >= 0 ? Number(argv[runsAt + 1]) : 10
if (!url || !(runs > 0)) {
  console.error('usage: node scripts/widget-tti.mjs http://127.0.0.1:PORT/demo [--runs 10]')
  process.exit(2)
}
const origin = new URL(url).origin
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium'

// Runs in the page before its scripts. Records into window.__tti.
const probe = () => {
  const t = (window.__tti = {})
  const now = () => performance.now()
  const widgetRoot = () => document.getElementById('vouchdesk-widget')?.shadowRoot ?? null
  const clickable = (el) => {
    if (!el || !el.isConnected) return false
    const r = el.getBoundingClientRect()
    if (r.width === 0 || r.height === 0) return false
    const hit = widgetRoot()?.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2)
    return hit === el || el.contains(hit)
  }
  const typable = (root) => {
    const panel = root.querySelector('[data-testid="panel"]')
    const a = root.activeElement
    return panel && !panel.hidden && a && /^(INPUT|TEXTAREA)$/.test(a.tagName) && !a.disabled && a.getClientRects().length > 0
  }
  let watching = false
  const check = () => {
    const root = widgetRoot()
    if (!root) return
    if (t.launcher === undefined && clickable(root.querySelector('[data-testid="launcher"]'))) {
      t.launcher = now()
      requestAnimationFrame(() => (t.painted = now()))
    }
    if (!watching) {
      watching = true
      // Changes inside the shadow root, and focus moving there, may finish a later step.
      new MutationObserver(check).observe(root, { subtree: true, childList: true, attributes: true })
      root.addEventListener('focusin', check)
    }
    if (t.clickLauncher !== undefined && t.panel === undefined && typable(root)) t.panel = now()
    if (t.clickStart !== undefined && t.chat === undefined && root.activeElement?.tagName === 'TEXTAREA' && typable(root))
      t.chat = now()
  }
  new MutationObserver(check).observe(document, { subtree: true, childList: true })
  // Clicks inside the shadow root reach the document retargeted to the host; composedPath has
  // the real targets. The event's timeStamp is on the same clock as performance.now().
  document.addEventListener(
    'click',
    (e) => {
      // The innermost element may be the icon inside the button.
      const el = e.composedPath().find((n) => n instanceof Element && n.hasAttribute('data-testid'))
      const id = el ? el.getAttribute('data-testid') : null
      if (id === 'launcher' && t.clickLauncher === undefined) t.clickLauncher = e.timeStamp
      if (id === 'prechat-start' && t.clickStart === undefined) t.clickStart = e.timeStamp
      queueMicrotask(check)
    },
    true,
  )
}

async function once() {
  const profile = mkdtempSync(join(tmpdir(), 'vd-tti-'))
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 800 },
  })
  try {
    await ctx.route('**/*', (r) => (new URL(r.request().url()).origin === origin ? r.continue() : r.abort()))
    await ctx.addInitScript(probe)
    const page = ctx.pages()[0] ?? (await ctx.newPage())
    // Let the new browser finish starting up first: its start is not the widget's.
    await page.goto('about:blank')
    await page.waitForTimeout(1000)
    await page.goto(url, { waitUntil: 'commit' })
    await page.waitForFunction(() => window.__tti.painted !== undefined, null, { timeout: 30_000 })
    await page.locator('[data-testid="launcher"]').click()
    await page.waitForFunction(() => window.__tti.panel !== undefined, null, { timeout: 30_000 })
    await page.locator('[data-testid="prechat-start"]').click()
    await page.waitForFunction(() => window.__tti.chat !== undefined, null, { timeout: 30_000 })
    const t = await page.evaluate(() => window.__tti)
    const nav = await page.evaluate(() => {
      const n = performance.getEntriesByType('navigation')[0]
      const js = performance.getEntriesByType('resource').find((e) => e.name.endsWith('/widget.js'))
      return { dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd, jsEnd: js?.responseEnd, jsBytes: js?.encodedBodySize }
    })
    return {
      launcher: t.launcher, painted: t.painted, run: t.launcher - nav.jsEnd, panel: t.panel - t.clickLauncher, chat: t.chat - t.clickStart,
      dcl: nav.dcl, load: nav.load, widgetJs: nav.jsEnd, jsBytes: nav.jsBytes,
    }
  } finally {
    await ctx.close()
    rmSync(profile, { recursive: true, force: true })
  }
}

const results = []
for (let i = 0; i < runs; i++) {
  const r = await once()
  results.push(r)
  console.log(
    `run ${i + 1}: launcher ${r.launcher.toFixed(1)} ms, painted ${r.painted.toFixed(1)} ms, ` +
      `panel ${r.panel.toFixed(1)} ms after the click, chat ${r.chat.toFixed(1)} ms after Start chat ` +
      `(widget.js loaded at ${r.widgetJs?.toFixed(1)} ms, ${r.jsBytes} bytes; DOMContentLoaded ${r.dcl.toFixed(1)} ms, load ${r.load.toFixed(1)} ms)`,
  )
}
const pct = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}
console.log(`\n${runs} cold runs of ${url}`)
for (const [key, label] of [
  ['launcher', 'navigation start -> launcher in the DOM and clickable'],
  ['painted', 'navigation start -> next frame (launcher on screen)'],
  ['panel', 'click on the launcher -> panel ready to type'],
  ['chat', 'click on Start chat -> message box focused'],
  ['widgetJs', 'navigation start -> widget.js loaded'],
  ['run', 'widget.js loaded -> launcher clickable'],
  ['load', 'navigation start -> load event'],
]) {
  const xs = results.map((r) => r[key]).filter((x) => typeof x === 'number')
  console.log(`${label.padEnd(56)} median ${median(xs).toFixed(1)} ms  p90 ${pct(xs, 0.9).toFixed(1)} ms  (${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)})`)
}
