import type {
  AccountView,
  ChatMessage,
  ContactDetail,
  ContactField,
  ContactPanel,
  ConversationDetail,
  ConversationSummary,
  VerifyActions,
  DeliveryEntry,
  DeliveryLog,
  InboxSettings,
  MailHealth,
  MailSettings,
  MailboxWatch,
  Overview,
  SenderEmailView,
  SenderState,
  SetupState,
  TeamState,
  TeamStatus,
} from '../lib/api'

export function readyState(overrides: Partial<SetupState> = {}): SetupState {
  return {
    version: '0.1.0',
    dataDir: '/home/sam/.local/share/vouchdesk',
    problem: null,
    needsSetup: false,
    organization: { id: 'org_1', name: 'Acme Support' },
    me: { id: 'agt_1', name: 'Sam Rivera', email: 'sam@acme.example', role: 'owner' },
    ...overrides,
  }
}

export function firstRunState(): SetupState {
  return readyState({ needsSetup: true, organization: null, me: null })
}

export function overview(overrides: Partial<Overview> = {}): Overview {
  return {
    organization: { id: 'org_1', name: 'Acme Support' },
    inboxes: [
      { id: 'ibx_1', name: 'Website', kind: 'chat' },
      { id: 'ibx_2', name: 'Hotline', kind: 'phone' },
    ],
    counts: { contacts: 0, pendingContacts: 0, conversations: 0, openConversations: 0 },
    senderEmail: null,
    ...overrides,
  }
}

const noMailbox: MailboxWatch = { configured: false, connected: false, lastError: '', mode: '', lastErrorAt: '', retryingSince: '', lastPoll: '' }

export function verifiedSender(overrides: Partial<SenderEmailView> = {}): SenderEmailView {
  return {
    address: 'help@acme.example',
    status: 'verified',
    verifiedAt: '2026-05-02T09:30:00Z',
    verifiedMethod: 'link',
    linkSentAt: '2026-05-02T09:00:00Z',
    linkBounced: '',
    linkBouncedAt: '',
    ...overrides,
  }
}

export function pendingSender(overrides: Partial<SenderEmailView> = {}): SenderEmailView {
  return {
    address: 'support@acme.example',
    status: 'unverified',
    verifiedAt: '',
    verifiedMethod: '',
    linkSentAt: new Date(Date.now() - 3 * 60_000).toISOString(),
    linkBounced: '',
    linkBouncedAt: '',
    ...overrides,
  }
}

export function senderState(overrides: Partial<SenderState> = {}): SenderState {
  return { canManage: true, verified: null, pending: null, mailbox: noMailbox, ...overrides }
}

export function account(overrides: Partial<AccountView> = {}): AccountView {
  return {
    host: 'smtp.acme.example',
    port: 587,
    tls: 'starttls',
    username: 'help@acme.example',
    hasPassword: true,
    address: '',
    ...overrides,
  }
}

export function mailSettings(overrides: Partial<MailSettings> = {}): MailSettings {
  return { smtp: null, imap: null, bounce: null, keyringAvailable: true, keyringProblem: '', ...overrides }
}

export function deliveryEntry(overrides: Partial<DeliveryEntry> = {}): DeliveryEntry {
  return {
    id: 'out_1',
    kind: 'sender_verify',
    to: 'support@acme.example',
    subject: 'Confirm your sender email',
    status: 'sent',
    attempts: 1,
    lastError: '',
    createdAt: '2026-05-09T10:00:00Z',
    sentAt: '2026-05-09T10:00:05Z',
    bounceKind: '',
    bounceReason: '',
    bouncedAt: '',
    ...overrides,
  }
}

export function deliveryLog(overrides: Partial<DeliveryLog> = {}): DeliveryLog {
  return { entries: [], workerError: '', workerErrorAt: '', failingSince: '', ...overrides }
}

const closedGate = {
  senderVerified: false,
  senderAddress: '',
  message: 'Set up and verify a sender email in Address',
}

export function inboxSettings(overrides: Partial<InboxSettings> = {}): InboxSettings {
  return {
    id: 'ibx_1',
    name: 'Website',
    kind: 'chat',
    emailSignin: false,
    googleSignin: false,
    transcriptAfter: false,
    idleEndMinutes: 30,
    mailGate: closedGate,
    phoneNumber: '',
    hasAuthToken: false,
    voiceUrl: '',
    statusUrl: '',
    forwardTo: '',
    ...overrides,
  }
}

export function openGate(address = 'help@acme.example') {
  return { senderVerified: true, senderAddress: address, message: '' }
}

// ---- Chat ----------------------------------------------------------------------

export function conversation(overrides: Partial<ConversationSummary> = {}): ConversationSummary {
  return {
    id: 'cnv_1',
    inboxId: 'ibx_1',
    inboxName: 'Website',
    kind: 'chat',
    status: 'open',
    title: 'Ada Byron',
    email: 'ada@example.com',
    typedEmail: '',
    panel: 'preliminary',
    unread: 0,
    lastMessage: 'Hello, I have a question about my order',
    lastActivityAt: new Date(Date.now() - 2 * 60_000).toISOString(),
    startedAt: new Date(Date.now() - 10 * 60_000).toISOString(),
    phone: '',
    callStatus: '',
    durationSeconds: 0,
    ...overrides,
  }
}

