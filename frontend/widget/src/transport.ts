/**
 * How the widget reaches the server for one chat: the HTTP calls (api.ts), the live socket
 * (live.ts) with its polling fallback, and the outbox of the customer's unsent messages
 * (outbox.ts). It reads the session and the message cursor from the ChatState and hands what
 * arrives to its events in one shape, whichever way it came (a polled message is a live
 * `message` event); it shows nothing.
 */
import { ApiClient, ApiError, type FetchLike } from './api'
import { LiveConnection, type LiveStatus, type SocketFactory } from './live'
import { Outbox, type OutItem } from './outbox'
import type { ChatState } from './state'
import type { LiveEvent, Message } from './types'

export interface TransportOptions {
  /** The server's public URL without a trailing slash. */
  base: string
  fetch?: FetchLike
  WebSocket?: SocketFactory
  random?: () => number
}

export interface TransportEvents {
  /** A live event, or one made from what a poll read. */
  event(e: LiveEvent): void
  status(s: LiveStatus): void
  /** The server stored a message the customer sent (a POST answer: out of order). */
  sent(m: Message): void
  /** An unsent message changed status (waiting or failed). */
  changed(item: OutItem): void
  /** The server no longer knows the session. */
  lost(): void
}

export class Transport {
  readonly api: ApiClient
  readonly outbox: Outbox
  private live: LiveConnection | null = null

  constructor(
    private readonly o: TransportOptions,
    private readonly chat: ChatState,
    private readonly on: TransportEvents,
  ) {
    this.api = new ApiClient(o.base, o.fetch)
    this.outbox = new Outbox({
      send: (item) => this.api.sendMessage(chat.session ?? '', item.clientMsgId, item.body),
      sent: (_item, m) => on.sent(m),
      changed: (item) => on.changed(item),
      random: o.random,
    })
  }

  /** Opens the live socket of the chat's session, in place of any before. */
  connect(): void {
    this.live?.stop()
    const wsBase = this.o.base.replace(/^http/, 'ws')
    this.live = new LiveConnection({
      url: `${wsBase}/api/widget/v1/live`,
      session: this.chat.session!,
      after: () => this.chat.msgs.cursor,
      onEvent: (e) => {
        this.on.event(e)
        // Connected again: what could not be sent goes now, with its clientMsgId.
        if (e.type === 'ready') void this.outbox.flush()
      },
      onStatus: (s) => this.on.status(s),
      poll: () => this.poll(),
      WebSocket: this.o.WebSocket,
      random: this.o.random,
    })
    this.live.start()
  }

  /** Closes the socket and drops the unsent messages (the chat is gone or replaced). */
  reset(): void {
    this.live?.stop()
    this.live = null
    this.outbox.clear()
  }

  /** The chat ended: no reconnect, but the socket stays up to `graceMs` for its last events
   * (the agent's closing message may follow the state change); unsent messages fail. */
  ended(graceMs: number): void {
    this.live?.finish(graceMs)
    this.outbox.failAll(new ApiError(409, 'conversation_ended', 'This chat has ended.'))
  }

  /** The browser is online again: do not wait out the backoff. */
  reconnectNow(): void {
    this.live?.reconnectNow()
  }

  /** The customer looks at this tab again: it takes the socket back from a newer tab. */
  reclaim(): void {
    this.live?.reclaim()
  }

  /** Polling instead of the socket (a cap closed it): what is new, handed on as live events. */
  private async poll(): Promise<boolean> {
    const chat = this.chat
    const session = chat.session
    if (!session) return false
    let c
    try {
      c = await this.api.conversation(session, chat.msgs.cursor || undefined)
    } catch (e) {
      if (e instanceof ApiError && e.status === 401 && chat.session === session) this.on.lost()
      throw e
    }
    if (chat.session !== session) return false
    let fresh = false
    for (const m of c.messages) {
      fresh = fresh || !chat.msgs.has(m.id)
      this.on.event({ type: 'message', message: m })
    }
    this.on.event({ type: 'state', state: c.state })
    return fresh
  }
}
