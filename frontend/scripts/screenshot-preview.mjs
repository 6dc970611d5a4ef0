#!/usr/bin/env node
// Screenshots of the built frontend with the Go side faked, for a look check.
//
//   npm run build && node scripts/screenshot-preview.mjs [--out /tmp/shots] [--url http://127.0.0.1:4173]
//
// Without --url it starts `vite preview` on 127.0.0.1:4173 itself and stops it
// afterwards. It drives Debian's Chromium (/usr/bin/chromium, or $CHROMIUM)
// through playwright-core; every request that is not to 127.0.0.1 is blocked.
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const argv = process.argv.slice(2)
const opt = (name, fallback) => {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 && argv[i + 1] ? argv[i + 1] : fallback
}
const outDir = resolve(opt('out', '/tmp/shots'))
const givenUrl = opt('url', '')
const port = Number(opt('port', '4173'))
const baseUrl = givenUrl || `http://127.0.0.1:${port}/`
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium'

// ---- fake Go side ---------------------------------------------------------

const readyState = {
  version: '0.1.0',
  dataDir: '/home/sam/.local/share/vouchdesk',
  problem: null,
  needsSetup: false,
  organization: { id: 'org_01', name: 'Acme Support' },
  me: { id: 'agt_01', name: 'Sam Rivera', email: 'sam@acme.example', role: 'owner' },
}

const overview = {
  organization: { id: 'org_01', name: 'Acme Support' },
  inboxes: [
    { id: 'ibx_01', name: 'Website', kind: 'chat' },
    { id: 'ibx_02', name: 'Support hotline', kind: 'phone' },
  ],
  counts: { contacts: 0, pendingContacts: 2, conversations: 0, openConversations: 0 },
  senderEmail: null,
}

const scenarios = {
  firstRun: {
    state: { ...readyState, needsSetup: true, organization: null, me: null },
    after: readyState,
    overview,
  },
  ready: { state: readyState, overview },
  problem: {
    state: {
      ...readyState,
      organization: null,
      me: null,
      problem: {
        code: 'db_locked',
        title: 'The database is already in use',
        detail:
          'Another program has the Vouch Desk database open, so this window cannot use it at the same time.',
        path: '/home/sam/.local/share/vouchdesk/vouchdesk.db',
      },
    },
    overview,
  },
}

/** Runs in the page before the app: a stand-in for Wails' window.go. */
function installFakeGo(scenario) {
  let state = scenario.state
  const later = (value) => new Promise((r) => setTimeout(() => r(structuredClone(value)), 60))
  window.go = {
    services: {
      Setup: {
        State: () => later(state),
        Complete: (req) => {
          // The real engine checks more than the form can (here: a reserved domain).
          if (req.ownerEmail.endsWith('.invalid')) {
            return Promise.reject(
              JSON.stringify({
                code: 'invalid_input',
                message: "Enter the owner's email address, like name@example.com.",
                field: 'ownerEmail',
              }),
            )
          }
          state = {
            ...scenario.after,
            organization: { id: 'org_01', name: req.organizationName },
            me: { ...scenario.after.me, name: req.ownerName, email: req.ownerEmail },
          }
          return later(state)
        },
      },
      Workspace: { Overview: () => later(scenario.overview) },
    },
  }
  window.runtime = { Quit: () => console.log('Quit called') }
}

// ---- preview server -------------------------------------------------------

async function waitForServer(url, ms = 20000) {
  const until = Date.now() + ms
  while (Date.now() < until) {
    try {
      const res = await fetch(url)
      if (res.ok) return
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`preview server did not answer at ${url}`)
}

function startPreview() {
  const child = spawn(
    process.execPath,
    [join(root, 'node_modules/vite/bin/vite.js'), 'preview', '--port', String(port), '--host', '127.0.0.1', '--strictPort'],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  )
  child.stdout.on('data', () => {})
  return child
}

// ---- shots ----------------------------------------------------------------

async function main() {
  mkdirSync(outDir, { recursive: true })
  const server = givenUrl ? null : startPreview()
  const profile = mkdtempSync(join(tmpdir(), 'vouch-shots-'))
  let context
  try {
    await waitForServer(baseUrl)
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      viewport: { width: 1280, height: 800 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    })
    const allowed = new URL(baseUrl).origin
    await context.route('**/*', (route) =>
      route.request().url().startsWith(allowed) ? route.continue() : route.abort(),
    )

    const shots = []
    const shoot = async (page, name) => {
      const file = join(outDir, `${name}.png`)
      await page.screenshot({ path: file })
      shots.push(file)
    }
    const open = async (scenario, size = { width: 1280, height: 800 }) => {
      const page = await context.newPage()
      await page.setViewportSize(size)
      page.on('pageerror', (err) => console.error('page error:', err.message))
      await page.addInitScript(installFakeGo, scenario)
      await page.goto(baseUrl)
      return page
    }

    // First run, a server field error, then the shell after setting up.
    let page = await open(scenarios.firstRun)
    await page.getByRole('heading', { name: 'Set up Vouch Desk' }).waitFor()
    await shoot(page, '01-first-run')
    await page.getByRole('button', { name: 'Create organization' }).click()
    await shoot(page, '02-first-run-client-errors')
    await page.getByLabel('Organization name').fill('Acme Support')
    await page.getByLabel('Your name').fill('Sam Rivera')
    await page.getByLabel('Your email').fill('sam@acme.invalid')
    await page.getByRole('button', { name: 'Create organization' }).click()
    await page.getByText("Enter the owner's email address").waitFor()
    await shoot(page, '03-first-run-server-error')
    await page.getByLabel('Your email').fill('sam@acme.example')
    await page.getByRole('button', { name: 'Create organization' }).click()
    await page.getByRole('heading', { name: 'No conversations yet' }).waitFor()
    await shoot(page, '04-inbox-empty')
    await page.close()

    // The other views of a set-up workspace.
    page = await open(scenarios.ready)
    await page.getByRole('heading', { name: 'No conversations yet' }).waitFor()
    for (const [n, view] of [['05', 'Organization'], ['06', 'Contacts'], ['07', 'Settings']]) {
      await page.getByRole('navigation').getByRole('button', { name: view }).click()
      await page.getByRole('heading', { level: 1, name: view }).waitFor()
      await shoot(page, `${n}-${view.toLowerCase()}`)
    }
    await page.close()

    // A startup problem.
    page = await open(scenarios.problem)
    await page.getByRole('heading', { name: 'The database is already in use' }).waitFor()
    await shoot(page, '08-startup-problem')
    await page.close()

    // The smallest supported window.
    page = await open(scenarios.ready, { width: 900, height: 600 })
    await page.getByRole('heading', { name: 'No conversations yet' }).waitFor()
    await page.getByRole('navigation').getByRole('button', { name: 'Organization' }).click()
    await shoot(page, '09-organization-900x600')
    await page.close()
    page = await open(scenarios.firstRun, { width: 900, height: 600 })
    await page.getByRole('heading', { name: 'Set up Vouch Desk' }).waitFor()
    await shoot(page, '10-first-run-900x600')
    await page.close()

    console.log(shots.join('\n'))
  } finally {
    await context?.close()
    rmSync(profile, { recursive: true, force: true })
    if (server) server.kill('SIGTERM')
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
