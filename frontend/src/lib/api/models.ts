// The shapes the views work with are the Go structs the services return (their own, and the
// domain's read models: conversations, contacts, transcript, backup, startup), as
// `wails generate module` writes them into wailsjs/go/models.ts: nothing here
// repeats a field list. Two adjustments, both derived from the generated type:
//   - Plain<T>: the fields only. The bindings resolve with parsed JSON, never
//     with class instances, so the classes' helper methods are not there.
//   - Narrow<T, N>: a field Go sends as a string but whose values are a known
//     set (a panel state, a kind) typed as that set; ./clean maps an unknown
//     value to the safe one. Go pointers (nil: null) are typed `| null` here.
import type { agents, backup, contacts, conversations, mailaccounts, services, startup, transcript } from '../../../wailsjs/go/models'

type Method = (...args: never[]) => unknown

/** The data fields of a generated class, nested classes included, without its methods. */
export type Plain<T> = T extends readonly (infer U)[]
  ? Plain<U>[]
  : T extends object
    ? { [K in keyof T as T[K] extends Method ? never : K]: Plain<T[K]> }
    : T

/** T with the fields named in N replaced by N's narrower types. */
export type Narrow<T, N extends { [K in keyof N]: K extends keyof T ? unknown : never }> = Omit<T, keyof N> & N

// ---- Value sets Go encodes as strings ----------------------------------------

export type Role = 'owner' | 'admin' | 'agent'
export type StartupProblemCode = 'data_dir_unwritable' | 'db_locked' | 'db_too_new' | 'db_corrupt' | 'db_upgrade_failed' | 'other'
export type InboxKind = 'chat' | 'phone'
export type SenderStatus = 'verified' | 'unverified'
/** How a sender email was verified: by its link, by the app reading the mailbox, or not yet. */
export type VerifiedMethod = 'link' | 'imap' | ''
export type TlsMode = 'implicit' | 'starttls' | 'none'
export type DeliveryStatus = 'queued' | 'sending' | 'sent' | 'retrying' | 'failed' | 'bounced'
export type ConversationStatus = 'open' | 'ended'
export type ConversationKind = 'chat' | 'call'
/**
 * What the agent may know about who is in the chat: no email given yet, a new
 * contact waiting for the customer's double opt-in, an email that belongs to a
 * contact but is not proven on this device, or verified.
 */
export type PanelState = 'none' | 'pending' | 'preliminary' | 'verified'
export type MessageFrom = 'customer' | 'agent' | 'system'
/** An agent's reply in a team: sent (''), kept on this computer until the server answers, or refused by it. */
export type MessageStatus = '' | 'kept' | 'refused'
export type FieldKind = 'email' | 'phone'
export type TimelineKind = 'chat' | 'call' | 'transcript' | 'verification' | 'unverification' | 'merge' | 'unmerge'
/** Where one transcript email stands; "not_sent" is a record that none was queued. */
export type TranscriptStatus = 'queued' | 'sending' | 'retrying' | 'sent' | 'failed' | 'bounced' | 'not_sent'

// ---- Names the frontend gives to arguments (not Go structs) -------------------

/** Which conversations services.Chat.List returns. */
export type ConversationFilter = 'open' | 'ended' | 'all'
export type InboxToggle = 'emailSignin' | 'googleSignin' | 'transcriptAfter'
/** Events the Go side emits (no payload): reload the matching data on each. */
export type AppEvent = 'sender:changed' | 'outbox:changed' | 'chat:changed' | 'team:changed'

// ---- Setup and workspace ---------------------------------------------------------

export type StartupProblem = Plain<startup.Problem>
export type Organization = Plain<services.Organization>
export type Agent = Narrow<Plain<services.Agent>, { role: Role }>
export type SetupState = Narrow<
  Plain<services.SetupState>,
  { problem: StartupProblem | null; organization: Organization | null; me: Agent | null }
>
export type SetupRequest = Plain<services.SetupRequest>
/** Field names the Go side may name in an invalid_input error. */
export type SetupField = keyof SetupRequest
export type Inbox = Narrow<Plain<services.Inbox>, { kind: InboxKind }>
export type Counts = Plain<services.Counts>
export type SenderEmail = Narrow<Plain<services.SenderEmail>, { status: SenderStatus }>
export type Overview = Narrow<Plain<services.Overview>, { inboxes: Inbox[]; senderEmail: SenderEmail | null }>

// ---- Mail: sender email, mail accounts, delivery log ------------------------------

export type SenderEmailView = Narrow<Plain<services.SenderEmailView>, { status: SenderStatus; verifiedMethod: VerifiedMethod }>
export type MailboxWatch = Plain<services.MailboxWatchView>
export type SenderState = Narrow<
  Plain<services.SenderState>,
  { verified: SenderEmailView | null; pending: SenderEmailView | null }
>
export type AccountView = Narrow<Plain<services.AccountView>, { tls: TlsMode }>
export type AccountRequest = Narrow<Plain<services.AccountRequest>, { tls: TlsMode }>
/** Field names the Go side may name in an invalid_input error about an account. */
export type AccountField = keyof AccountRequest
export type MailSettings = Narrow<
  Plain<services.MailSettings>,
  { smtp: AccountView | null; imap: AccountView | null; bounce: AccountView | null }
