// The shapes the views work with. They mirror the Go structs in package
// `services` (the JSON field names are the contract) but are plain objects
// with nullable fields made explicit, whatever the generated classes say.

export type Role = 'owner' | 'admin' | 'agent'

export type StartupProblemCode =
  | 'data_dir_unwritable'
  | 'db_locked'
  | 'db_too_new'
  | 'db_corrupt'
  | 'db_upgrade_failed'
  | 'other'

export interface StartupProblem {
  /** One of StartupProblemCode; unknown codes are treated as 'other'. */
  code: string
  title: string
  detail: string
  path: string
}

export interface Organization {
  id: string
  name: string
}

export interface Agent {
  id: string
  name: string
  email: string
  role: Role
}

export interface SetupState {
  version: string
  dataDir: string
  problem: StartupProblem | null
  needsSetup: boolean
  organization: Organization | null
  me: Agent | null
}

export interface SetupRequest {
  organizationName: string
  ownerName: string
  ownerEmail: string
}

/** Field names the Go side may name in an invalid_input error. */
export type SetupField = keyof SetupRequest

export type InboxKind = 'chat' | 'phone'

export interface Inbox {
  id: string
  name: string
  kind: InboxKind
}

export interface Counts {
  contacts: number
  pendingContacts: number
  conversations: number
  openConversations: number
}

export interface SenderEmail {
  address: string
  status: 'unverified' | 'verified'
}

export interface Overview {
  organization: Organization
  inboxes: Inbox[]
  counts: Counts
  senderEmail: SenderEmail | null
}

// ---- Mail: sender email, mail accounts, delivery log ----------------------

export type SenderStatus = 'verified' | 'unverified'

/** How a sender email was verified: by its link, by the app reading the mailbox, or not yet. */
export type VerifiedMethod = 'link' | 'imap' | ''

export interface SenderEmailView {
  address: string
  status: SenderStatus
  /** RFC 3339, or '' while unverified. */
  verifiedAt: string
  verifiedMethod: VerifiedMethod
  /** RFC 3339, or '' when no link was sent. */
  linkSentAt: string
}

/** The app watching the sender's IMAP mailbox to verify by itself. */
export interface MailboxWatch {
  configured: boolean
  connected: boolean
  lastError: string
  /** RFC 3339, or ''. */
  lastPoll: string
}

export interface SenderState {
  /** Owners and admins may change the sender; agents only see it. */
  canManage: boolean
  verified: SenderEmailView | null
  pending: SenderEmailView | null
  mailbox: MailboxWatch
}

export type TlsMode = 'implicit' | 'starttls' | 'none'

export interface AccountView {
  host: string
  port: number
  tls: TlsMode
  username: string
  hasPassword: boolean
}

export interface AccountRequest {
  host: string
  port: number
  tls: TlsMode
  username: string
  /** '' keeps the stored password. */
  password: string
}

/** Field names the Go side may name in an invalid_input error about an account. */
export type AccountField = 'host' | 'port' | 'tls' | 'username' | 'password'

export interface MailSettings {
  smtp: AccountView | null
  imap: AccountView | null
  keyringAvailable: boolean
  keyringProblem: string
}

export interface TestResult {
  ok: boolean
  message: string
}

export type DeliveryStatus = 'queued' | 'sending' | 'sent' | 'retrying' | 'failed'

export interface DeliveryEntry {
  id: string
  /** sender_verify, transcript, signin_code, …: see deliveryKindLabel. */
  kind: string
  to: string
  subject: string
  /** One of DeliveryStatus; anything else is shown as it came. */
  status: string
  attempts: number
  lastError: string
  /** RFC 3339. */
  createdAt: string
  /** RFC 3339, or '' until sent. */
  sentAt: string
}

export interface DeliveryLog {
  entries: DeliveryEntry[]
  /** Why the sending worker cannot deliver right now; '' when it can. */
  workerError: string
}

// ---- Inboxes -----------------------------------------------------------------

export type InboxToggle = 'emailSignin' | 'googleSignin' | 'transcriptAfter'

/** Whether the toggles that send email may be switched on. */
export interface MailGate {
  senderVerified: boolean
  senderAddress: string
  /** Why they may not, e.g. "Set up and verify a sender email in Address". */
  message: string
}

export interface InboxSettings {
  id: string
  name: string
  kind: InboxKind
  emailSignin: boolean
  googleSignin: boolean
  transcriptAfter: boolean
  /** A chat with no message for this many minutes ends by itself; 0: never. */
  idleEndMinutes: number
  mailGate: MailGate
  /** Phone inboxes: the number, whether the provider's auth token is set, the webhook URLs. */
  phoneNumber: string
  hasAuthToken: boolean
  voiceUrl: string
  statusUrl: string
  /** Phone inboxes: where each call is dialled on ('' when the inbox only records calls). */
  forwardTo: string
}

