/**
 * HTTP client of the widget API (docs/api/widget.md, "Calls").
 *
 * Every failure becomes an ApiError: server errors keep the documented `code`, `message`,
 * `field`, `attemptsLeft` and `Retry-After`; a request that never got an answer (offline,
 * DNS, timeout, CORS) is status 0 with code "network". Callers switch on `code` and decide
 * with `transient` whether trying again later can help.
 */
import type {
  ChatStart,
  ConversationAnswer,
  Inbox,
  Message,
  SessionAnswer,
  SigninEmailAnswer,
  StartSession,
  State,
} from './types'

const PREFIX = '/api/widget/v1'

/** What to wait when a 429 carries no readable Retry-After (see parseRetryAfter). */
export const DEFAULT_RETRY_AFTER_S = 10

export class ApiError extends Error {
  constructor(
    /** HTTP status; 0 when no answer arrived. */
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    /** code_wrong: how many tries remain. */
    readonly attemptsLeft?: number,
    /** 429: seconds to wait. */
    readonly retryAfter?: number,
  ) {
    super(message)
    this.name = 'ApiError'
  }

  /** Worth sending again unchanged later: no answer, a server failure ("nothing was half
   * done, try again") or throttling. Every other 4xx would fail the same way again. */
  get transient(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500
  }
}

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>

export class ApiClient {
  private readonly fetch: FetchLike

  constructor(
    /** The server's public URL, without a trailing slash. */
    private readonly base: string,
    fetchImpl?: FetchLike,
    private readonly timeoutMs = 20_000,
  ) {
    // Looked up per call (not bound once) so a page or test that replaces window.fetch
    // later is honoured, and never called detached (that throws "Illegal invocation").
    this.fetch = fetchImpl ?? ((input, init) => globalThis.fetch(input, init))
  }

  inbox(id: string): Promise<Inbox> {
    return this.call('GET', `/inboxes/${encodeURIComponent(id)}`)
  }

  startSession(body: StartSession): Promise<SessionAnswer> {
    return this.call('POST', '/sessions', undefined, body)
  }

  conversation(session: string, after?: string): Promise<ConversationAnswer> {
    const q = after ? `?after=${encodeURIComponent(after)}` : ''
    return this.call('GET', `/conversation${q}`, session)
  }

  /** Safe to repeat: the server stores one message per clientMsgId and answers it again. */
  async sendMessage(session: string, clientMsgId: string, body: string): Promise<Message> {
    const a = await this.call<{ message: Message }>('POST', '/messages', session, {
      clientMsgId,
      body,
    })
    return a.message
  }

  async giveEmail(session: string, email: string, consent: boolean): Promise<State> {
    const a = await this.call<{ state: State }>('POST', '/email', session, { email, consent })
    return a.state
  }

  submitCode(session: string, code: string): Promise<{ state: State }> {
    return this.call('POST', '/code', session, { code })
  }

  /** Emails a sign-in code; `signin` (an earlier answer's) asks for a new one. */
  signinEmail(body: { inbox: string; email: string; consent: boolean; signin?: string }): Promise<SigninEmailAnswer> {
    return this.call('POST', '/signin/email', undefined, body)
  }

  /** The emailed code; the right one starts the chat (answered as POST /sessions). */
  signinCode(body: ChatStart & { signin: string; code: string }): Promise<SessionAnswer> {
    return this.call('POST', '/signin/code', undefined, body)
  }

  /** Google's credential (ID token); a good one starts the chat (answered as POST /sessions). */
  signinGoogle(body: ChatStart & { credential: string; consent: boolean }): Promise<SessionAnswer> {
    return this.call('POST', '/signin/google', undefined, body)
  }

  async end(session: string): Promise<State> {
    const a = await this.call<{ state: State }>('POST', '/end', session, {})
    return a.state
  }

  private async call<T>(method: string, path: string, session?: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {}
    // Only what is needed: a GET without these headers is a "simple" CORS request and skips
    // the preflight.
    if (body !== undefined) headers['Content-Type'] = 'application/json'
    if (session) headers.Authorization = `Bearer ${session}`

    // A request that hangs (a captive portal, a half-dead connection) must not block the
    // send queue forever; a timed-out send is retried with the same clientMsgId, so a send
    // that did reach the server is not stored twice.
    const abort = typeof AbortController === 'function' ? new AbortController() : undefined
    const timer = abort ? setTimeout(() => abort.abort(), this.timeoutMs) : undefined
    let res: Response
    try {
      res = await this.fetch(this.base + PREFIX + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        // The API uses bearer tokens only; never send the site's cookies to the desk.
        credentials: 'omit',
        signal: abort?.signal,
      })
    } catch {
      throw new ApiError(0, 'network', 'Can’t reach the chat right now.')
    } finally {
      clearTimeout(timer)
    }

    let data: unknown = null
    try {
      data = await res.json()
    } catch {
      // An empty or non-JSON body (a proxy's error page): handled below by status.
    }
    if (res.ok) {
      if (data === null || typeof data !== 'object') {
        throw new ApiError(res.status, 'bad_response', 'The chat server sent an unexpected answer.')
      }
      return data as T
    }
    throw errorFrom(res, data)
  }
}

/** Builds the ApiError of a non-2xx answer, tolerating bodies that are not the documented shape. */
function errorFrom(res: Response, data: unknown): ApiError {
  const d = (data && typeof data === 'object' ? data : {}) as Record<string, unknown>
  const e = (d.error && typeof d.error === 'object' ? d.error : {}) as Record<string, unknown>
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined)
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)
  const code = str(e.code) ?? fallbackCode(res.status)
  const message = str(e.message) ?? fallbackMessage(res.status)
  // The doc puts attemptsLeft beside `error`; accept it inside too, it costs nothing.
  const attemptsLeft = num(d.attemptsLeft) ?? num(e.attemptsLeft)
  const retryAfter =
    res.status === 429 ? parseRetryAfter(res.headers.get('Retry-After')) ?? DEFAULT_RETRY_AFTER_S : undefined
  return new ApiError(res.status, code, message, str(e.field), attemptsLeft, retryAfter)
}

/**
 * Seconds from a Retry-After header: delta-seconds, or an HTTP date.
 * Cross-origin, the header is only readable when the server lists it in
 * Access-Control-Expose-Headers; without that it reads as null and the caller uses a default.
 */
export function parseRetryAfter(v: string | null, now = Date.now()): number | undefined {
  if (!v) return undefined
  if (/^\s*\d+\s*$/.test(v)) return parseInt(v, 10)
  const t = Date.parse(v)
  return Number.isNaN(t) ? undefined : Math.max(0, Math.ceil((t - now) / 1000))
}

function fallbackCode(status: number): string {
  if (status === 401) return 'unauthorized'
  if (status === 404) return 'not_found'
  if (status === 429) return 'rate_limited'
  if (status >= 500) return 'internal'
  return 'bad_request'
}

function fallbackMessage(status: number): string {
  if (status === 429) return 'Too many requests. Please wait a moment.'
  if (status >= 500) return 'The chat server had a problem. Please try again.'
  return 'Something went wrong. Please try again.'
}