>
export type TestResult = Plain<services.TestResult>
export type DeliveryEntry = Plain<services.DeliveryEntry>
export type DeliveryLog = Plain<services.DeliveryLog>
/** How a mail account is doing (Go's mailaccounts.Health); times are RFC 3339 or ''. */
export type MailHealthState = 'not_set_up' | 'waiting' | 'ok' | 'connecting' | 'connected' | 'retrying' | 'failed'
export type MailHealth = Narrow<
  Plain<mailaccounts.Health>,
  { purpose: 'smtp' | 'imap' | 'bounce'; state: MailHealthState; mode: 'idle' | 'polling' | '' }
>

// ---- Inboxes ------------------------------------------------------------------------

export type MailGate = Plain<services.MailGate>
export type InboxSettings = Narrow<Plain<services.InboxSettings>, { kind: InboxKind }>

// ---- Chat and Regulatory ---------------------------------------------------------------
// Times are RFC 3339 strings in UTC, or '' for "never". Every string that came
// from a customer is plain text and must be rendered as text.

export type ConversationSummary = Narrow<
  Plain<conversations.ConversationSummary>,
  { kind: ConversationKind; status: ConversationStatus; panel: PanelState }
>
export type ChatMessage = Narrow<Plain<conversations.ChatMessage>, { from: MessageFrom; status?: MessageStatus }>
export type ContactFieldView = Narrow<Plain<conversations.ContactFieldView>, { kind: FieldKind }>
export type HistoryItem = Narrow<Plain<conversations.HistoryItem>, { kind: ConversationKind; status: ConversationStatus }>
/** Until the person is verified on this device only counts are given; ./clean empties the rest. */
export type ContactPanel = Narrow<
  Plain<conversations.ContactPanel>,
  { state: PanelState; fields: ContactFieldView[]; history: HistoryItem[] }
>
export type VerifyActions = Plain<conversations.VerifyActions>
export type ConversationDetail = Narrow<
  Plain<conversations.ConversationDetail>,
  { summary: ConversationSummary; messages: ChatMessage[]; panel: ContactPanel }
>
export type MessagePage = Narrow<Plain<conversations.MessagePage>, { messages: ChatMessage[] }>
export type Regulatory = Plain<services.RegulatorySettings>

// ---- Transcripts and Data ------------------------------------------------------------------

export type TranscriptSending = Narrow<Plain<transcript.TranscriptSending>, { status: TranscriptStatus }>
export type TranscriptSendings = Narrow<Plain<transcript.TranscriptSendings>, { sendings: TranscriptSending[] }>
export type TranscriptDocument = Plain<transcript.TranscriptDocument>
export type SavedFile = Plain<services.SavedFile>
export type DataInfo = Plain<backup.Info>
export type BackupFile = Plain<backup.File>

// ---- Contacts ------------------------------------------------------------------------------

export type ContactSummary = Plain<contacts.ContactSummary>
export type ContactSearch = Plain<contacts.ContactSearch>
export type ContactField = Narrow<Plain<contacts.ContactField>, { kind: FieldKind }>
export type MergeRecord = Plain<contacts.MergeRecord>
export type ContactDetail = Narrow<Plain<contacts.ContactDetail>, { fields: ContactField[] }>
export type TimelineItem = Narrow<Plain<contacts.TimelineItem>, { kind: TimelineKind }>
export type TimelinePage = Narrow<Plain<contacts.TimelinePage>, { items: TimelineItem[] }>
export type NewContactField = Narrow<Plain<services.NewContactField>, { kind: FieldKind }>
export type ContactEdit = Narrow<Plain<services.ContactEdit>, { add: NewContactField[] }>
export type FieldCheck = Narrow<Plain<services.FieldCheck>, { kind: FieldKind }>
export type MergePreview = Plain<services.MergePreview>
export type EditPreview = Narrow<Plain<services.EditPreview>, { fields: FieldCheck[] }>

// ---- Team (a team member's desktop) ---------------------------------------------------------

/** "solo": the organization on this computer; "team": a copy of a team server's. */
export type TeamMode = 'solo' | 'team'
/** The first copy is being made, the copy follows the server, or the session ended. */
export type TeamPhase = 'copying' | 'live' | 'ended'
/** Why the session ended: signed out here, or ended by the server; '' while signed in. */
export type TeamEnded = '' | 'signed_out' | 'ended'
export type CopyProgress = Narrow<Plain<services.CopyProgress>, { phase: 'snapshot' | 'changes' | 'done' }>
export type TeamStatus = Narrow<Plain<services.TeamStatus>, { phase: TeamPhase; copy: CopyProgress }>
export type Replica = Plain<services.Replica>
export type TeamState = Narrow<Plain<services.TeamState>, { mode: TeamMode; ended: TeamEnded; status: TeamStatus }>
export type SigninRequest = Plain<services.SigninRequest>
/** Field names the Go side may name in an invalid_input error while joining. */
export type SigninField = keyof SigninRequest
export type TeamAgent = Narrow<Plain<agents.Agent>, { role: Role }>
export type TeamInvitation = Narrow<Plain<agents.Invitation>, { role: Role }>
export type TeamSession = Plain<agents.Session>
