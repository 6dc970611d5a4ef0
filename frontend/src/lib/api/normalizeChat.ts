// Normalizers for the Chat and Regulatory services (see ./normalize for why).
// Anything unexpected errs on the side of showing less: an unknown panel state
// is never "verified", and a non-verified panel never carries names, fields or
// history even if they were sent.
import { num, obj, str, text } from './normalize'
import type {
  ChatMessage,
  ContactFieldView,
  ContactPanel,
  ConversationDetail,
  ConversationKind,
  ConversationStatus,
  ConversationSummary,
  HistoryItem,
  MessageFrom,
  MessagePage,
  PanelState,
  Regulatory,
  VerifyActions,
} from './types'

const panelStates: readonly PanelState[] = ['none', 'pending', 'preliminary', 'verified']
const senders: readonly MessageFrom[] = ['customer', 'agent', 'system']

function panelState(value: unknown, email: string): PanelState {
  if (panelStates.includes(value as PanelState)) return value as PanelState
  // Unknown: not verified. With an address it is at best preliminary.
  return email ? 'preliminary' : 'none'
}

function status(value: unknown): ConversationStatus {
  return value === 'ended' ? 'ended' : 'open'
}

function kind(value: unknown): ConversationKind {
  return value === 'call' ? 'call' : 'chat'
}

function list<T>(value: unknown, map: (item: unknown) => T | null): T[] {
  return (Array.isArray(value) ? value : []).map(map).filter((item): item is T => item !== null)
}

export function toConversationSummary(value: unknown): ConversationSummary | null {
  const o = obj(value)
  if (!o || !str(o.id)) return null
  const email = str(o.email)
  return {
    id: str(o.id),
    inboxId: str(o.inboxId),
    inboxName: str(o.inboxName),
    kind: kind(o.kind),
    status: status(o.status),
    title: text(o.title) || 'Visitor',
    email,
    typedEmail: str(o.typedEmail),
    panel: panelState(o.panel, email),
    unread: Math.max(0, num(o.unread)),
    lastMessage: text(o.lastMessage),
    lastActivityAt: str(o.lastActivityAt),
    startedAt: str(o.startedAt),
    phone: str(o.phone),
    callStatus: str(o.callStatus),
    durationSeconds: Math.max(0, num(o.durationSeconds)),
  }
}

export function toConversationSummaries(value: unknown): ConversationSummary[] {
  return list(value, toConversationSummary)
}

export function toChatMessage(value: unknown): ChatMessage | null {
  const o = obj(value)
  if (!o) return null
  return {
    id: str(o.id),
    from: senders.includes(o.from as MessageFrom) ? (o.from as MessageFrom) : 'system',
    authorName: text(o.authorName),
    body: text(o.body),
    createdAt: str(o.createdAt),
  }
}

function toContactField(value: unknown): ContactFieldView | null {
  const o = obj(value)
  if (!o || !str(o.value)) return null
  return {
    kind: o.kind === 'phone' ? 'phone' : 'email',
    value: str(o.value),
    verifiedLabel: str(o.verifiedLabel),
  }
}

function toHistoryItem(value: unknown): HistoryItem | null {
  const o = obj(value)
  if (!o) return null
  return {
    id: str(o.id),
    kind: kind(o.kind),
    status: status(o.status),
    startedAt: str(o.startedAt),
    preview: text(o.preview),
  }
}

export function toContactPanel(value: unknown): ContactPanel {
  const o = obj(value) ?? {}
  const email = str(o.email)
  const state = panelState(o.state, email)
  const verified = state === 'verified'
  return {
    state,
    email,
    typedEmail: str(o.typedEmail),
    contactId: str(o.contactId),
    name: verified ? text(o.name) : '',
    warning: str(o.warning),
    reason: str(o.reason),
    refused: !verified && o.refused === true,
    verifiedLabel: verified ? str(o.verifiedLabel) : '',
    method: verified ? str(o.method) : '',
    verifiedAt: verified ? str(o.verifiedAt) : '',
    hiddenConversations: Math.max(0, num(o.hiddenConversations)),
    hiddenFields: Math.max(0, num(o.hiddenFields)),
    fields: verified ? list(o.fields, toContactField) : [],
    history: verified ? list(o.history, toHistoryItem) : [],
  }
}

export function toVerifyActions(value: unknown): VerifyActions {
  const o = obj(value) ?? {}
  return {
    canEmail: o.canEmail === true,
    mailBlockedReason: str(o.mailBlockedReason),
    codePending: o.codePending === true,
    linkPending: o.linkPending === true,
    emailRequested: o.emailRequested === true,
  }
}

export function toConversationDetail(value: unknown): ConversationDetail | null {
  const o = obj(value)
  const summary = toConversationSummary(o?.summary)
  if (!o || !summary) return null
  return {
    summary,
    messages: list(o.messages, toChatMessage),
    hasEarlier: o.hasEarlier === true,
    panel: toContactPanel(o.panel),
    actions: toVerifyActions(o.actions),
  }
}

export function toMessagePage(value: unknown): MessagePage {
  const o = obj(value) ?? {}
  return { messages: list(o.messages, toChatMessage), hasEarlier: o.hasEarlier === true }
}

export function toRegulatory(value: unknown): Regulatory {
  const o = obj(value) ?? {}
  return { doubleOptIn: o.doubleOptIn === true, consentText: str(o.consentText) }
}
