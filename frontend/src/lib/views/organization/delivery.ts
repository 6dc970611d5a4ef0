import type { BadgeTone } from '../../components/StatusBadge.svelte'
import type { StatusIconName } from '../../components/StatusIcon.svelte'

/** What each kind of email is, in words. */
const kindLabels: Record<string, string> = {
  sender_verify: 'Sender verification',
  transcript: 'Transcript',
  signin_code: 'Sign-in code',
  chat_code: 'Chat sign-in code',
  chat_link: 'Chat sign-in link',
  double_opt_in: 'Double opt-in confirmation',
  agent_code: 'Agent sign-in code',
  agent_invite: 'Agent invitation',
}

export function deliveryKindLabel(kind: string): string {
  if (kind in kindLabels) return kindLabels[kind]
  const words = kind.replace(/[_-]+/g, ' ').trim()
  return words ? words[0].toUpperCase() + words.slice(1) : 'Email'
}

interface StatusLook {
  label: string
  tone: BadgeTone
  icon: StatusIconName
}

const statusLooks: Record<string, StatusLook> = {
  queued: { label: 'Queued', tone: 'neutral', icon: 'clock' },
  sending: { label: 'Sending', tone: 'info', icon: 'send' },
  sent: { label: 'Sent', tone: 'ok', icon: 'check' },
  retrying: { label: 'Retrying', tone: 'warn', icon: 'retry' },
  failed: { label: 'Failed', tone: 'danger', icon: 'cross' },
  bounced: { label: 'Bounced', tone: 'danger', icon: 'cross' },
}

/** What came back about a sent email, in words; '' when nothing did. */
export function bounceText(
  entry: { bounceKind?: string; bounceReason?: string; bouncedAt?: string },
  formatDate: (iso: string) => string,
): string {
  const on = entry.bouncedAt ? ` on ${formatDate(entry.bouncedAt)}` : ''
  switch (entry.bounceKind) {
    case 'hard':
      return `Bounced: ${entry.bounceReason}${on}`
    case 'soft':
      return `Bounced: ${entry.bounceReason}${on}. The address may work later.`
    case 'delayed': {
      const reason = (entry.bounceReason ?? '').replace(/^delayed: /, '')
      return `Delayed: ${reason}${on}. The mail server is still trying.`
    }
    default:
      return ''
  }
}

export function deliveryStatusLook(status: string): StatusLook {
  return statusLooks[status] ?? { label: status || 'Unknown', tone: 'neutral', icon: 'info' }
}
