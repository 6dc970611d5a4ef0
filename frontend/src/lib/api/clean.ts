// What the api layer does to an answer beyond passing it on, over the
// generated types of ./models. Go sends every field (no omitempty), but a nil
// slice arrives as null and a nil pointer as null: they become [] and null
// here, so views never need to guess. Text people typed (names, bodies,
// previews) is cleaned with showText: rows stored before the server cleaned
// input may still hold control or direction characters. A string Go sends
// from a known set is narrowed; anything unexpected errs on the side of
// showing less (an unknown panel state is never "verified").
import type { agents, contacts, conversations, mailaccounts, services, transcript } from '../../../wailsjs/go/models'
import { showText } from '../textrules'
import type {
  AccountView,
  ChatMessage,
  ContactDetail,
  ContactPanel,
  ContactSearch,
  ConversationDetail,
  ConversationSummary,
  DeliveryLog,
  EditPreview,
  FieldKind,
  Inbox,
  InboxSettings,
  MailHealth,
  MailHealthState,
  MailSettings,
  MessagePage,
  MessageStatus,
  Overview,
  PanelState,
  Plain,
  Role,
  SenderEmailView,
  SenderState,
  SetupState,
  TestResult,
  TimelineItem,
  TeamAgent,
  TeamInvitation,
  TeamSession,
  TeamState,
  TimelinePage,
  TranscriptSendings,
} from './models'

/** A Go slice: nil arrives as null. */
function list<T>(items: readonly T[] | null | undefined): T[] {
  return items ? [...items] : []
}

/** `value` when it is one of `known`, else `fallback`. */
function oneOf<T extends string>(value: string, known: readonly T[], fallback: T): T {
  return known.includes(value as T) ? (value as T) : fallback
}

function fieldKind(kind: string): FieldKind {
  return kind === 'phone' ? 'phone' : 'email'
}

function nonNegative(n: number): number {
  return Math.max(0, Math.floor(n || 0))
}

// ---- Setup and workspace --------------------------------------------------------

const roles: readonly Role[] = ['owner', 'admin', 'agent']

export function setupState(raw: Plain<services.SetupState>): SetupState {
  return {
    ...raw,
    problem: raw.problem ? { ...raw.problem, code: raw.problem.code || 'other' } : null,
    organization: raw.organization ?? null,
    me: raw.me ? { ...raw.me, role: oneOf(raw.me.role, roles, 'agent') } : null,
  }
}

export function inbox<T extends Plain<services.Inbox>>(raw: T): T & Inbox {
  return { ...raw, kind: raw.kind === 'phone' ? 'phone' : 'chat' }
}

export function overview(raw: Plain<services.Overview>): Overview {
  const sender = raw.senderEmail
  return {
    ...raw,
    inboxes: list(raw.inboxes).map(inbox),
    senderEmail: sender?.address ? { ...sender, status: sender.status === 'verified' ? 'verified' : 'unverified' } : null,
  }
}

// ---- Mail and inboxes ---------------------------------------------------------------

function senderView(raw: Plain<services.SenderEmailView> | null | undefined): SenderEmailView | null {
  if (!raw?.address) return null
  return {
    ...raw,
    status: raw.status === 'verified' ? 'verified' : 'unverified',
    verifiedMethod: oneOf(raw.verifiedMethod, ['link', 'imap', ''], ''),
  }
}

export function senderState(raw: Plain<services.SenderState>): SenderState {
  return { ...raw, verified: senderView(raw.verified), pending: senderView(raw.pending) }
}

function account(raw: Plain<services.AccountView> | null | undefined): AccountView | null {
  // An unknown mode is shown as the safe default rather than as "none".
  return raw ? { ...raw, tls: oneOf(raw.tls, ['implicit', 'starttls', 'none'], 'starttls') } : null
}

export function mailSettings(raw: Plain<services.MailSettings>): MailSettings {
  return { ...raw, smtp: account(raw.smtp), imap: account(raw.imap), bounce: account(raw.bounce) }
}

export function testResult(raw: Plain<services.TestResult>): TestResult {
  return { ...raw, message: raw.message || (raw.ok ? 'Connected.' : 'The connection failed.') }
}

export function deliveryLog(raw: Plain<services.DeliveryLog>): DeliveryLog {
  return { ...raw, entries: list(raw.entries) }
}

const healthStates: readonly MailHealthState[] = ['not_set_up', 'waiting', 'ok', 'connecting', 'connected', 'retrying', 'failed']

