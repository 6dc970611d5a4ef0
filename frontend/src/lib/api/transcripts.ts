// The Transcripts service: the transcript emails of a conversation (live from
// the outbox; the Go side emits "outbox:changed" after each delivery attempt
// and "chat:changed" when a chat ends), re-sending one, and the rendered
// transcript to view and save. Viewing and saving read the local database
// only, so they work with the network off.
import * as Transcripts from '../../../wailsjs/go/services/Transcripts'
import { call } from './call'
import { ApiError } from './errors'
import { transcriptSendings } from './clean'
import type { SavedFile, TranscriptDocument, TranscriptSendings } from './models'

/** The conversation's transcript emails and whether one can be sent again. */
export async function getTranscriptSendings(conversationId: string): Promise<TranscriptSendings> {
  return transcriptSendings(await call(() => Transcripts.Sendings(conversationId)))
}

/**
 * Emails the transcript of an ended chat again, to the customer's verified
 * address only. Rejects with conversation_open, transcript_in_flight,
 * rate_limited (3 re-sends an hour), email_unverified, no_email or no_sender.
 */
export async function resendTranscript(conversationId: string): Promise<TranscriptSendings> {
  return transcriptSendings(await call(() => Transcripts.Resend(conversationId)))
}

/** The rendered, print-ready transcript, from the local database. */
export async function getTranscriptDocument(conversationId: string): Promise<TranscriptDocument> {
  const doc = await call(() => Transcripts.Document(conversationId))
  if (!doc?.html) throw new ApiError('unknown', 'The transcript came back empty.')
  return doc
}

/** Asks where to save (the system's dialog) and writes the transcript there as HTML. */
export async function saveTranscriptHtml(conversationId: string): Promise<SavedFile> {
  return await call(() => Transcripts.SaveHTML(conversationId))
}
