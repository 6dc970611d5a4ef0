// The Transcripts service: the transcript emails of a conversation (live from
// the outbox; the Go side emits "outbox:changed" after each delivery attempt
// and "chat:changed" when a chat ends), re-sending one, and the rendered
// transcript to view and save. Viewing and saving read the local database
// only, so they work with the network off.
import * as Transcripts from '../../../wailsjs/go/services/Transcripts'
import { call } from './call'
import { ApiError } from './errors'
import { num, obj, str } from './normalize'

/** Where one transcript email stands; "not_sent" is a record that none was queued. */
export type TranscriptStatus = 'queued' | 'sending' | 'retrying' | 'sent' | 'failed' | 'not_sent'

export interface TranscriptSending {
  id: string
  /** 1 for the email sent when the chat ended, 2… for re-sends; 0 for not_sent. */
  number: number
  status: TranscriptStatus
  attempts: number
  /** The relay's last answer (retrying, failed), or for not_sent the sentence to show. */
  error: string
  /** not_sent's code: no_email, email_unverified, no_sender, not_renderable. */
  reason: string
  /** The verified address it goes to ('' for not_sent). */
  to: string
  /** The agent who re-sent it; '' when it was sent when the chat ended. */
  requestedBy: string
  createdAt: string
  updatedAt: string
  sentAt: string
  nextAttemptAt: string
}

export interface TranscriptSendings {
  /** Oldest first. */
  sendings: TranscriptSending[]
  canResend: boolean
  /** Why it cannot be sent again ('' when it can, or while the chat is open). */
  resendBlocked: string
}

export interface TranscriptDocument {
  /** A complete document without scripts: show it only in a sandboxed frame. */
  html: string
  title: string
  fileName: string
}

export interface SavedFile {
  /** False when the person cancelled the save dialog. */
  saved: boolean
  path: string
}

const statuses: readonly TranscriptStatus[] = ['queued', 'sending', 'retrying', 'sent', 'failed', 'not_sent']

function toSending(value: unknown): TranscriptSending | null {
  const o = obj(value)
  if (!o || !str(o.id)) return null
  return {
    id: str(o.id),
    number: Math.max(0, num(o.number)),
    // Unknown: never claim it was sent.
    status: statuses.includes(o.status as TranscriptStatus) ? (o.status as TranscriptStatus) : 'queued',
    attempts: Math.max(0, num(o.attempts)),
    error: str(o.error),
    reason: str(o.reason),
    to: str(o.to),
    requestedBy: str(o.requestedBy),
    createdAt: str(o.createdAt),
    updatedAt: str(o.updatedAt),
    sentAt: str(o.sentAt),
    nextAttemptAt: str(o.nextAttemptAt),
  }
}

export function toTranscriptSendings(value: unknown): TranscriptSendings {
  const o = obj(value) ?? {}
  const list = Array.isArray(o.sendings) ? o.sendings : []
  return {
    sendings: list.map(toSending).filter((s): s is TranscriptSending => s !== null),
    canResend: o.canResend === true,
    resendBlocked: str(o.resendBlocked),
  }
}

/** The conversation's transcript emails and whether one can be sent again. */
export async function getTranscriptSendings(conversationId: string): Promise<TranscriptSendings> {
  return toTranscriptSendings(await call(() => Transcripts.Sendings(conversationId)))
}

/**
 * Emails the transcript of an ended chat again, to the customer's verified
 * address only. Rejects with conversation_open, transcript_in_flight,
 * rate_limited (3 re-sends an hour), email_unverified, no_email or no_sender.
 */
export async function resendTranscript(conversationId: string): Promise<TranscriptSendings> {
  return toTranscriptSendings(await call(() => Transcripts.Resend(conversationId)))
}

/** The rendered, print-ready transcript, from the local database. */
export async function getTranscriptDocument(conversationId: string): Promise<TranscriptDocument> {
  const o = obj(await call(() => Transcripts.Document(conversationId)))
  if (!o || !str(o.html)) throw new ApiError('unknown', 'The transcript came back empty.')
  return { html: str(o.html), title: str(o.title), fileName: str(o.fileName) }
}

/** Asks where to save (the system's dialog) and writes the transcript there as HTML. */
export async function saveTranscriptHtml(conversationId: string): Promise<SavedFile> {
  const o = obj(await call(() => Transcripts.SaveHTML(conversationId))) ?? {}
  return { saved: o.saved === true, path: str(o.path) }
}