/** SMTP, IMAP, then the bounce mailbox when set up. An unknown state reads as retrying when there is an error, else waiting. */
export function mailHealth(raw: readonly Plain<mailaccounts.Health>[] | null | undefined): MailHealth[] {
  return list(raw).map((h) => ({
    ...h,
    purpose: oneOf(h.purpose, ['smtp', 'imap', 'bounce'], 'smtp'),
    state: oneOf(h.state, healthStates, h.lastError ? 'retrying' : 'waiting'),
    mode: oneOf(h.mode, ['idle', 'polling', ''], ''),
  }))
}

export function inboxSettings(raw: Plain<services.InboxSettings>): InboxSettings {
  return { ...inbox(raw), idleEndMinutes: nonNegative(raw.idleEndMinutes) }
}

// ---- Chat ---------------------------------------------------------------------------------

const panelStates: readonly PanelState[] = ['none', 'pending', 'preliminary', 'verified']

function panelState(state: string, email: string): PanelState {
  // Unknown: not verified. With an address it is at best preliminary.
  return oneOf(state, panelStates, email ? 'preliminary' : 'none')
}

function conversationKind(kind: string) {
  return kind === 'call' ? ('call' as const) : ('chat' as const)
}

function conversationStatus(status: string) {
  return status === 'ended' ? ('ended' as const) : ('open' as const)
}

export function conversationSummary(raw: Plain<conversations.ConversationSummary>): ConversationSummary {
  return {
    ...raw,
    kind: conversationKind(raw.kind),
    status: conversationStatus(raw.status),
    title: showText(raw.title) || 'Visitor',
    panel: panelState(raw.panel, raw.email),
    unread: nonNegative(raw.unread),
    lastMessage: showText(raw.lastMessage),
    durationSeconds: nonNegative(raw.durationSeconds),
  }
}

export function chatMessage(raw: Plain<conversations.ChatMessage>): ChatMessage {
  return {
    ...raw,
    from: oneOf(raw.from, ['customer', 'agent', 'system'], 'system'),
    authorName: showText(raw.authorName),
    body: showText(raw.body),
    // Unknown: shown as sent, the way every message was before teams.
    status: oneOf<MessageStatus>(raw.status ?? '', ['', 'kept', 'refused'], ''),
    problem: showText(raw.problem ?? ''),
  }
}

/** A panel that is not verified never carries names, fields or history, even if they were sent. */
export function contactPanel(raw: Plain<conversations.ContactPanel>): ContactPanel {
  const state = panelState(raw.state, raw.email)
  const verified = state === 'verified'
  return {
    ...raw,
    state,
    name: verified ? showText(raw.name) : '',
    refused: !verified && raw.refused === true,
    verifiedLabel: verified ? raw.verifiedLabel : '',
    method: verified ? raw.method : '',
    verifiedAt: verified ? raw.verifiedAt : '',
    hiddenConversations: nonNegative(raw.hiddenConversations),
    hiddenFields: nonNegative(raw.hiddenFields),
    fields: verified ? list(raw.fields).map((f) => ({ ...f, kind: fieldKind(f.kind) })) : [],
    history: verified
      ? list(raw.history).map((h) => ({
          ...h,
          kind: conversationKind(h.kind),
          status: conversationStatus(h.status),
          preview: showText(h.preview),
        }))
      : [],
  }
}

export function conversationDetail(raw: Plain<conversations.ConversationDetail>): ConversationDetail {
  return {
    ...raw,
    summary: conversationSummary(raw.summary),
    messages: list(raw.messages).map(chatMessage),
    panel: contactPanel(raw.panel),
  }
}

export function messagePage(raw: Plain<conversations.MessagePage>): MessagePage {
  return { ...raw, messages: list(raw.messages).map(chatMessage) }
}

// ---- Transcripts ------------------------------------------------------------------------

export function transcriptSendings(raw: Plain<transcript.TranscriptSendings>): TranscriptSendings {
  return {
    ...raw,
    sendings: list(raw.sendings).map((s) => ({
      ...s,
      // Unknown: never claim it was sent.
      status: oneOf(s.status, ['queued', 'sending', 'retrying', 'sent', 'failed', 'bounced', 'not_sent'], 'queued'),
    })),
  }
}

// ---- Contacts -----------------------------------------------------------------------------

export function contactSearch(raw: Plain<contacts.ContactSearch>): ContactSearch {
  return {
    ...raw,
    contacts: list(raw.contacts).map((c) => ({ ...c, name: showText(c.name), emails: list(c.emails), phones: list(c.phones) })),
  }
}

export function contactDetail(raw: Plain<contacts.ContactDetail>): ContactDetail {
  return {
    ...raw,
    name: showText(raw.name),
    fields: list(raw.fields).map((f) => ({ ...f, kind: fieldKind(f.kind), verifiedLabel: f.verifiedLabel || 'Not verified' })),
    otherNames: list(raw.otherNames).map(showText),
    merges: list(raw.merges).map((m) => ({ ...m, mergedName: showText(m.mergedName) })),
  }
}

