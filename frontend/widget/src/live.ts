/**
 * The live WebSocket of one conversation (docs/api/widget.md, "GET /api/widget/v1/live").
 *
 * On every (re)connect the client sends `hello` with the id of the newest message it has
 * received in order, so the server replays exactly what was missed; the caller drops ids it
 * already has. A closed connection is reopened with exponential backoff and jitter, unless
 * the server refused the session (then reconnecting cannot help) or stop() was called.
 *
 * A connection closed by one of the server's caps (docs/api/widget.md, "Limits and
 * throttling") falls back to polling (`poll`, GET /conversation) instead of reconnecting:
 * - 4001, replaced by a newer connection: another tab of this chat has the live events. This
 *   one polls, and takes the socket back only when reclaim() says the customer is looking at
 *   it again, so two tabs never take it from each other on their own.
 * - 4002 / 4003, too many from this address / server busy: it polls, and tries the socket again
 *   after REFUSED_RETRY_MIN_MS, then ever longer up to REFUSED_RETRY_MAX_MS (jittered), so a
 *   busy server is not met by a reconnect storm.
 */
import type { LiveEvent } from './types'

export const BACKOFF_MIN_MS = 500
export const BACKOFF_MAX_MS = 15_000
/** A socket that opens but never says `ready` is treated as dead after this long. */
export const READY_TIMEOUT_MS = 15_000

/** Close codes of the server's caps on live connections. */
export const CLOSE_REPLACED = 4001
export const CLOSE_TOO_MANY = 4002
export const CLOSE_SERVER_BUSY = 4003
/** Polling: every 4 s after something new arrived, doubling while nothing does, up to 20 s. */
export const POLL_MIN_MS = 4_000
export const POLL_MAX_MS = 20_000
/** A refused socket is tried again after 30 s, doubling up to 5 minutes (upper-half jitter). */
export const REFUSED_RETRY_MIN_MS = 30_000
export const REFUSED_RETRY_MAX_MS = 300_000

/** Delay before retry number `attempt` (0-based) of a socket a cap refused. */
export function refusedRetryDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(REFUSED_RETRY_MAX_MS, REFUSED_RETRY_MIN_MS * 2 ** Math.min(attempt, 10))
  return Math.round(Math.max(REFUSED_RETRY_MIN_MS, ceiling * (0.5 + random() / 2)))
}

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
 * polling: a cap closed the socket; events are read by polling (see the top of this file);
 * stopped: stop() was called or the server refused the session.
 */
export type LiveStatus = 'connecting' | 'live' | 'down' | 'polling' | 'stopped'

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
  /** Reads what is new (GET /conversation after the cursor) and hands it to the caller like
   * events; resolves true when something new arrived. A rejection with a numeric `retryAfter`
   * (seconds, a 429) waits that long. Without it, a capped socket simply waits for its retry. */
  poll?: () => Promise<boolean>
  WebSocket?: SocketFactory
  random?: () => number
}

export class LiveConnection {
  private ws: SocketLike | null = null
  private attempt = 0
  private timer: ReturnType<typeof setTimeout> | undefined
  private readyTimer: ReturnType<typeof setTimeout> | undefined
  private stopped = true
  /** Why a cap closed the socket, while polling instead. */
  private capped: 'replaced' | 'refused' | null = null
  private refusedAttempt = 0
  private pollTimer: ReturnType<typeof setTimeout> | undefined
  private pollEvery = POLL_MIN_MS
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
    this.stopPolling()
    this.drop()
    this.setStatus('stopped')
  }

  /** No more reconnects (the chat ended); the socket stays open up to `graceMs` for the
   * events still on their way, or until the server closes it. */
  finish(graceMs: number): void {
    if (this.stopped) return
    this.stopped = true
    clearTimeout(this.timer)
    this.stopPolling()
    if (this.ws) this.timer = setTimeout(() => this.stop(), graceMs)
    else this.setStatus('stopped')
  }

  /** Reconnects at once with a fresh backoff (the browser says it is back online). */
  reconnectNow(): void {
    if (this.stopped || this.capped || this.status === 'live' || this.status === 'connecting') return
    clearTimeout(this.timer)
    this.attempt = 0
    this.connect()
  }

  /** The customer looks at this page again (it became visible): a socket another tab replaced
   * is taken back, once; the other tab then polls. */
  reclaim(): void {
    if (this.stopped || this.capped !== 'replaced' || this.ws) return
    this.connect()
  }

  private connect(): void {
    // While polling, the status stays 'polling' until the socket is ready again.
    if (!this.capped) this.setStatus('connecting')
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
        this.refusedAttempt = 0
        this.capped = null
        this.stopPolling()
        this.setStatus('live')
      } else if (e.type === 'error' && e.error?.code === 'unauthorized') {
        // The session is unknown or gone; no reconnect can fix that.
        this.stopped = true
        this.drop()
        this.setStatus('stopped')
      }
      this.o.onEvent(e)
    }
    ws.onclose = (ev) => {
      if (this.ws !== ws) return
      const code = ev?.code
      if (code === CLOSE_REPLACED) this.fallBack('replaced')
      else if (code === CLOSE_TOO_MANY || code === CLOSE_SERVER_BUSY) this.fallBack('refused')
      else this.lost()
    }
    // An error is always followed by close, which does the work.
    ws.onerror = () => {}
  }

  /** A cap closed the socket: poll, and try the socket again only as the top of the file says. */
  private fallBack(why: 'replaced' | 'refused'): void {
    this.drop()
    if (this.stopped) return this.setStatus('stopped')
    clearTimeout(this.timer)
    this.capped = why
    this.setStatus('polling')
    if (why === 'refused')
      this.timer = setTimeout(() => this.connect(), refusedRetryDelay(this.refusedAttempt++, this.o.random))
    if (this.pollTimer === undefined) {
      this.pollEvery = POLL_MIN_MS
      this.schedulePoll(POLL_MIN_MS)
    }
  }

  private schedulePoll(ms: number): void {
    if (!this.o.poll) return
    this.pollTimer = setTimeout(() => void this.pollOnce(), ms)
  }

  private async pollOnce(): Promise<void> {
    let next: number
    try {
      const fresh = await this.o.poll!()
      this.pollEvery = fresh ? POLL_MIN_MS : Math.min(POLL_MAX_MS, this.pollEvery * 2)
      next = this.pollEvery
    } catch (e) {
      const after = (e as { retryAfter?: unknown } | null)?.retryAfter
      this.pollEvery = POLL_MAX_MS
      next = typeof after === 'number' && after > 0 ? after * 1000 : POLL_MAX_MS
    }
    // stop(), finish() or a ready socket ended polling while this one was on its way.
    if (this.pollTimer === undefined || this.stopped || !this.capped) return
    this.schedulePoll(next)
  }

  private stopPolling(): void {
    clearTimeout(this.pollTimer)
    this.pollTimer = undefined
  }

  /** The current socket is gone: schedule the next attempt. */
  private lost(): void {
    this.drop()
    if (this.stopped) return this.setStatus('stopped')
    if (this.capped) return this.fallBack(this.capped) // a retry of a capped socket failed
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
