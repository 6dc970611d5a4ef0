/**
 * What the screens (start.ts, prechat.ts, chatview.ts, verify.ts, ended.ts, and the sign-in
 * glue in widget.ts) get from the widget: its elements, the chat's state, the transport, and the
 * moves between screens, which stay the widget's. Also the few helpers they share.
 */
import { ApiError } from './api'
import type { ChatView } from './chatview'
import type { ChatState, Phase } from './state'
import type { Transport } from './transport'
import type { SessionAnswer } from './types'
import type { Shell } from './ui'

export interface Ctx {
  /** The inbox id the site gave (data-inbox), for when the inbox answer carries none. */
  readonly inboxId: string
  readonly root: ShadowRoot
  readonly ui: Shell
  readonly chat: ChatState
  readonly net: Transport
  readonly view: ChatView
  /** The panel is open (shown), as opposed to the launcher alone. */
  readonly isOpen: boolean
  /** Switches to screen `p`: hides what belongs to other screens. */
  setPhase(p: Phase): void
  focusPanel(): void
  /** A chat was started (POST /sessions or a sign-in): keep it and show it. */
  beginChat(a: SessionAnswer): void
  /** Shows the way into a new chat: the sign-in the inbox asks for, or the pre-chat form. */
  showStart(): void
  /** The server no longer knows the session (revoked, expired): start over, and say so. */
  sessionLost(): void
  /** Shows an error of a call: session and ended errors change the view, others are said. */
  report(e: ApiError, button?: HTMLButtonElement): void
  /** Puts text in the polite live region ("" clears it). */
  say(text: string): void
}

export const NETWORK_TEXT = 'Can’t reach the chat right now. Check your connection and try again.'

export function asApiError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError(0, 'network', NETWORK_TEXT)
}

/** The browser's time zone (IANA name), sent when a chat starts; kept with the conversation. */
export function timezone(): string | undefined {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone
  } catch {
    return undefined // no Intl time zone support: the server does without
  }
}