const timelineKinds: readonly TimelineItem['kind'][] = ['chat', 'call', 'transcript', 'verification', 'unverification', 'merge', 'unmerge']

/** Items of a kind this version does not know are left out rather than shown wrongly. */
export function timelinePage(raw: Plain<contacts.TimelinePage>): TimelinePage {
  const items: TimelineItem[] = []
  for (const item of list(raw.items)) {
    if (!timelineKinds.includes(item.kind as TimelineItem['kind'])) continue
    items.push({ ...item, kind: item.kind as TimelineItem['kind'], title: showText(item.title), detail: showText(item.detail) })
  }
  return { ...raw, items }
}

export function editPreview(raw: Plain<services.EditPreview>): EditPreview {
  return {
    ...raw,
    fields: list(raw.fields).map((f) => ({ ...f, kind: fieldKind(f.kind) })),
    merges: list(raw.merges).map((m) => ({ ...m, name: showText(m.name) })),
  }
}

// ---- Team ----------------------------------------------------------------------------------

/**
 * An unknown mode is "solo" (the desk this version knows); an unknown phase while signed in is
 * "live"; anything that says the session ended wins, so no screen offers changes it would refuse.
 */
export function teamState(raw: Plain<services.TeamState> | null | undefined): TeamState {
  const r = raw ?? ({} as Partial<Plain<services.TeamState>>)
  const st = (r.status ?? {}) as Partial<Plain<services.TeamStatus>>
  const cp = (st.copy ?? {}) as Partial<Plain<services.CopyProgress>>
  const rep = (r.replica ?? {}) as Partial<Plain<services.Replica>>
  const ended = oneOf(r.ended ?? '', ['', 'signed_out', 'ended'], r.ended ? 'ended' : '')
  const phase = ended ? 'ended' : oneOf(st.phase ?? '', ['copying', 'live', 'ended'], 'live')
  return {
    mode: r.mode === 'team' ? 'team' : 'solo',
    serverUrl: r.serverUrl ?? '',
    organizationName: showText(r.organizationName ?? ''),
    agentName: showText(r.agentName ?? ''),
    agentEmail: r.agentEmail ?? '',
    pendingEmail: r.pendingEmail ?? '',
    pendingServer: r.pendingServer ?? '',
    invitationLink: r.invitationLink ?? '',
    ended,
    endedMessage: showText(r.endedMessage ?? ''),
    status: {
      phase,
      online: phase !== 'ended' && st.online === true,
      offlineSince: st.offlineSince ?? '',
      lastError: showText(st.lastError ?? ''),
      retryInSeconds: nonNegative(st.retryInSeconds ?? 0),
      kept: nonNegative(st.kept ?? 0),
      recopying: phase === 'live' && st.recopying === true,
      recopyReason: showText(st.recopyReason ?? ''),
      copy: {
        phase: oneOf(cp.phase ?? '', ['snapshot', 'changes', 'done'], 'snapshot'),
        table: cp.table ?? '',
        tablesDone: nonNegative(cp.tablesDone ?? 0),
        tablesTotal: nonNegative(cp.tablesTotal ?? 0),
        rows: nonNegative(cp.rows ?? 0),
        rowsTotal: nonNegative(cp.rowsTotal ?? 0),
        bytes: nonNegative(cp.bytes ?? 0),
        elapsedSeconds: nonNegative(cp.elapsedSeconds ?? 0),
        remainingSeconds: nonNegative(cp.remainingSeconds ?? 0),
        timeLeftKnown: cp.timeLeftKnown === true,
      },
    },
    replica: {
      path: rep.path ?? '',
      bytes: nonNegative(rep.bytes ?? 0),
      conversations: nonNegative(rep.conversations ?? 0),
      contacts: nonNegative(rep.contacts ?? 0),
    },
  }
}

export function teamAgents(raw: readonly Plain<agents.Agent>[] | null | undefined): TeamAgent[] {
  return list(raw).map((a) => ({ ...a, name: showText(a.name), role: oneOf(a.role, roles, 'agent') }))
}

export function teamInvitation(raw: Plain<agents.Invitation>): TeamInvitation {
  return { ...raw, role: oneOf(raw.role, roles, 'agent'), invitedBy: showText(raw.invitedBy) }
}

export function teamSessions(raw: readonly Plain<agents.Session>[] | null | undefined): TeamSession[] {
  return list(raw).map((s) => ({ ...s, device: showText(s.device), method: showText(s.method) }))
}
