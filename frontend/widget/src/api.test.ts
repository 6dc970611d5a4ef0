/** The HTTP client and the send queue: paths, headers, error parsing, idempotent retries. */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiClient, ApiError, DEFAULT_RETRY_AFTER_S, parseRetryAfter } from './api'
import { newClientMsgId } from './ids'
import { Outbox, type OutItem } from './outbox'
import { err, fakeFetch, inbox, msg, state } from './testkit'

const BASE = 'https://desk.example.com'

describe('ApiClient', () => {
  it('calls the documented paths with the documented bodies and headers', async () => {
    const { fetch, calls } = fakeFetch({
      'GET /inboxes/in%2F1': () => ({ status: 200, body: inbox() }),
      'POST /sessions': () => ({ status: 201, body: { session: 's', conversation: 'c', deviceRecognized: false, state: state() } }),
      'GET /conversation': () => ({ status: 200, body: { conversation: 'c', state: state(), messages: [] } }),
      'POST /messages': () => ({ status: 201, body: { message: msg({ from: 'customer' }) } }),
      'POST /email': () => ({ status: 200, body: { state: state() } }),
      'POST /code': () => ({ status: 200, body: { state: state({ verified: true }) } }),
      'POST /end': () => ({ status: 200, body: { state: state({ status: 'ended' }) } }),
    })
    const api = new ApiClient(BASE, fetch)
    await api.inbox('in/1')
    await api.startSession({ inbox: 'in/1', name: 'Ada', consent: false })
    await api.conversation('tok')
    await api.conversation('tok', '0193-a')
    await api.sendMessage('tok', 'c-1', 'Hello')
    await api.giveEmail('tok', 'ada@example.com', true)
    expect((await api.submitCode('tok', '123456')).state.verified).toBe(true)
    expect((await api.end('tok')).status).toBe('ended')

    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'GET /inboxes/in%2F1',
      'POST /sessions',
      'GET /conversation',
      'GET /conversation?after=0193-a',
      'POST /messages',
      'POST /email',
      'POST /code',
      'POST /end',
    ])
    // No cookies of the site go to the desk.
    expect(calls[0].init.credentials).toBe('omit')

    // A GET without a session sends no headers at all: a simple CORS request, no preflight.
    expect(calls[0].headers).toEqual({})
    expect(calls[0].init.body).toBeUndefined()
    // Session calls carry the bearer token; bodies are JSON.
    expect(calls[2].headers).toEqual({ Authorization: 'Bearer tok' })
    expect(calls[1].headers).toEqual({ 'Content-Type': 'application/json' })
    expect(calls[1].body).toEqual({ inbox: 'in/1', name: 'Ada', consent: false })
    expect(calls[4].headers).toEqual({ 'Content-Type': 'application/json', Authorization: 'Bearer tok' })
    expect(calls[4].body).toEqual({ clientMsgId: 'c-1', body: 'Hello' })
    expect(calls[5].body).toEqual({ email: 'ada@example.com', consent: true })
    expect(calls[6].body).toEqual({ code: '123456' })
  })

  it('builds URLs from the base, including a path prefix', async () => {
    const seen: string[] = []
    const api = new ApiClient('https://example.com/desk', async (u) => {
      seen.push(u)
      return new Response(JSON.stringify(inbox()), { status: 200 })
    })
    await api.inbox('abc')
    expect(seen).toEqual(['https://example.com/desk/api/widget/v1/inboxes/abc'])
  })

  it('turns error bodies into ApiError with code, message, field and attemptsLeft', async () => {
    const { fetch } = fakeFetch({
      'POST /sessions': () => ({
        status: 400,
        body: { error: { code: 'invalid_email', message: 'Enter a valid email address.', field: 'email' } },
      }),
      'POST /code': () => err(422, 'code_wrong', 'Wrong code.', { attemptsLeft: 3 }),
    })
    const api = new ApiClient(BASE, fetch)
    const e1 = await api.startSession({ inbox: 'i', email: 'x' }).catch((e) => e)
    expect(e1).toBeInstanceOf(ApiError)
    expect(e1).toMatchObject({ status: 400, code: 'invalid_email', message: 'Enter a valid email address.', field: 'email' })
    expect(e1.transient).toBe(false)
    const e2 = await api.submitCode('t', '1').catch((e) => e)
    expect(e2).toMatchObject({ status: 422, code: 'code_wrong', attemptsLeft: 3 })
  })

  it('reads Retry-After on 429, with a default when the header is hidden', async () => {
    let headers: Record<string, string> = { 'Retry-After': '7' }
    const { fetch } = fakeFetch({ 'POST /messages': () => ({ ...err(429, 'rate_limited', 'Slow down.'), headers } as any) })
    const api = new ApiClient(BASE, fetch)
    const e = await api.sendMessage('t', 'c', 'b').catch((x) => x)
    expect(e).toMatchObject({ status: 429, code: 'rate_limited', retryAfter: 7, transient: true })
    headers = {}
    const e2 = await api.sendMessage('t', 'c', 'b').catch((x) => x)
    expect(e2.retryAfter).toBe(DEFAULT_RETRY_AFTER_S)
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:30 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(30)
    expect(parseRetryAfter('soon')).toBeUndefined()
  })

  it('survives bodies that are not the documented shape', async () => {
    const fetch = async () => new Response('<html>Bad gateway</html>', { status: 502 })
    const e = await new ApiClient(BASE, fetch).inbox('i').catch((x) => x)
    expect(e).toMatchObject({ status: 502, code: 'internal', transient: true })
    expect(e.message).toMatch(/try again/)
  })

  it('reports a request without an answer as status 0, code network', async () => {
    const { fetch } = fakeFetch({})
    const e = await new ApiClient(BASE, fetch).inbox('i').catch((x) => x)
    expect(e).toMatchObject({ status: 0, code: 'network', transient: true })
  })

  it('gives up on a request that hangs', async () => {
    vi.useFakeTimers()
    try {
      const fetch = (_u: string, init: RequestInit) =>
        new Promise<Response>((_r, reject) => init.signal!.addEventListener('abort', () => reject(new DOMException('', 'AbortError'))))
      const p = new ApiClient(BASE, fetch, 1000).inbox('i').catch((x) => x)
      await vi.advanceTimersByTimeAsync(1000)
      expect(await p).toMatchObject({ status: 0, code: 'network' })
    } finally {
      vi.useRealTimers()
    }
  })
})

