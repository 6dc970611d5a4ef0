#!/usr/bin/env node
// Screenshots of the built frontend with the Go side faked, for a look check.
//
//   npm run build && node scripts/screenshot-preview.mjs [--out /tmp/shots] [--url http://127.0.0.1:4173] [--only base|mail]
//
// --only mail takes just the sender email, mail accounts, delivery log and
// inbox toggle screens (sender-*.png, mail-accounts*.png, delivery-log*.png,
// inboxes-gate-*.png), e.g. with --out ../docs/screenshots; --only base the
// rest. Without it, both.
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
const only = opt('only', 'all')
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

// Times relative to now, so "3 minutes ago" reads the same on every run.
const ago = (minutes) => new Date(Date.now() - minutes * 60_000).toISOString()

const noMailbox = { configured: false, connected: false, lastError: '', lastPoll: '' }
const closedGate = { senderVerified: false, senderAddress: '', message: 'Set up and verify a sender email in Address' }
const openGate = { senderVerified: true, senderAddress: 'help@acme.example', message: '' }
const inboxes = (gate, on) => [
  { id: 'ibx_01', name: 'Website', kind: 'chat', emailSignin: on, googleSignin: true, transcriptAfter: on, mailGate: gate },
  { id: 'ibx_02', name: 'Support hotline', kind: 'phone', emailSignin: false, googleSignin: false, transcriptAfter: false, mailGate: gate },
]
const smtpAccount = { host: 'smtp.fastmail.com', port: 587, tls: 'starttls', username: 'help@acme.example', hasPassword: true }

const mail = {
  sender: { canManage: true, verified: null, pending: null, mailbox: noMailbox },
  settings: { smtp: null, imap: null, keyringAvailable: true, keyringProblem: '' },
  log: { entries: [], workerError: '' },
  inboxes: inboxes(closedGate, false),
  tests: {
    smtp: { ok: true, message: 'Connected and signed in.' },
    imap: { ok: false, message: 'The server refused the username or password.' },
  },
}

const pending = (minutes) => ({
  address: 'support@acme.example',
  status: 'unverified',
  verifiedAt: '',
  verifiedMethod: '',
  linkSentAt: ago(minutes),
})

const deliveryEntries = [
  { id: 'o5', kind: 'sender_verify', to: 'support@acme.example', subject: 'Confirm support@acme.example as the sender for Acme Support', status: 'sending', attempts: 1, lastError: '', createdAt: ago(0.5), sentAt: '' },
  { id: 'o4', kind: 'transcript', to: 'mia.chen@example.org', subject: 'Your chat with Acme Support', status: 'queued', attempts: 0, lastError: '', createdAt: ago(2), sentAt: '' },
  { id: 'o3', kind: 'signin_code', to: 'j.okafor@example.net', subject: 'Your sign-in code', status: 'retrying', attempts: 2, lastError: '421 4.7.0 Try again later, closing connection', createdAt: ago(9), sentAt: '' },
  { id: 'o2', kind: 'transcript', to: 'lars@customer.invalid', subject: 'Your chat with Acme Support', status: 'failed', attempts: 5, lastError: '550 5.1.1 <lars@customer.invalid>: Recipient address rejected: mailbox unavailable', createdAt: ago(180), sentAt: '' },
  { id: 'o1', kind: 'sender_verify', to: 'help@acme.example', subject: 'Confirm help@acme.example as the sender for Acme Support', status: 'sent', attempts: 1, lastError: '', createdAt: ago(60 * 24 * 3), sentAt: ago(60 * 24 * 3 - 0.2) },
]

const mailScenarios = {
  senderNone: { mail },
  senderPending: {
    mail: {
      ...mail,
      sender: { ...mail.sender, pending: pending(4), mailbox: { configured: true, connected: true, lastError: '', lastPoll: ago(1) } },
    },
  },
  senderPendingError: {
    mail: {
      ...mail,
      sender: {
        ...mail.sender,
        pending: pending(25),
        mailbox: { configured: true, connected: false, lastError: 'imap.fastmail.com:993: the server refused the username or password (AUTHENTICATIONFAILED).', lastPoll: ago(6) },
      },
    },
  },
  senderChanging: {
    mail: {
      ...mail,
      sender: {
        ...mail.sender,
        verified: { address: 'help@acme.example', status: 'verified', verifiedAt: '2026-04-28T14:12:00Z', verifiedMethod: 'imap', linkSentAt: '2026-04-28T14:05:00Z' },
        pending: pending(130),
      },
      inboxes: inboxes(openGate, true),
    },
  },
  mailAccounts: { mail: { ...mail, settings: { ...mail.settings, smtp: smtpAccount } } },
  mailAccountsNoKeyring: {
    mail: {
      ...mail,
      settings: {
        smtp: { ...smtpAccount, hasPassword: false },
        imap: null,
        keyringAvailable: false,
        keyringProblem: 'The Secret Service (org.freedesktop.secrets) is not running on the session D-Bus.',
      },
    },
  },
  deliveryLog: { mail: { ...mail, log: { entries: deliveryEntries, workerError: '' } } },
  deliveryLogWorkerError: {
    mail: {
      ...mail,
      log: { entries: deliveryEntries.slice(1, 4), workerError: 'smtp.fastmail.com:587: the relay refused the password (535 5.7.8 Authentication failed).' },
    },
  },
  inboxesClosed: { mail },
  inboxesOpen: { mail: { ...mail, inboxes: inboxes(openGate, true) } },
}