export function message(overrides: Partial<ChatMessage> = {}): ChatMessage {
  return {
    id: 'msg_1',
    from: 'customer',
    authorName: '',
    body: 'Hello, I have a question about my order',
    createdAt: new Date(Date.now() - 2 * 60_000).toISOString(),
    ...overrides,
  }
}

export function contactPanel(overrides: Partial<ContactPanel> = {}): ContactPanel {
  return {
    state: 'preliminary',
    email: 'ada@example.com',
    typedEmail: '',
    contactId: 'ct_1',
    name: '',
    warning: 'Unverified: verify before discussing account details',
    reason: 'Not verified on this device',
    refused: false,
    verifiedLabel: '',
    method: '',
    verifiedAt: '',
    hiddenConversations: 3,
    hiddenFields: 2,
    fields: [],
    history: [],
    ...overrides,
  }
}

export function verifiedPanel(overrides: Partial<ContactPanel> = {}): ContactPanel {
  return contactPanel({
    state: 'verified',
    name: 'Ada Lovelace',
    warning: '',
    reason: '',
    verifiedLabel: 'Verified by Email OTP',
    method: 'email_otp',
    verifiedAt: new Date(Date.now() - 5 * 60_000).toISOString(),
    hiddenConversations: 0,
    hiddenFields: 0,
    fields: [
      { kind: 'email', value: 'ada@example.com', verifiedLabel: 'Verified by Email OTP' },
      { kind: 'phone', value: '+44 20 7946 0018', verifiedLabel: '' },
    ],
    history: [
      { id: 'cnv_0', kind: 'chat', status: 'ended', startedAt: '2026-04-02T09:00:00Z', preview: 'Where is my parcel?' },
    ],
    ...overrides,
  })
}

export function verifyActions(overrides: Partial<VerifyActions> = {}): VerifyActions {
  return {
    canEmail: true,
    mailBlockedReason: '',
    codePending: false,
    linkPending: false,
    emailRequested: false,
    ...overrides,
  }
}

export function conversationDetail(
  overrides: { summary?: Partial<ConversationSummary> } & Partial<Omit<ConversationDetail, 'summary'>> = {},
): ConversationDetail {
  const { summary, ...rest } = overrides
  return {
    summary: conversation(summary),
    messages: [message()],
    hasEarlier: false,
    panel: contactPanel(),
    actions: verifyActions(),
    ...rest,
  }
}

export function contactField(overrides: Partial<ContactField> = {}): ContactField {
  return {
    id: 'fld_1',
    kind: 'email',
    value: 'ada@example.com',
    norm: 'ada@example.com',
    verified: true,
    verifiedLabel: 'Verified by Email OTP',
    method: 'email_otp',
    verifiedAt: '2026-05-09T09:00:00Z',
    verifiedBy: '',
    removedNote: '',
    bounced: '',
    ...overrides,
  }
}

export function contactDetail(overrides: Partial<ContactDetail> = {}): ContactDetail {
  return {
    id: 'ct_1',
    name: 'Ada Lovelace',
    status: 'active',
    fields: [contactField()],
    otherNames: [],
    mergedInto: '',
    merges: [],
    conversations: 2,
    createdAt: '2026-05-01T09:00:00Z',
    ...overrides,
  }
}

export function mailHealth(overrides: Partial<MailHealth> = {}): MailHealth {
  return {
    purpose: 'smtp',
    state: 'ok',
    mode: '',
    lastError: '',
    lastErrorAt: '',
    retryingSince: '',
    lastOkAt: new Date(Date.now() - 2 * 60_000).toISOString(),
    observedAt: new Date().toISOString(),
    ...overrides,
  }
}

// ---- Team ----------------------------------------------------------------------

export function teamStatus(overrides: Partial<TeamStatus> = {}): TeamStatus {
  return {
    phase: 'live',
    online: true,
    offlineSince: '',
    lastError: '',
    retryInSeconds: 0,
    kept: 0,
    recopying: false,
    recopyReason: '',
    copy: {
      phase: 'done',
      table: '',
      tablesDone: 0,
      tablesTotal: 0,
      rows: 0,
      rowsTotal: 0,
      bytes: 0,
      elapsedSeconds: 0,
      remainingSeconds: 0,
      timeLeftKnown: false,
    },
    ...overrides,
  }
}

export function teamState(overrides: Partial<TeamState> = {}): TeamState {
  return {
    mode: 'team',
    serverUrl: 'https://desk.acme.example',
    organizationName: 'Acme Support',
    agentName: 'Sam Rivera',
    agentEmail: 'sam@acme.example',
    pendingEmail: '',
    pendingServer: '',
    invitationLink: '',
    ended: '',
    endedMessage: '',
    status: teamStatus(),
    replica: { path: '', bytes: 0, conversations: 0, contacts: 0 },
    ...overrides,
  }
}

export function soloTeam(): TeamState {
  return teamState({ mode: 'solo', serverUrl: '', organizationName: '', agentName: '', agentEmail: '' })
}

/** Offline since a local 14:32 today (the banner shows local time). */
export function offlineTeam(overrides: Partial<TeamStatus> = {}): TeamState {
  const since = new Date()
  since.setHours(14, 32, 0, 0)
  return teamState({
    status: teamStatus({ online: false, offlineSince: since.toISOString(), lastError: 'connection refused', retryInSeconds: 8, ...overrides }),
  })
}
