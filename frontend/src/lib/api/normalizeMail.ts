// Normalizers for the Mail and Inboxes services (see ./normalize for why).
import { num, obj, str, toInbox } from './normalize'
import type {
  AccountView,
  DeliveryEntry,
  DeliveryLog,
  InboxSettings,
  MailGate,
  MailSettings,
  MailboxWatch,
  SenderEmailView,
  SenderState,
  TestResult,
  TlsMode,
  VerifiedMethod,
} from './types'

const tlsModes: readonly TlsMode[] = ['implicit', 'starttls', 'none']
const methods: readonly VerifiedMethod[] = ['link', 'imap']

function toSenderEmailView(value: unknown): SenderEmailView | null {
  const o = obj(value)
  if (!o || !str(o.address)) return null
  return {
    address: str(o.address),
    status: o.status === 'verified' ? 'verified' : 'unverified',
    verifiedAt: str(o.verifiedAt),
    verifiedMethod: methods.includes(o.verifiedMethod as VerifiedMethod)
      ? (o.verifiedMethod as VerifiedMethod)
      : '',
    linkSentAt: str(o.linkSentAt),
  }
}

function toMailboxWatch(value: unknown): MailboxWatch {
  const o = obj(value) ?? {}
  return {
    configured: o.configured === true,
    connected: o.connected === true,
    lastError: str(o.lastError),
    lastPoll: str(o.lastPoll),
  }
}

export function toSenderState(value: unknown): SenderState {
  const o = obj(value) ?? {}
  return {
    canManage: o.canManage === true,
    verified: toSenderEmailView(o.verified),
    pending: toSenderEmailView(o.pending),
    mailbox: toMailboxWatch(o.mailbox),
  }
}

function toAccountView(value: unknown): AccountView | null {
  const o = obj(value)
  if (!o) return null
  return {
    host: str(o.host),
    port: num(o.port),
    // An unknown mode is shown as the safe default rather than as "none".
    tls: tlsModes.includes(o.tls as TlsMode) ? (o.tls as TlsMode) : 'starttls',
    username: str(o.username),
    hasPassword: o.hasPassword === true,
  }
}

export function toMailSettings(value: unknown): MailSettings {
  const o = obj(value) ?? {}
  return {
    smtp: toAccountView(o.smtp),
    imap: toAccountView(o.imap),
    keyringAvailable: o.keyringAvailable === true,
    keyringProblem: str(o.keyringProblem),
  }
}

export function toTestResult(value: unknown): TestResult {
  const o = obj(value) ?? {}
  const ok = o.ok === true
  return { ok, message: str(o.message) || (ok ? 'Connected.' : 'The connection failed.') }
}

function toDeliveryEntry(value: unknown): DeliveryEntry | null {
  const o = obj(value)
  if (!o) return null
  return {
    id: str(o.id),
    kind: str(o.kind),
    to: str(o.to),
    subject: str(o.subject),
    status: str(o.status),
    attempts: num(o.attempts),
    lastError: str(o.lastError),
    createdAt: str(o.createdAt),
    sentAt: str(o.sentAt),
  }
}

export function toDeliveryLog(value: unknown): DeliveryLog {
  const o = obj(value) ?? {}
  const entries = Array.isArray(o.entries) ? o.entries : []
  return {
    entries: entries.map(toDeliveryEntry).filter((e): e is DeliveryEntry => e !== null),
    workerError: str(o.workerError),
  }
}

function toMailGate(value: unknown): MailGate {
  const o = obj(value) ?? {}
  return {
    senderVerified: o.senderVerified === true,
    senderAddress: str(o.senderAddress),
    message: str(o.message),
  }
}

export function toInboxSettings(value: unknown): InboxSettings | null {
  const inbox = toInbox(value)
  const o = obj(value)
  if (!inbox || !o) return null
  return {
    ...inbox,
    emailSignin: o.emailSignin === true,
    googleSignin: o.googleSignin === true,
    transcriptAfter: o.transcriptAfter === true,
    idleEndMinutes: typeof o.idleEndMinutes === 'number' && o.idleEndMinutes >= 0 ? Math.floor(o.idleEndMinutes) : 0,
    mailGate: toMailGate(o.mailGate),
    phoneNumber: str(o.phoneNumber),
    hasAuthToken: o.hasAuthToken === true,
    voiceUrl: str(o.voiceUrl),
    statusUrl: str(o.statusUrl),
    forwardTo: str(o.forwardTo),
  }
}

export function toInboxSettingsList(value: unknown): InboxSettings[] {
  const list = Array.isArray(value) ? value : []
  return list.map(toInboxSettings).filter((i): i is InboxSettings => i !== null)
}
