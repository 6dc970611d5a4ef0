// The open conversation's messages come in pages: Open gives the newest page,
// and the agent pages back from the oldest message shown. These join pages to
// what is shown; message ids are UUIDv7, so comparing them orders messages.
import type { MessagePage } from '../../api'

/** The messages shown and whether older ones remain: a page's shape. */
export type Shown = MessagePage

/**
 * A fresh newest page (a reload) joined to what is shown: the older messages
 * the agent paged back to stay, as long as the new page reaches them (so no
 * gap is shown as if nothing were missing).
 */
export function withNewest(shown: Shown, page: Shown): Shown {
  const first = page.messages[0]
  if (!first || shown.messages.length === 0) return page
  const older = shown.messages.filter((m) => m.id < first.id)
  if (older.length === 0) return page
  const meets = !page.hasEarlier || shown.messages.some((m) => m.id === first.id)
  if (!meets) return page
  return { messages: [...older, ...page.messages], hasEarlier: shown.hasEarlier }
}

/** An older page put in front of what is shown (no message twice). */
export function withEarlier(shown: Shown, page: MessagePage): Shown {
  const first = shown.messages[0]
  const older = first ? page.messages.filter((m) => m.id < first.id) : page.messages
  return { messages: [...older, ...shown.messages], hasEarlier: page.hasEarlier }
}
