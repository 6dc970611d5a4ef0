// Dates from the Go side are RFC 3339 strings, or '' for "never".

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' })
const dateFormat = new Intl.DateTimeFormat('en', { dateStyle: 'medium' })
const dateTimeFormat = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' })

/** The instant, or null for '' and anything unreadable. */
export function parseTime(value: string): Date | null {
  if (!value) return null
  const date = new Date(value)
  return Number.isNaN(date.getTime()) ? null : date
}

const steps: [Intl.RelativeTimeFormatUnit, number][] = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 7],
  ['week', 4.35],
  ['month', 12],
  ['year', Number.POSITIVE_INFINITY],
]

/** "just now", "3 minutes ago", "yesterday", … or '' when there is no time. */
export function relativeTime(value: string, now: Date = new Date()): string {
  const date = parseTime(value)
  if (!date) return ''
  let amount = (date.getTime() - now.getTime()) / 1000
  // Clocks disagree a little; a moment in the future is still "just now".
  if (Math.abs(amount) < 45) return 'just now'
  for (const [unit, size] of steps) {
    if (Math.abs(amount) < size) return relative.format(Math.round(amount), unit)
    amount /= size
  }
  return dateFormat.format(date)
}

/** "May 9, 2026", or '' when there is no time. */
export function formatDate(value: string): string {
  const date = parseTime(value)
  return date ? dateFormat.format(date) : ''
}

/** "May 9, 2026, 4:05 PM" (local time), or '' when there is no time. */
export function formatDateTime(value: string): string {
  const date = parseTime(value)
  return date ? dateTimeFormat.format(date) : ''
}