for (const scenario of Object.values(mailScenarios)) {
  scenario.state = readyState
  scenario.overview = overview
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

for (const scenario of Object.values(scenarios)) scenario.mail ??= mail

/** Runs in the page before the app: a stand-in for Wails' window.go. */
function installFakeGo(scenario) {
  let state = scenario.state
  const later = (value) => new Promise((r) => setTimeout(() => r(structuredClone(value)), 60))
  const reject = (code, message, field) =>
    new Promise((_, no) => setTimeout(() => no(JSON.stringify({ code, message, field })), 60))
  const m = structuredClone(scenario.mail ?? {})

  function fakeMail() {
    return {
      SenderState: () => later(m.sender),
      SetSender: (address) => {
        // The real engine checks more than the form can (here: a reserved domain).
        if (address.endsWith('.invalid')) {
          return reject('invalid_input', 'Enter one email address, like support@example.com (at most 254 characters).', 'address')
        }
        m.sender.pending = { address, status: 'unverified', verifiedAt: '', verifiedMethod: '', linkSentAt: new Date().toISOString() }
        return later(m.sender)
      },
      ResendSenderLink: () =>
        reject('rate_limited', 'A link was sent to this address moments ago. Wait a minute (at most five links an hour) and check the spam folder meanwhile.'),
      RemovePendingSender: () => {
        m.sender.pending = null
        return later(m.sender)
      },
      Settings: () => later(m.settings),
      SaveSMTP: (req) => {
        m.settings.smtp = { host: req.host, port: req.port, tls: req.tls, username: req.username, hasPassword: req.password !== '' || !!m.settings.smtp?.hasPassword }
        return later(m.settings)
      },
      SaveIMAP: (req) => {
        m.settings.imap = { host: req.host, port: req.port, tls: req.tls, username: req.username, hasPassword: req.password !== '' || !!m.settings.imap?.hasPassword }
        return later(m.settings)
      },
      TestSMTP: () => later(m.tests.smtp),
      TestIMAP: () => later(m.tests.imap),
      DeliveryLog: () => later(m.log),
    }
  }
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
      Mail: fakeMail(),
      Inboxes: {
        List: () => later(m.inboxes),
        SetToggle: (id, toggle, on) => {
          const inbox = m.inboxes.find((i) => i.id === id)
          if (!inbox) return reject('not_found', 'That inbox does not exist.')
          if (on && toggle !== 'googleSignin' && !inbox.mailGate.senderVerified) {
            return reject('sender_required', inbox.mailGate.message + '.')
          }
          inbox[toggle] = on
          return later(inbox)
        },
      },
    },
  }

  const listeners = new Map()
  window.runtime = {
    Quit: () => console.log('Quit called'),
    EventsOnMultiple: (name, callback) => {
      const set = listeners.get(name) ?? new Set()
      set.add(callback)
      listeners.set(name, set)
      return () => set.delete(callback)
    },
    EventsOff: (name) => listeners.delete(name),
    EventsEmit: (name) => listeners.get(name)?.forEach((cb) => cb()),
  }
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
      // No hover highlight left over from the last click.
      await page.mouse.move(1, 1)
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

    if (only !== 'mail') await baseShots(open, shoot)
    if (only !== 'base') await mailShots(open, shoot)

    console.log(shots.join('\n'))
  } finally {
    await context?.close()
    rmSync(profile, { recursive: true, force: true })
    if (server) server.kill('SIGTERM')
  }
}

