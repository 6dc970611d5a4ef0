/**
 * What the chat is, apart from how it is shown and how it is reached: the inbox's settings,
 * the session, the server's state of the conversation (open or ended, the verification, the
 * agent's pending request), the messages received, and whether the connection is down.
 *
 * The transport and the screens read and write it; it makes no call and touches no DOM, so
 * the rules of the session (kept in storage, a device token dropped when the server no longer
 * knows it) are written once, here.
 */
import { MessageList } from './messages'
import type { Keys } from './storage'
import type { Inbox, SessionAnswer, State } from './types'
import { MAX_MESSAGE_CHARS } from '../../src/lib/textrules'

/** Which screen the panel shows. */
export type Phase = 'idle' | 'loading' | 'unavailable' | 'prechat' | 'signin' | 'chat'

export class ChatState {
  phase: Phase = 'idle'
  inbox: Inbox | null = null
  session: string | null = null
  /** The server's state of the conversation; null until the first one arrives. */
  state: State | null = null
  /** Messages received, deduplicated, and the cursor a reconnect resumes from. */
  readonly msgs = new MessageList()
  /** The author of the newest agent message: the header names them before a state event
   * carries agentName (the server sends none for a plain message). */
  lastAgent = ''
  /** The live socket is down, or a send got no answer: show "Reconnecting…". */
  liveDown = false
  sendDown = false
  /** The server said consent_required although no email was typed: show the checkbox anyway. */
  forceConsent = false

  constructor(readonly keys: Keys) {}

  /** A chat was started (POST /sessions or a sign-in): keep its session and device. */
  begin(a: SessionAnswer): void {
    // A device token the server no longer knows (revoked, or another organization's) will
    // never verify anything again.
    if (this.keys.device && a.deviceRecognized === false) this.keys.device = null
    // The server made a device for this browser: the token that later proofs attach to.
    if (a.deviceToken) this.keys.device = a.deviceToken
    this.session = a.session
    this.keys.session = a.session
  }

  /** Forgets the session, here and in storage (the device token stays: it still proves the
   * email). */
  forget(): void {
    this.keys.session = null
    this.session = null
  }

  /** Drops what belonged to the previous chat. */
  reset(): void {
    this.msgs.reset()
    this.state = null
    this.lastAgent = ''
    this.liveDown = this.sendDown = false
  }

  get reconnecting(): boolean {
    return this.phase === 'chat' && (this.liveDown || this.sendDown)
  }

  /** The header's words for `s`: the agent answering, else the inbox's name. */
  who(s: State | null): string {
    const agent = s ? s.agentName || this.lastAgent : ''
    return agent ? `You’re chatting with ${agent}` : this.inbox?.name ?? ''
  }

  /** The most characters a message may have: the inbox's limit, else the server's default. */
  limit(): number {
    const l = this.inbox?.limits?.messageChars
    return typeof l === 'number' && l > 0 ? l : MAX_MESSAGE_CHARS
  }
}
