// Words and times for the Inbox.
import type { ConversationFilter } from '../../api'
import { parseTime } from '../../time'

export const FILTERS: readonly { id: ConversationFilter; label: string }[] = [
  { id: 'open', label: 'Open' },
  { id: 'ended', label: 'Ended' },
  { id: 'all', label: 'All' },
]

export const DEFAULT_WARNING = 'Unverified: verify before discussing account details'

export function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`
}

/** "3 earlier conversations and 2 contact details are hidden until verified". */
export function hiddenSentence(conversations: number, fields: number): string {
  const parts: string[] = []
  if (conversations > 0) parts.push(plural(conversations, 'earlier conversation', 'earlier conversations'))
  if (fields > 0) parts.push(plural(fields, 'contact detail', 'contact details'))
  if (parts.length === 0) return 'The contact’s details stay hidden until verified'
  const one = parts.length === 1 && (conversations === 1 || fields === 1)
  return `${parts.join(' and ')} ${one ? 'is' : 'are'} hidden until verified`
}

const clock = new Intl.DateTimeFormat('en', { timeStyle: 'short' })
const dayAndClock = new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' })

/** "4:05 PM" today, "May 8, 4:05 PM" on another day, '' without a time. */
export function messageTime(value: string, now: Date = new Date()): string {
  const date = parseTime(value)
  if (!date) return ''
  return date.toDateString() === now.toDateString() ? clock.format(date) : dayAndClock.format(date)
}

/** Characters as a person counts them (an emoji is one), which is how the limit is counted. */
export { charCount } from '../../textrules'

const thousands = new Intl.NumberFormat('en')

export function formatCount(n: number): string {
  return thousands.format(n)
}

/** "42s", "3m 12s": a call's length, as the Go side writes it in list previews. */
export function callDuration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`
  return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`
}

/** "Completed · 3m 12s", "No answer", "In progress": a call's status for people. */
export function callLine(status: string, seconds: number): string {
  const words = status.replaceAll('-', ' ')
  const line = words ? words[0].toUpperCase() + words.slice(1) : 'Call'
  return seconds > 0 ? `${line} · ${callDuration(seconds)}` : line
}