// ---- Chat: conversations, messages, the contact panel -----------------------
// Mirrors backend/services/chat_types.go. Times are RFC 3339 strings in UTC,
// or '' for "never". Every string that came from a customer (titles, emails,
// bodies, previews, names) is plain text and must be rendered as text.

/** Which conversations services.Chat.List returns. */
export type ConversationFilter = 'open' | 'ended' | 'all'

export type ConversationStatus = 'open' | 'ended'

export type ConversationKind = 'chat' | 'call'

/**
 * What the agent may know about who is in the chat: no email given yet, a new
 * contact waiting for the customer's double opt-in, an email that belongs to a
 * contact but is not proven on this device, or verified.
 */
export type PanelState = 'none' | 'pending' | 'preliminary' | 'verified'

export type MessageFrom = 'customer' | 'agent' | 'system'

/** One row of the Inbox list. */
export interface ConversationSummary {
  id: string
  inboxId: string
  inboxName: string
  kind: ConversationKind
  status: ConversationStatus
  /** The verified contact's name, else the name the visitor gave, else "Visitor". */
  title: string
  /** The address the link rests on (the proven one when verified); before a link, the one given, or ''. */
  email: string
  /** The address typed in the chat when it is not `email`: shown beside it, not proven. */
  typedEmail: string
  panel: PanelState
  unread: number
  /** Plain text, at most 140 characters. */
  lastMessage: string
  lastActivityAt: string
  startedAt: string
  /** Calls: the caller's number ('' for chats), the provider's status, seconds once over. */
  phone: string
  callStatus: string
  durationSeconds: number
}

/** One message. The body is plain text exactly as typed. */
export interface ChatMessage {
  id: string
  from: MessageFrom
  authorName: string
  body: string
  createdAt: string
}

/** One email or phone of a verified contact. */
export interface ContactFieldView {
  kind: 'email' | 'phone'
  value: string
  /** e.g. "Verified by Email OTP"; '' when not verified. */
  verifiedLabel: string
}

/** One earlier conversation of the contact. */
export interface HistoryItem {
  id: string
  kind: ConversationKind
  status: ConversationStatus
  startedAt: string
  preview: string
}

/**
 * What the agent may see about who is in the chat. Until the person is
 * verified on this device only counts are given (hiddenConversations,
 * hiddenFields); name, fields and history are filled only when verified.
 */
export interface ContactPanel {
  state: PanelState
  email: string
  /** The address typed in the chat when it is not `email`: the agent sees both, only `email` is proven. */
  typedEmail: string
  contactId: string
  /** '' unless verified. */
  name: string
  /** e.g. "Unverified: verify before discussing account details". */
  warning: string
  /** e.g. "Not verified on this device". */
  reason: string
  /** The address's owner answered a link sent in this chat with "This wasn't me". */
  refused: boolean
  /** e.g. "Verified by Email OTP" or "Verified by Olive Owner". */
  verifiedLabel: string
  /** Machine form: email_otp, email_link, double_opt_in, agent, … */
  method: string
  verifiedAt: string
  hiddenConversations: number
  hiddenFields: number
  fields: ContactFieldView[]
  history: HistoryItem[]
}

/** Which ways of verifying the agent can use now. */
export interface VerifyActions {
  /** False while the organization has no verified sender email. */
  canEmail: boolean
  mailBlockedReason: string
  codePending: boolean
  linkPending: boolean
  emailRequested: boolean
}

/** An open conversation in the agent's view. */
export interface ConversationDetail {
  summary: ConversationSummary
  /** The newest page, oldest first. */
  messages: ChatMessage[]
  /** Older messages exist: loadEarlierMessages pages back from the first of `messages`. */
  hasEarlier: boolean
  panel: ContactPanel
  actions: VerifyActions
}

/** A page of older messages, oldest first. */
export interface MessagePage {
  messages: ChatMessage[]
  /** Still older ones remain. */
  hasEarlier: boolean
}

/** Settings → Regulatory: how new contacts are registered. */
export interface Regulatory {
  /** A new contact stays pending until the customer confirms by the emailed link. */
  doubleOptIn: boolean
  /** Shown in the widget beside the email field; at most 1000 characters. */
  consentText: string
}

/** Events the Go side emits (no payload): reload the matching data on each. */
export type AppEvent = 'sender:changed' | 'outbox:changed' | 'chat:changed'
