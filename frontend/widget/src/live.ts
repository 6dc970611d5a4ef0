/**
 * The live WebSocket of one conversation (docs/api/widget.md, "GET /api/widget/v1/live").
 *
 * On every (re)connect the client sends `hello` with the id of the newest message it has
 * received in order, so the server replays exactly what was missed; the caller drops ids it
 * already has. A closed connection is reopened with exponential backoff and jitter, unless
 * the server refused the session (then reconnecting cannot help) or stop() was called.
 */
import type { LiveEvent } from './types'

export const BACKOFF_MIN_MS = 500
export const BACKOFF_MAX_MS = 15_000
/** A socket that opens but never says `ready` is treated as dead after this long. */
export const READY_TIMEOUT_MS = 15_000

/**
 * Delay before reconnect attempt number `attempt` (0-based): the ceiling doubles from 0.5 s up
 * to 15 s and the delay is drawn from its upper half, so many widgets dropped by the same server
 * restart do not all come back in the same instant, yet no delay is below 0.5 s or above 15 s.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.min(attempt, 10))
  return Math.round(Math.max(BACKOFF_MIN_MS, ceiling * (0.5 + random() / 2)))
}

/**
 * connecting: a socket is being opened (first time or again);
 * live: `ready` arrived, events flow;
 * down: the connection was lost and a reconnect is scheduled;
 * stopped: stop() was called or the server refused the session.
 */
export type LiveStatus = 'connecting' | 'live' | 'down' | 'stopped'

/** The part of the browser's WebSocket this module uses; tests pass a fake. */
export interface SocketLike {
  send(data: string): void
  close(code?: number, reason?: string): void
  onopen: ((ev: Event) => unknown) | null
  onmessage: ((ev: MessageEvent) => unknown) | null
  onclose: ((ev: CloseEvent) => unknown) | null
  onerror: ((ev: Event) => unknown) | null
}
export type SocketFactory = new (url: string) => SocketLike

export interface LiveOptions {
  url: string
  session: string
  /** The newest message id received in order, read at each hello ("" for none). */
  after: () => string
  onEvent: (e: LiveEvent) => void
  onStatus?: (s: LiveStatus) => void
  WebSocket?: SocketFactory
  random?: () => number
}

export class LiveConnection {
  private ws: SocketLike | null = null
  private attempt = 0
  private timer: ReturnType<typeof setTimeout> | undefined
  private readyTimer: ReturnType<typeof setTimeout> | undefined
  private stopped = true
  status: LiveStatus = 'stopped'

  constructor(private readonly o: LiveOptions) {}

  start(): void {
    if (!this.stopped) return
    this.stopped = false
    this.connect()
  }

  stop(): void {
    this.stopped = true
    clearTimeout(this.timer)
    this.drop()
    this.setStatus('stopped')
  }

  /** No more reconnects (the chat ended); the socket stays open up to `graceMs` for the
   * events still on their way, or until the server closes it. */
  finish(graceMs: number): void {
    if (this.stopped) return
    this.stopped = true
    clearTimeout(this.timer)
    if (this.ws) this.timer = setTimeout(() => this.stop(), graceMs)
    else this.setStatus('stopped')
  }

  /** Reconnects at once with a fresh backoff (the browser says it is back online). */
  reconnectNow(): void {
    if (this.stopped || this.status === 'live' || this.status === 'connecting') return
    clearTimeout(this.timer)
    this.attempt = 0
    this.connect()
  }

  private connect(): void {
    this.setStatus('connecting')
    const WS = this.o.WebSocket ?? (WebSocket as unknown as SocketFactory)
    let ws: SocketLike
    try {
      ws = new WS(this.o.url)
    } catch {
      // A malformed URL or a blocked scheme: retrying later is all one can do.
      this.lost()
      return
    }
    this.ws = ws
    // Handlers check `this.ws === ws`: a socket replaced by a newer one must stay silent.
    ws.onopen = () => {
      if (this.ws !== ws) return
      ws.send(JSON.stringify({ type: 'hello', session: this.o.session, after: this.o.after() }))
      this.readyTimer = setTimeout(() => this.ws === ws && this.lost(), READY_TIMEOUT_MS)
    }
    ws.onmessage = (ev) => {
      if (this.ws !== ws) return
      let e: LiveEvent
      try {
        e = JSON.parse(String(ev.data))
      } catch {
        return // not ours to understand; the protocol only sends JSON
      }
      if (!e || typeof e !== 'object') return
      if (e.type === 'ready') {
        clearTimeout(this.readyTimer)
        // Only a completed handshake resets the backoff: a server that accepts and at once
        // closes must not be hammered every 0.5 s.
        this.attempt = 0
        this.setStatus('live')
      } else if (e.type === 'error' && e.error?.code === 'unauthorized') {
        // The session is unknown or gone; no reconnect can fix that.
        this.stopped = true
        this.drop()
        this.setStatus('stopped')
      }
      this.o.onEvent(e)
    }
    ws.onclose = () => {
      if (this.ws === ws) this.lost()
    }
    // An error is always followed by close, which does the work.
    ws.onerror = () => {}
  }

  /** The current socket is gone: schedule the next attempt. */
  private lost(): void {
    this.drop()
    if (this.stopped) return this.setStatus('stopped')
    this.setStatus('down')
    clearTimeout(this.timer)
    this.timer = setTimeout(() => this.connect(), backoffDelay(this.attempt++, this.o.random))
  }

  private drop(): void {
    clearTimeout(this.readyTimer)
    const ws = this.ws
    this.ws = null
    if (ws) {
      try {
        ws.close()
      } catch {
        // already closed
      }
    }
  }

  private setStatus(s: LiveStatus): void {
    if (this.status === s) return
    this.status = s
    this.o.onStatus?.(s)
  }
}
