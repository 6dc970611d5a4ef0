// Words for the transcript emails of a conversation.
import type { TranscriptSending } from '../../api'
import { messageTime } from './format'

/**
 * "a…@example.com": enough to recognise the address at a glance, while the
 * strip stays short and nobody reads the whole address over a shoulder. The
 * full address is in the tooltip and in the contact panel.
 */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@')
  if (at <= 0) return address ? '…' : ''
  const first = Array.from(address.slice(0, at))[0]
  return `${first}…${address.slice(at)}`
}

export type Tone = 'ok' | 'pending' | 'danger' | 'muted'

export interface SendingLine {
  tone: Tone
  /** The sentence: "Sent to a…@example.com", "Failed: 550 …". */
  text: string
  /** The time it refers to, as the Inbox shows times ('' for none). */
  time: string
  /** "re-sent by Olive Owner" for an agent's re-send, else ''. */
  by: string
}

/** How one sending reads in the conversation. */
export function sendingLine(s: TranscriptSending, now: Date = new Date()): SendingLine {
  const to = maskEmail(s.to)
  const by = s.requestedBy ? `re-sent by ${s.requestedBy}` : ''
  switch (s.status) {
    case 'sent':
      return { tone: 'ok', text: `Sent to ${to}`, time: messageTime(s.sentAt || s.updatedAt, now), by }
    case 'queued':
      return { tone: 'pending', text: `Queued for ${to}`, time: messageTime(s.createdAt, now), by }
    case 'sending':
      return { tone: 'pending', text: `Sending to ${to}`, time: messageTime(s.updatedAt, now), by }
    case 'retrying': {
      const next = messageTime(s.nextAttemptAt, now)
      const why = s.error ? `: ${s.error}` : ''
      return {
        tone: 'pending',
        text: `Retrying (${s.attempts}) for ${to}${why}`,
        time: next ? `next try ${next}` : '',
        by,
      }
    }
    case 'failed':
      return { tone: 'danger', text: `Failed: ${s.error || 'the mail server refused it'}`, time: messageTime(s.updatedAt, now), by }
    case 'bounced':
      // Accepted by the relay, then reported undeliverable by the customer's side.
      return {
        tone: 'danger',
        text: `Bounced at ${to}: ${s.error || 'not delivered'}`,
        time: messageTime(s.bouncedAt || s.updatedAt, now),
        by,
      }
    case 'not_sent':
      return { tone: 'muted', text: s.error || 'Not sent.', time: messageTime(s.createdAt, now), by: '' }
  }
}
