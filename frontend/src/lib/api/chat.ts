// The Chat service (the agent's side of the web chat: conversations, messages,
// verifying who is in the chat) and the Regulatory service (Settings →
// Regulatory). The Go side emits "chat:changed" whenever a conversation or a
// message changes; the views reload on it.
import * as Chat from '../../../wailsjs/go/services/Chat'
import * as RegulatoryService from '../../../wailsjs/go/services/Regulatory'
import { services } from '../../../wailsjs/go/models'
import { MAX_MESSAGE_CHARS } from '../textrules'
import { call } from './call'
import { ApiError } from './errors'
import { chatMessage, contactPanel, conversationDetail, conversationSummary, messagePage } from './clean'
import type {
  ChatMessage,
  ContactPanel,
  ConversationDetail,
  ConversationFilter,
  ConversationSummary,
  MessagePage,
  Regulatory,
} from './models'

/** The longest message an agent may send, in characters (backend/textrules). */
export const MESSAGE_MAX_CHARS = MAX_MESSAGE_CHARS

/** The longest consent text, in characters. */
export const CONSENT_MAX_CHARS = 1000

/** The conversations matching `filter`, newest activity first. */
export async function listConversations(filter: ConversationFilter): Promise<ConversationSummary[]> {
  const rows = (await call(() => Chat.List(filter)) ?? []).map(conversationSummary)
  // The Go side sorts already; sorting again keeps the promise if it ever does not.
  return rows.sort((a, b) => activity(b) - activity(a))
}

function activity(c: ConversationSummary): number {
  const t = Date.parse(c.lastActivityAt || c.startedAt)
  return Number.isNaN(t) ? 0 : t
}

/** One conversation with its messages, contact panel and verify actions. */
export async function openConversation(id: string): Promise<ConversationDetail> {
  const detail = await call(() => Chat.Open(id))
  if (!detail?.summary) throw new ApiError('unknown', 'The conversation came back empty.')
  return conversationDetail(detail)
}

/** The page of messages just before `beforeId` (the oldest one shown), oldest first. */
export async function loadEarlierMessages(id: string, beforeId: string): Promise<MessagePage> {
  return messagePage(await call(() => Chat.Earlier(id, beforeId)))
}

/** Marks every message of the conversation as read by this agent. */
export async function markConversationRead(id: string): Promise<void> {
  await call(() => Chat.MarkRead(id))
}

/**
 * Sends the agent's message (1 to 4000 characters). Rejects with
 * invalid_input (field "body") or conversation_ended.
 */
export async function sendMessage(id: string, body: string): Promise<ChatMessage> {
  const message = await call(() => Chat.Send(id, body))
  if (!message) throw new ApiError('unknown', 'The sent message came back empty.')
  return chatMessage(message)
}

/** Ends the chat for both sides. */
export async function endConversation(id: string): Promise<void> {
  await call(() => Chat.End(id))
}

/** Asks the customer, in the widget, for their email address. */
export async function requestEmail(id: string): Promise<void> {
  await call(() => Chat.RequestEmail(id))
}

/** The agent types the customer's email. Rejects with invalid_input (field "email"). */
export async function setConversationEmail(id: string, email: string): Promise<ContactPanel> {
  return contactPanel(await call(() => Chat.SetEmail(id, email)))
}

/** Emails the customer a one-time code. Rejects with no_sender, rate_limited or no_email. */
export async function sendVerifyCode(id: string): Promise<void> {
  await call(() => Chat.SendCode(id))
}

/** Emails the customer a verification link. Rejects with no_sender, rate_limited or no_email. */
export async function sendVerifyLink(id: string): Promise<void> {
  await call(() => Chat.SendLink(id))
}

/** The agent vouches for the customer; recorded as "Verified by <agent name>". */
/** The agent vouches for `email`, the address they were shown; refused if the customer gave another since. */
export async function markVerified(id: string, email: string): Promise<ContactPanel> {
  return contactPanel(await call(() => Chat.MarkVerified(id, email)))
}

/** Drops a reply the team server refused (or one still kept), so it is never sent. */
export async function discardKeptMessage(id: string): Promise<void> {
  await call(() => Chat.DiscardKept(id))
}

// ---- Regulatory ---------------------------------------------------------------

/** Settings → Regulatory: double opt-in and the consent text. */
export async function getRegulatory(): Promise<Regulatory> {
  return await call(() => RegulatoryService.Get())
}

/**
 * Saves Settings → Regulatory (owners and admins only: "forbidden"
 * otherwise). A consent text over 1000 characters rejects with invalid_input,
 * field "consentText".
 */
export async function saveRegulatory(settings: Regulatory): Promise<Regulatory> {
  const req = services.RegulatorySettings.createFrom({
    doubleOptIn: settings.doubleOptIn,
    consentText: settings.consentText,
  })
  return await call(() => RegulatoryService.Save(req))
}
