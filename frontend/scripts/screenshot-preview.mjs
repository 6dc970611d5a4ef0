#!/usr/bin/env node
// Screenshots of the built frontend with the Go side faked, for a look check.
//
//   npm run build && node scripts/screenshot-preview.mjs [--out /tmp/shots] [--url http://127.0.0.1:4173] [--only base|mail|chat]
//
// --only mail takes just the sender email, mail accounts, delivery log and
// inbox toggle screens (sender-*.png, mail-accounts*.png, delivery-log*.png,
// inboxes-gate-*.png), e.g. with --out ../docs/screenshots; --only chat the
// Inbox with conversations, the transcript strip and view, and Settings →
// Regulatory (inbox-*.png, transcript-*.png, regulatory-*.png); --only base
// the rest. Without it, all three.
//
// Without --url it starts `vite preview` on 127.0.0.1:4173 itself and stops it
// afterwards. It drives Debian's Chromium (/usr/bin/chromium, or $CHROMIUM)
// through playwright-core; every request that is not to 127.0.0.1 is blocked.
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
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

const noMailbox = { configured: false, connected: false, lastError: '', mode: '', lastErrorAt: '', retryingSince: '', lastPoll: '' }
const closedGate = { senderVerified: false, senderAddress: '', message: 'Set up and verify a sender email in Address' }
const openGate = { senderVerified: true, senderAddress: 'help@acme.example', message: '' }
const inboxes = (gate, on) => [
  { id: 'ibx_01', name: 'Website', kind: 'chat', emailSignin: on, googleSignin: true, transcriptAfter: on, idleEndMinutes: 30, mailGate: gate },
  { id: 'ibx_02', name: 'Support hotline', kind: 'phone', emailSignin: false, googleSignin: false, transcriptAfter: false, mailGate: gate },
]
const health = (purpose, state, more = {}) => ({
  purpose, state, mode: '', lastError: '', lastErrorAt: '', retryingSince: '', lastOkAt: '', observedAt: ago(0), ...more,
})
const imapAccount = { host: 'imap.fastmail.com', port: 993, tls: 'implicit', username: 'help@acme.example', address: '', hasPassword: true }
const bounceAccount = { host: 'imap.fastmail.com', port: 993, tls: 'implicit', username: 'bounces@acme.example', address: 'bounces@acme.example', hasPassword: true }
const smtpAccount = { host: 'smtp.fastmail.com', port: 587, tls: 'starttls', username: 'help@acme.example', address: '', hasPassword: true }

const mail = {
  sender: { canManage: true, verified: null, pending: null, mailbox: noMailbox },
  settings: { smtp: null, imap: null, keyringAvailable: true, keyringProblem: '' },
  log: { entries: [], workerError: '', workerErrorAt: '', failingSince: '' },
  health: [health('smtp', 'not_set_up'), health('imap', 'not_set_up')],
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
  { id: 'o2b', kind: 'chat_code', to: 'ana.lima@example.com', subject: 'Your verification code for Acme Support', status: 'bounced', attempts: 1, lastError: '', createdAt: ago(30), sentAt: ago(29.9), bounceKind: 'hard', bounceReason: 'mailbox unknown (5.1.1)', bouncedAt: ago(29) },
  { id: 'o2', kind: 'transcript', to: 'lars@customer.invalid', subject: 'Your chat with Acme Support', status: 'failed', attempts: 5, lastError: '550 5.1.1 <lars@customer.invalid>: Recipient address rejected: mailbox unavailable', createdAt: ago(180), sentAt: '' },
  { id: 'o1', kind: 'sender_verify', to: 'help@acme.example', subject: 'Confirm help@acme.example as the sender for Acme Support', status: 'sent', attempts: 1, lastError: '', createdAt: ago(60 * 24 * 3), sentAt: ago(60 * 24 * 3 - 0.2) },
]