describe('Outbox (idempotent retry)', () => {
  afterEach(() => vi.useRealTimers())

  it('retries a send that got no answer with the same clientMsgId, and sends in order', async () => {
    vi.useFakeTimers()
    let online = false
    const { fetch, calls } = fakeFetch({
      'POST /messages': (c) =>
        online ? { status: calls.filter((x) => x.body?.clientMsgId === c.body.clientMsgId).length > 1 ? 200 : 201, body: { message: msg({ from: 'customer', clientMsgId: c.body.clientMsgId, body: c.body.body }) } } : new TypeError('Failed to fetch'),
    })
    const api = new ApiClient(BASE, fetch)
    const sent: string[] = []
    const changes: string[] = []
    const box = new Outbox({
      send: (i) => api.sendMessage('tok', i.clientMsgId, i.body),
      sent: (i, m) => sent.push(`${i.clientMsgId}:${m.body}`),
      changed: (i: OutItem) => changes.push(`${i.clientMsgId}:${i.status}`),
      random: () => 0,
    })
    box.add('a', 'first')
    box.add('b', 'second')
    await box.flush()
    // Offline: the first message waits; the second is not sent ahead of it.
    expect(calls.map((c) => c.body.clientMsgId)).toEqual(['a'])
    expect(changes).toEqual(['a:waiting'])
    expect(box.items.map((i) => i.status)).toEqual(['waiting', 'sending'])

    // Back online (the live socket said ready): the same ids go again, in order.
    online = true
    await box.flush()
    expect(calls.map((c) => c.body.clientMsgId)).toEqual(['a', 'a', 'b'])
    expect(calls[1].body).toEqual(calls[0].body)
    expect(sent).toEqual(['a:first', 'b:second'])
    expect(box.items).toHaveLength(0)
  })

  it('also retries on a timer when nobody calls flush', async () => {
    vi.useFakeTimers()
    let n = 0
    const send = vi.fn(async (i: OutItem) => {
      if (n++ === 0) throw new ApiError(0, 'network', 'offline')
      return msg({ from: 'customer', clientMsgId: i.clientMsgId })
    })
    const box = new Outbox({ send, sent: () => {}, changed: () => {}, random: () => 0 })
    box.add('a', 'x')
    await box.flush()
    expect(send).toHaveBeenCalledTimes(1)
    await vi.advanceTimersByTimeAsync(15_000)
    expect(send).toHaveBeenCalledTimes(2)
    expect(send.mock.calls[1][0].clientMsgId).toBe('a')
    expect(box.items).toHaveLength(0)
  })

  it('waits Retry-After on 429 before trying again', async () => {
    vi.useFakeTimers()
    let n = 0
    const send = vi.fn(async (i: OutItem) => {
      if (n++ === 0) throw new ApiError(429, 'rate_limited', 'Slow down.', undefined, undefined, 3)
      return msg({ clientMsgId: i.clientMsgId })
    })
    const box = new Outbox({ send, sent: () => {}, changed: () => {} })
    box.add('a', 'x')
    await box.flush()
    await vi.advanceTimersByTimeAsync(2_900)
    expect(send).toHaveBeenCalledTimes(1)
    await vi.advanceTimersByTimeAsync(200)
    expect(send).toHaveBeenCalledTimes(2)
  })

  it('fails a message the server refuses for good and goes on with the next', async () => {
    const send = vi.fn(async (i: OutItem) => {
      if (i.clientMsgId === 'a') throw new ApiError(400, 'message_too_long', 'Too long.')
      return msg({ clientMsgId: i.clientMsgId })
    })
    const changed: OutItem[] = []
    const box = new Outbox({ send, sent: () => {}, changed: (i) => changed.push({ ...i }) })
    box.add('a', 'x')
    box.add('b', 'y')
    await box.flush()
    expect(send).toHaveBeenCalledTimes(2)
    expect(changed).toMatchObject([{ clientMsgId: 'a', status: 'failed', error: { code: 'message_too_long' } }])
    expect(box.items).toHaveLength(0)
  })

  it('does not resend a message confirmed by its live echo meanwhile', async () => {
    vi.useFakeTimers()
    const send = vi.fn(async () => {
      throw new ApiError(0, 'network', 'offline')
    })
    const box = new Outbox({ send, sent: () => {}, changed: () => {}, random: () => 0 })
    box.add('a', 'x')
    await box.flush()
    box.remove('a')
    await vi.advanceTimersByTimeAsync(20_000)
    await box.flush()
    expect(send).toHaveBeenCalledTimes(1)
  })
})

describe('newClientMsgId', () => {
  it('uses randomUUID when there is one', () => {
    expect(newClientMsgId({ randomUUID: () => 'a-b-c-d-e' } as any)).toBe('a-b-c-d-e')
  })

  it('falls back to getRandomValues outside secure contexts', () => {
    const id = newClientMsgId({ getRandomValues: (b: any) => (b.fill(0xab), b) } as any)
    expect(id).toMatch(/^abababab-abab-4bab-[89ab]bab-abababababab$/)
  })

  it('still makes distinct 36-character ids with no crypto at all', () => {
    const a = newClientMsgId(null as any)
    const b = newClientMsgId({} as any)
    expect(a).toHaveLength(36)
    expect(a).not.toBe(b)
  })
})