async function baseShots(open, shoot) {
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
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: view }).click()
    await page.getByRole('heading', { level: 1, name: view }).waitFor()
    await settled(page)
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
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Organization' }).click()
  await settled(page)
  await shoot(page, '09-organization-900x600')
  await page.close()
  page = await open(scenarios.firstRun, { width: 900, height: 600 })
  await page.getByRole('heading', { name: 'Set up Vouch Desk' }).waitFor()
  await shoot(page, '10-first-run-900x600')
  await page.close()
}

/** Opens the shell at Organization → `section` (or Settings) once its data is in. */
async function openAt(open, scenario, section, size) {
  const page = await open(scenario, size)
  await page.getByRole('heading', { name: 'No conversations yet' }).waitFor()
  const nav = page.getByRole('navigation', { name: 'Main' })
  if (section === 'Settings') {
    await nav.getByRole('button', { name: 'Settings' }).click()
    await page.getByRole('switch').first().waitFor()
  } else {
    await nav.getByRole('button', { name: 'Organization' }).click()
    await page.getByRole('navigation', { name: 'Organization sections' }).getByRole('button', { name: section }).click()
  }
  await settled(page)
  return page
}

/** Waits until no section of the view is still loading. */
async function settled(page) {
  await page.waitForFunction(() =>
    [...document.querySelectorAll('main [role="status"]')].every((el) => !/^Loading/.test(el.textContent?.trim() ?? '')),
  )
  await page.waitForTimeout(150)
}

async function mailShots(open, shoot) {
  let page = await openAt(open, mailScenarios.senderNone, 'Address')
  await page.getByRole('heading', { name: 'No sender email yet' }).waitFor()
  await shoot(page, 'sender-none')
  // The add form with the engine's own verdict on the address.
  await page.getByRole('button', { name: 'Add sender email' }).click()
  await page.getByRole('textbox', { name: 'Sender email' }).fill('help@acme.invalid')
  await page.getByRole('button', { name: 'Send verification link' }).click()
  await page.getByText('Enter one email address').waitFor()
  await shoot(page, 'sender-add-error')
  await page.close()

  page = await openAt(open, mailScenarios.senderPending, 'Address')
  await page.getByText('Unverified').waitFor()
  await shoot(page, 'sender-pending')
  await page.getByRole('button', { name: 'Resend verification link' }).click()
  await page.getByRole('alert').waitFor()
  await shoot(page, 'sender-pending-rate-limited')
  await page.close()

  page = await openAt(open, mailScenarios.senderPendingError, 'Address')
  await page.getByText('Can’t check the mailbox').waitFor()
  await shoot(page, 'sender-pending-mailbox-error')
  await page.close()

  page = await openAt(open, mailScenarios.senderChanging, 'Address')
  await page.getByText('In use until the new address is verified').waitFor()
  await shoot(page, 'sender-verified-changing')
  await page.close()

  page = await openAt(open, mailScenarios.mailAccounts, 'Mail accounts')
  await page.getByRole('region', { name: 'Outgoing mail (SMTP)' }).getByRole('button', { name: 'Test connection' }).click()
  await page.getByText('Connected and signed in.').waitFor()
  await shoot(page, 'mail-accounts')
  await page.close()

  page = await openAt(open, mailScenarios.mailAccountsNoKeyring, 'Mail accounts')
  await page.getByText('Passwords can’t be saved on this computer').waitFor()
  await shoot(page, 'mail-accounts-keyring-unavailable')
  await page.close()

  page = await openAt(open, mailScenarios.deliveryLog, 'Delivery log')
  await page.getByRole('table').waitFor()
  await shoot(page, 'delivery-log')
  await page.close()

  page = await openAt(open, mailScenarios.deliveryLogWorkerError, 'Delivery log')
  await page.getByText('Email can’t be sent right now').waitFor()
  await shoot(page, 'delivery-log-worker-error')
  await page.close()

  // The smallest supported window.
  const small = { width: 900, height: 600 }
  page = await openAt(open, mailScenarios.mailAccountsNoKeyring, 'Mail accounts', small)
  await shoot(page, 'mail-accounts-900x600')
  await page.close()
  page = await openAt(open, mailScenarios.deliveryLog, 'Delivery log', small)
  await shoot(page, 'delivery-log-900x600')
  await page.close()

  for (const [name, scenario] of [['inboxes-gate-closed', mailScenarios.inboxesClosed], ['inboxes-gate-open', mailScenarios.inboxesOpen]]) {
    page = await openAt(open, scenario, 'Settings')
    await page.getByRole('heading', { name: 'Inboxes' }).evaluate((h) => h.closest('section').scrollIntoView({ block: 'center' }))
    await shoot(page, name)
    await page.close()
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