const mailScenarios = {
  senderNone: { mail },
  senderPending: {
    mail: {
      ...mail,
      sender: { ...mail.sender, pending: pending(4), mailbox: { configured: true, connected: true, lastError: '', mode: '', lastErrorAt: '', retryingSince: '', lastPoll: ago(1) } },
    },
  },
  senderPendingError: {
    mail: {
      ...mail,
      sender: {
        ...mail.sender,
        pending: pending(25),
        mailbox: { configured: true, connected: false, lastError: 'imap.fastmail.com:993: the server refused the username or password (AUTHENTICATIONFAILED).', mode: '', lastErrorAt: '', retryingSince: '', lastPoll: ago(6) },
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
  mailAccountsHealth: {
    mail: {
      ...mail,
      settings: { ...mail.settings, smtp: smtpAccount, imap: imapAccount, bounce: bounceAccount },
      health: [
        health('smtp', 'retrying', {
          lastError: 'cannot reach the SMTP server smtp.fastmail.com:587: dial tcp: i/o timeout (check the host, the port and the firewall)',
          lastErrorAt: ago(1), retryingSince: ago(42),
        }),
        health('imap', 'connected', { mode: 'idle', lastOkAt: ago(3), lastErrorAt: ago(60 * 5) }),
        health('bounce', 'connected', { mode: 'polling', lastOkAt: ago(0.5) }),
      ],
    },
  },
  deliveryLog: { mail: { ...mail, log: { ...mail.log, entries: deliveryEntries } } },
  deliveryLogWorkerError: {
    mail: {
      ...mail,
      log: { entries: deliveryEntries.slice(1, 4), workerError: 'smtp.fastmail.com:587: the relay refused the password (535 5.7.8 Authentication failed).', workerErrorAt: ago(2), failingSince: ago(35) },
    },
  },
  inboxesClosed: { mail },
  inboxesOpen: { mail: { ...mail, inboxes: inboxes(openGate, true) } },
}

for (const scenario of Object.values(mailScenarios)) {
  scenario.state = readyState
  scenario.overview = overview
}

// ---- chat ------------------------------------------------------------------

const regulatory = {
  doubleOptIn: true,
  consentText: 'We store your name and email address to answer your questions. See our privacy notice at acme.example/privacy.',
}

const summary = (id, fields) => ({
  id,
  inboxId: 'ibx_01',
  inboxName: 'Website',
  kind: 'chat',
  status: 'open',
  title: 'Visitor',
  email: '',
  typedEmail: '',
  panel: 'none',
  unread: 0,
  lastMessage: '',
  lastActivityAt: ago(1),
  startedAt: ago(20),
  ...fields,
})

const msg = (id, from, body, minutes, authorName = '') => ({ id, from, authorName, body, createdAt: ago(minutes) })

const unverified = {
  warning: 'Unverified: verify before discussing account details',
  reason: 'Not verified on this device',
}

const noPanel = {
  state: 'none', email: '', typedEmail: '', contactId: '', name: '', warning: '', reason: '', refused: false, verifiedLabel: '', method: '',
  verifiedAt: '', hiddenConversations: 0, hiddenFields: 0, fields: [], history: [],
}

const emailActions = { canEmail: true, mailBlockedReason: '', codePending: false, linkPending: false, emailRequested: false }
const blockedActions = { ...emailActions, canEmail: false, mailBlockedReason: 'Codes and links cannot be sent until the organization has a verified sender email. You can still mark the customer verified.' }

const chatDetails = [
  {
    summary: summary('cnv_ada', { title: 'Ada Byron', email: 'ada.byron@example.org', panel: 'preliminary', unread: 2, lastMessage: 'It’s order 10-4471, placed last Tuesday.', lastActivityAt: ago(1), startedAt: ago(9) }),
    messages: [
      msg('a1', 'customer', 'Hi! My parcel hasn’t arrived yet. Can you tell me where it is?', 9),
      msg('a2', 'system', 'Sam Rivera joined the chat', 8),
      msg('a3', 'agent', 'Hello Ada, happy to help. Which order is it about?', 8, 'Sam Rivera'),
      msg('a4', 'customer', 'It’s order 10-4471, placed last Tuesday.\nThe tracking page says “label created” since then.', 1),
    ],
    panel: { ...noPanel, state: 'preliminary', email: 'ada.byron@example.org', contactId: 'ct_ada', ...unverified, hiddenConversations: 3, hiddenFields: 2 },
    actions: emailActions,
  },
  {
    summary: summary('cnv_grace', { title: 'Grace Hopper', email: 'grace@navy.example', panel: 'verified', lastMessage: 'Thanks, that worked!', lastActivityAt: ago(14), startedAt: ago(35) }),
    messages: [
      msg('g1', 'customer', 'I’d like to change the delivery address on my subscription.', 35),
      msg('g2', 'agent', 'Sure. I’ve sent a code to your email, please type it in the chat.', 33, 'Sam Rivera'),
      msg('g3', 'system', 'Grace verified grace@navy.example with a one-time code', 31),
      msg('g4', 'agent', 'Thanks Grace, you’re verified. The new address is saved.', 20, 'Sam Rivera'),
      msg('g5', 'customer', 'Thanks, that worked!', 14),
    ],
    panel: {
      ...noPanel, state: 'verified', email: 'grace@navy.example', contactId: 'ct_grace', name: 'Grace Hopper',
      verifiedLabel: 'Verified by Email OTP', method: 'email_otp', verifiedAt: ago(31),
      fields: [
        { kind: 'email', value: 'grace@navy.example', verifiedLabel: 'Verified by Email OTP' },
        { kind: 'phone', value: '+1 202 555 0143', verifiedLabel: '' },
      ],
      history: [
        { id: 'h1', kind: 'chat', status: 'ended', startedAt: ago(60 * 24 * 12), preview: 'Can I pause my subscription over the summer?' },
        { id: 'h2', kind: 'call', status: 'ended', startedAt: ago(60 * 24 * 40), preview: 'Billing question about the annual plan' },
      ],
    },
    actions: emailActions,
  },
  {
    summary: summary('cnv_linus', { title: 'Linus', email: 'linus@kernel.example', panel: 'pending', unread: 1, lastMessage: 'Do you ship to Finland?', lastActivityAt: ago(4), startedAt: ago(6) }),
    messages: [msg('l1', 'customer', 'Do you ship to Finland?', 4)],
    panel: { ...noPanel, state: 'pending', email: 'linus@kernel.example', warning: unverified.warning, reason: 'Waiting for the customer to confirm by the emailed link' },
    actions: emailActions,
  },
  {
    summary: summary('cnv_visitor', { lastMessage: 'hello? anyone there', lastActivityAt: ago(25), startedAt: ago(26) }),
    messages: [msg('v1', 'customer', 'hello? anyone there', 25)],
    panel: noPanel,
    actions: emailActions,
  },
  {
    summary: summary('cnv_margaret', { title: 'Margaret Hamilton', email: 'mh@apollo.example', panel: 'verified', status: 'ended', lastMessage: 'Great, thank you.', lastActivityAt: ago(60 * 26), startedAt: ago(60 * 27) }),
    messages: [msg('mh1', 'customer', 'Great, thank you.', 60 * 26), msg('mh2', 'system', 'The chat ended', 60 * 26)],
    panel: { ...noPanel, state: 'verified', email: 'mh@apollo.example', name: 'Margaret Hamilton', verifiedLabel: 'Verified by Olive Owner', method: 'agent', verifiedAt: ago(60 * 26.5), fields: [{ kind: 'email', value: 'mh@apollo.example', verifiedLabel: 'Verified by Olive Owner' }] },
    actions: emailActions,
  },
]

const longWord = 'a'.repeat(180)
const hostileDetail = {
  summary: summary('cnv_long', { title: `<script>alert(1)</script> ${'Bartholomew'.repeat(12)}`, email: `${'very.long.address'.repeat(8)}@example.com`, panel: 'preliminary', lastMessage: '<img src=x onerror=alert(1)>', lastActivityAt: ago(0.2) }),
  messages: [
    msg('x1', 'customer', '<img src=x onerror=alert(1)> <b>not bold</b>', 2),
    msg('x2', 'customer', `https://example.com/${longWord}`, 1),
    msg('x3', 'agent', longWord, 0.5, 'Sam Rivera'),
  ],
  panel: { ...noPanel, state: 'preliminary', email: `${'very.long.address'.repeat(8)}@example.com`, ...unverified, hiddenConversations: 1, hiddenFields: 0 },
  actions: emailActions,
}

// Transcripts: what the Transcripts service answers per conversation.
// transcript-sample.html is the real renderer's output for Margaret's chat
// (transcript.HTML on a fixed Transcript, written once with a throwaway
// `go run`), so the view shows exactly what a customer receives.
const transcriptHtml = readFileSync(join(root, 'scripts/transcript-sample.html'), 'utf8')
const sending = (id, number, status, fields = {}) => ({
  id, number, status, attempts: 1, error: '', reason: '', to: '', requestedBy: '',
  createdAt: ago(60), updatedAt: ago(60), sentAt: '', nextAttemptAt: '', ...fields,
})
const stillSending = 'The transcript is still being sent. Wait until it is sent or has failed.'
const transcripts = {
  cnv_margaret: {
    sendings: [sending('t1', 1, 'sent', { to: 'mh@apollo.example', createdAt: ago(60 * 26), updatedAt: ago(60 * 26 - 0.1), sentAt: ago(60 * 26 - 0.1) })],
    canResend: true,
    resendBlocked: '',
  },
  cnv_lars: {
    sendings: [
      sending('t2', 1, 'failed', { to: 'lars@customer.example', attempts: 1, error: '550 5.1.1 <lars@customer.example>: Recipient address rejected: mailbox full', createdAt: ago(190), updatedAt: ago(189) }),
      sending('t3', 2, 'retrying', { to: 'lars@customer.example', attempts: 3, requestedBy: 'Sam Rivera', error: '451 4.7.1 Greylisted, please try again later', createdAt: ago(12), updatedAt: ago(1), nextAttemptAt: ago(-1) }),
    ],
    canResend: false,
    resendBlocked: stillSending,
  },
  cnv_mallory: {
    sendings: [sending('t4', 0, 'not_sent', { reason: 'email_unverified', error: 'Not sent: the customer’s email is not verified.', createdAt: ago(45) })],
    canResend: false,
    resendBlocked: 'The customer’s email was not verified in this chat, so the transcript can only be viewed and saved here.',
  },
}
const transcriptDetails = [
  {
    summary: summary('cnv_lars', { title: 'Lars Petersen', email: 'lars@customer.example', panel: 'verified', status: 'ended', lastMessage: 'The chat was ended by the customer.', lastActivityAt: ago(190), startedAt: ago(205) }),
    messages: [
      msg('lp1', 'customer', 'Can you resend my receipt for order 10-3920?', 205),
      msg('lp2', 'agent', 'Done, it is on its way to your inbox.', 200, 'Sam Rivera'),
      msg('lp3', 'system', 'The chat was ended by the customer.', 190),
    ],
    panel: { ...noPanel, state: 'verified', email: 'lars@customer.example', name: 'Lars Petersen', verifiedLabel: 'Verified by Email OTP', method: 'email_otp', verifiedAt: ago(203), fields: [{ kind: 'email', value: 'lars@customer.example', verifiedLabel: 'Verified by Email OTP' }] },
    actions: emailActions,
  },
  {
    summary: summary('cnv_mallory', { title: 'Mallory', email: 'mh@apollo.example', panel: 'preliminary', status: 'ended', lastMessage: 'The chat was ended by the customer.', lastActivityAt: ago(45), startedAt: ago(50) }),
    messages: [
      msg('ml1', 'customer', 'Please email me the transcript with my account details.', 48),
      msg('ml2', 'agent', 'I can only discuss account details once you are verified.', 47, 'Sam Rivera'),
      msg('ml3', 'system', 'The chat was ended by the customer.', 45),
    ],
    panel: { ...noPanel, state: 'preliminary', email: 'mh@apollo.example', contactId: 'ct_mh', ...unverified, hiddenConversations: 1, hiddenFields: 1 },
    actions: emailActions,
  },
]

const chatState = (details, extra = {}) => ({ details, regulatory, ...extra })
const busyOverview = { ...overview, counts: { contacts: 12, pendingContacts: 1, conversations: 5, openConversations: 4 } }

// A customer verified as one address who then typed another (issue 13): the list flags it, the
// panel shows both and which one is proven.
const typedDetail = {
  summary: summary('cnv_typed', { title: 'Mallory', email: 'mallory@example.net', typedEmail: 'grace@navy.example', panel: 'verified', lastMessage: 'Actually my account is grace@navy.example', lastActivityAt: ago(0.5), startedAt: ago(4) }),
  messages: [
    msg('t1', 'system', 'Signed in as mallory@example.net with a code sent by email.', 4),
    msg('t2', 'customer', 'Hi, I need to change the delivery address.', 3),
    msg('t3', 'customer', 'Actually my account is grace@navy.example', 0.5),
  ],
  panel: {
    ...noPanel, state: 'verified', email: 'mallory@example.net', typedEmail: 'grace@navy.example', contactId: 'ct_mallory', name: 'Mallory',
    verifiedLabel: 'Verified by Email OTP', method: 'email_otp', verifiedAt: ago(4),
    fields: [{ kind: 'email', value: 'mallory@example.net', verifiedLabel: 'Verified by Email OTP' }],
  },
  actions: emailActions,
}

const chatScenarios = {
  inbox: { chat: chatState(chatDetails) },
  typed: { chat: chatState([typedDetail, ...chatDetails]) },
  noSender: { chat: chatState(chatDetails.map((d) => ({ ...d, actions: blockedActions }))) },
  hostile: { chat: chatState([hostileDetail, ...chatDetails]) },
  regulatory: { chat: chatState(chatDetails) },
  transcripts: { chat: chatState([...chatDetails, ...transcriptDetails], { transcripts, transcriptHtml }) },
}

for (const scenario of Object.values(chatScenarios)) {
  scenario.state = readyState
  scenario.overview = busyOverview
  scenario.mail = mail
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
      MailHealth: () => later(m.health),
    }
  }
  // The chat: conversations with their messages, contact panel and actions.
  const c = structuredClone(scenario.chat ?? { details: [], regulatory: { doubleOptIn: false, consentText: '' } })
  const byId = (id) => c.details.find((d) => d.summary.id === id)
  const changed = () => setTimeout(() => listeners.get('chat:changed')?.forEach((cb) => cb()), 80)
  const me = scenario.state?.me?.name ?? 'Sam Rivera'
  function fakeChat() {
    return {
      List: (filter) =>
        later(c.details.map((d) => d.summary).filter((s) => filter === 'all' || s.status === filter)),
      Open: (id) => (byId(id) ? later(byId(id)) : reject('not_found', 'That conversation does not exist.')),
      MarkRead: (id) => {
        if (byId(id)) byId(id).summary.unread = 0
        changed()
        return later(null)
      },
      Send: (id, body) => {
        const d = byId(id)
        if (d.summary.status === 'ended') return reject('conversation_ended', 'This chat has ended.')
        const m = { id: `m${Date.now()}`, from: 'agent', authorName: me, body, createdAt: new Date().toISOString() }
        d.messages.push(m)
        d.summary.lastMessage = body.slice(0, 140)
        d.summary.lastActivityAt = m.createdAt
        changed()
        return later(m)
      },
      End: (id) => {
        byId(id).summary.status = 'ended'
        byId(id).messages.push({ id: `e${Date.now()}`, from: 'system', authorName: '', body: 'The chat ended', createdAt: new Date().toISOString() })
        changed()
        return later(null)
      },
      RequestEmail: (id) => {
        byId(id).actions.emailRequested = true
        changed()
        return later(null)
      },
      SetEmail: (id, email) => {
        const d = byId(id)
        d.summary.email = email
        d.summary.panel = 'preliminary'
        d.panel = { ...d.panel, state: 'preliminary', email, warning: 'Unverified: verify before discussing account details', reason: 'Email entered by Sam Rivera', hiddenConversations: 1, hiddenFields: 1 }
        changed()
        return later(d.panel)
      },
      SendCode: (id) => {
        const d = byId(id)
        if (!d.actions.canEmail) return reject('no_sender', d.actions.mailBlockedReason)
        d.actions.codePending = true
        changed()
        return later(null)
      },
      SendLink: (id) => {
        const d = byId(id)
        if (!d.actions.canEmail) return reject('no_sender', d.actions.mailBlockedReason)
        d.actions.linkPending = true
        changed()
        return later(null)
      },
      MarkVerified: (id) => {
        const d = byId(id)
        d.summary.panel = 'verified'
        d.panel = {
          ...d.panel, state: 'verified', name: d.summary.title, warning: '', reason: '',
          verifiedLabel: `Verified by ${me}`, method: 'agent', verifiedAt: new Date().toISOString(),
          fields: [{ kind: 'email', value: d.panel.email, verifiedLabel: `Verified by ${me}` }], history: [],
        }
        changed()
        return later(d.panel)
      },
    }
  }

  function fakeTranscripts() {
    const t = c.transcripts ?? {}
    const none = { sendings: [], canResend: false, resendBlocked: '' }
    return {
      Sendings: (id) => later(t[id] ?? none),
      Resend: (id) => {
        const cur = t[id] ?? none
        if (!cur.canResend) return reject('transcript_in_flight', cur.resendBlocked)
        const at = new Date().toISOString()
        const s = { id: `t${Date.now()}`, number: cur.sendings.length + 1, status: 'queued', attempts: 0, error: '', reason: '', to: cur.sendings[0]?.to ?? '', requestedBy: me, createdAt: at, updatedAt: at, sentAt: '', nextAttemptAt: '' }
        t[id] = { sendings: [...cur.sendings, s], canResend: false, resendBlocked: 'The transcript is still being sent. Wait until it is sent or has failed.' }
        return later(t[id])
      },
      Document: (id) => (byId(id) ? later({ html: c.transcriptHtml ?? '<!DOCTYPE html><p>Transcript</p>', title: 'Your chat with Acme Support on Thursday, 7 May 2026', fileName: 'chat-transcript-2026-05-07-3e2c8d47.html' }) : reject('not_found', 'This conversation does not exist.')),
      SaveHTML: () => later({ saved: true, path: '/home/sam/Documents/chat-transcript-2026-05-07-3e2c8d47.html' }),
    }
  }

  window.go = {
    services: {
      Chat: fakeChat(),
      Transcripts: fakeTranscripts(),
      Regulatory: {
        Get: () => later(c.regulatory),
        Save: (r) => {
          if (r.consentText.length > 1000) return reject('invalid_input', 'The consent text can be at most 1,000 characters.', 'consentText')
          c.regulatory = { doubleOptIn: r.doubleOptIn, consentText: r.consentText }
          return later(c.regulatory)
        },
      },
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
        GoogleClientID: () => later('1234567890-abc123.apps.googleusercontent.com'),
        SetGoogleClientID: (id) => later(id.trim()),
        SetIdleEnd: (id, minutes) => {
          const inbox = m.inboxes.find((i) => i.id === id)
          if (!inbox) return reject('not_found', 'That inbox does not exist.')
          inbox.idleEndMinutes = minutes
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

    if (only === 'all' || only === 'base') await baseShots(open, shoot)
    if (only === 'all' || only === 'mail') await mailShots(open, shoot)
    if (only === 'all' || only === 'chat') await chatShots(open, shoot)

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

  page = await openAt(open, mailScenarios.mailAccountsHealth, 'Mail accounts')
  await page.getByText('Retrying the outgoing mail server').waitFor()
  await shoot(page, 'mail-accounts-health')
  await page.getByRole('region', { name: 'Bounce mailbox (optional)' }).scrollIntoViewIfNeeded()
  await shoot(page, 'mail-accounts-bounce')
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

/** Opens the Inbox and, if `title` is given, that conversation. */
async function openInbox(open, scenario, title, size) {
  const page = await open(scenario, size)
  await page.getByRole('list', { name: 'Conversations' }).waitFor()
  if (title) {
    await page.getByRole('list', { name: 'Conversations' }).getByRole('button', { name: title }).first().click()
    await page.getByRole('log', { name: 'Messages' }).waitFor()
  }
  await settled(page)
  return page
}

async function chatShots(open, shoot) {
  let page = await openInbox(open, chatScenarios.inbox, 'Ada Byron')
  await shoot(page, 'inbox-preliminary')
  await page.getByRole('button', { name: 'Send code' }).click()
  await page.getByText('Code sent — waiting for the customer').waitFor()
  await settled(page)
  await shoot(page, 'inbox-code-sent')
  await page.getByRole('button', { name: 'Mark verified' }).click()
  await page.getByRole('dialog').waitFor()
  await shoot(page, 'inbox-mark-verified-confirm')
  await page.getByRole('dialog').getByRole('button', { name: 'Mark verified' }).click()
  await page.getByText('Verified by Sam Rivera').first().waitFor()
  await settled(page)
  await shoot(page, 'inbox-marked-verified')
  await page.close()

  page = await openInbox(open, chatScenarios.inbox, 'Grace Hopper')
  await shoot(page, 'inbox-verified')
  await page.close()

  page = await openInbox(open, chatScenarios.typed, 'Mallory')
  await page.getByText('The customer typed another email').first().waitFor()
  await shoot(page, 'inbox-typed-another-email')
  await page.close()

  page = await openInbox(open, chatScenarios.inbox, 'Linus')
  await shoot(page, 'inbox-pending')
  await page.close()

  page = await openInbox(open, chatScenarios.inbox, 'Visitor')
  await page.getByRole('button', { name: 'Enter email' }).click()
  await shoot(page, 'inbox-none')
  await page.close()

  page = await openInbox(open, chatScenarios.noSender, 'Ada Byron')
  await shoot(page, 'inbox-no-sender')
  await page.close()

  page = await openInbox(open, chatScenarios.inbox, 'Ada Byron')
  await page.getByRole('tab', { name: 'All' }).click()
  await page.getByRole('button', { name: /Margaret Hamilton/ }).click()
  await page.getByText('Verified by Olive Owner').first().waitFor()
  await settled(page)
  await shoot(page, 'inbox-ended')
  await page.getByRole('button', { name: /Ada Byron/ }).click()
  await page.getByRole('button', { name: 'End chat' }).click()
  await page.getByRole('dialog').waitFor()
  await shoot(page, 'inbox-end-confirm')
  await page.close()

  page = await openInbox(open, chatScenarios.hostile, '<script>')
  await shoot(page, 'inbox-long-and-hostile-text')
  await page.close()

  // Narrower windows: the contact panel moves under the conversation.
  page = await openInbox(open, chatScenarios.inbox, 'Ada Byron', { width: 1024, height: 700 })
  await shoot(page, 'inbox-1024x700')
  await page.getByRole('button', { name: /show the contact/ }).click()
  await page.waitForTimeout(600)
  await shoot(page, 'inbox-1024x700-contact')
  await page.close()
  page = await openInbox(open, chatScenarios.inbox, 'Ada Byron', { width: 900, height: 600 })
  await shoot(page, 'inbox-900x600')
  await page.close()

  await transcriptShots(open, shoot)

  page = await open(chatScenarios.regulatory)
  await page.getByRole('list', { name: 'Conversations' }).waitFor()
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Settings' }).click()
  await page.getByRole('switch', { name: 'Double opt-in for new contacts' }).waitFor()
  await settled(page)
  await shoot(page, 'regulatory-settings')
  await page.close()
}

/** Opens an ended conversation of the transcripts scenario. */
async function openEnded(open, title, size) {
  const page = await open(chatScenarios.transcripts, size)
  await page.getByRole('list', { name: 'Conversations' }).waitFor()
  await page.getByRole('tab', { name: 'Ended' }).click()
  await page.getByRole('list', { name: 'Conversations' }).getByRole('button', { name: title }).first().click()
  await page.getByRole('heading', { name: 'Transcript' }).waitFor()
  await page.getByRole('button', { name: 'View transcript' }).waitFor()
  await settled(page)
  return page
}

async function transcriptShots(open, shoot) {
  let page = await openEnded(open, /Margaret Hamilton/)
  await page.getByText('Sent to m…@apollo.example').waitFor()
  await shoot(page, 'transcript-sent')
  await page.getByRole('button', { name: 'Send again' }).click()
  await page.getByText('Queued for m…@apollo.example').waitFor()
  await settled(page)
  await shoot(page, 'transcript-resent-queued')
  await page.close()

  page = await openEnded(open, /Lars Petersen/)
  await page.getByText(/Retrying \(3\)/).waitFor()
  await shoot(page, 'transcript-failed-and-retrying')
  await page.close()

  page = await openEnded(open, /Mallory/)
  await page.getByText(/Not sent/).waitFor()
  await shoot(page, 'transcript-not-sent')
  await page.close()

  page = await openEnded(open, /Margaret Hamilton/)
  await page.getByRole('button', { name: 'View transcript' }).click()
  await page.getByTitle('Transcript').waitFor()
  await page.waitForTimeout(300)
  await shoot(page, 'transcript-view')
  await page.getByRole('button', { name: 'Save as HTML…' }).click()
  await page.getByText(/Saved to/).waitFor()
  await shoot(page, 'transcript-view-saved')
  await page.close()

  page = await openEnded(open, /Lars Petersen/, { width: 900, height: 600 })
  await shoot(page, 'transcript-900x600')
  await page.close()
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
