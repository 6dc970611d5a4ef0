/** The live connection: hello/ready, the replay cursor, backoff with jitter, deduplication. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  BACKOFF_MAX_MS,
  BACKOFF_MIN_MS,
  CLOSE_REPLACED,
  CLOSE_SERVER_BUSY,
  CLOSE_TOO_MANY,
  LiveConnection,
  POLL_MAX_MS,
  POLL_MIN_MS,
  READY_TIMEOUT_MS,
  REFUSED_RETRY_MIN_MS,
  REFUSED_RETRY_MAX_MS,
  backoffDelay,
  refusedRetryDelay,
  type LiveStatus,
} from './live'
import { MessageList } from './messages'
import { FakeSocket, msg, state } from './testkit'
import type { LiveEvent, Message } from './types'

/** A connection wired like the widget wires it: stream messages go into a MessageList. */
function setup(random = () => 0.5) {
  const list = new MessageList()
  const shown: Message[] = []
  const events: LiveEvent[] = []
  const statuses: LiveStatus[] = []
  const live = new LiveConnection({
    url: 'wss://desk.example.com/api/widget/v1/live',
    session: 'tok',
    after: () => list.cursor,
    onEvent: (e) => {
      events.push(e)
      if (e.type === 'message' && list.add(e.message, true)) shown.push(e.message)
    },
    onStatus: (s) => statuses.push(s),
    WebSocket: FakeSocket,
    random,
  })
  return { list, shown, events, statuses, live }
}

beforeEach(() => {
  FakeSocket.all = []
  vi.useFakeTimers()
})
afterEach(() => vi.useRealTimers())

describe('backoffDelay', () => {
  it('doubles from 0.5 s to a 15 s ceiling, jittered within the upper half, never outside 0.5-15 s', () => {
    expect(backoffDelay(0, () => 0)).toBe(BACKOFF_MIN_MS)
    expect(backoffDelay(0, () => 1)).toBe(BACKOFF_MIN_MS)
    expect(backoffDelay(1, () => 0)).toBe(500)
    expect(backoffDelay(1, () => 1)).toBe(1000)
    expect(backoffDelay(3, () => 0)).toBe(2000)
    expect(backoffDelay(3, () => 1)).toBe(4000)
    expect(backoffDelay(5, () => 0.999)).toBeLessThanOrEqual(BACKOFF_MAX_MS)
    expect(backoffDelay(50, () => 1)).toBe(BACKOFF_MAX_MS)
    expect(backoffDelay(50, () => 0)).toBe(BACKOFF_MAX_MS / 2)
    for (let a = 0; a < 20; a++) {
      const d = backoffDelay(a)
      expect(d).toBeGreaterThanOrEqual(BACKOFF_MIN_MS)
      expect(d).toBeLessThanOrEqual(BACKOFF_MAX_MS)
    }
  })

  it('spreads reconnects (jitter): different random draws give different delays', () => {
    expect(backoffDelay(4, () => 0.1)).not.toBe(backoffDelay(4, () => 0.9))
  })
})

describe('LiveConnection', () => {
  it('connects to the live URL and sends hello with the session and "" before any message', () => {
    const { live } = setup()
    live.start()
    const ws = FakeSocket.last
    expect(ws.url).toBe('wss://desk.example.com/api/widget/v1/live')
    expect(ws.sent).toEqual([])
    ws.open()
    expect(ws.sent).toEqual([{ type: 'hello', session: 'tok', after: '' }])
  })

  it('passes ready, message and state events on', () => {
    const { live, events, statuses } = setup()
    live.start()
    FakeSocket.last.open()
    FakeSocket.last.receive({ type: 'ready', state: state() })
    FakeSocket.last.receive({ type: 'state', state: state({ verified: true }) })
    FakeSocket.last.receive('not json')
    expect(events.map((e) => e.type)).toEqual(['ready', 'state'])
    expect(statuses).toEqual(['connecting', 'live'])
  })

  it('reconnects with backoff and says hello after the newest message it has', async () => {
    const { live, list, shown, statuses } = setup(() => 1)
    live.start()
    const ws1 = FakeSocket.last
    ws1.open()
    ws1.receive({ type: 'ready', state: state() })
    const m1 = msg()
    const m2 = msg({ from: 'customer', clientMsgId: 'c-1' })
    ws1.receive({ type: 'message', message: m1 })
    ws1.receive({ type: 'message', message: m2 })
    expect(list.cursor).toBe(m2.id)

    ws1.drop()
    expect(statuses.at(-1)).toBe('down')
    // First retry after 0.5 s.
    await vi.advanceTimersByTimeAsync(BACKOFF_MIN_MS - 1)
    expect(FakeSocket.all).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(FakeSocket.all).toHaveLength(2)
    const ws2 = FakeSocket.last
    ws2.open()
    expect(ws2.sent).toEqual([{ type: 'hello', session: 'tok', after: m2.id }])

    // The server replays from the cursor; a message it sends twice (subscribed before the
    // backlog was read) is shown once.
    const m3 = msg()
    ws2.receive({ type: 'ready', state: state() })
    ws2.receive({ type: 'message', message: m3 })
    ws2.receive({ type: 'message', message: m3 })
    ws2.receive({ type: 'message', message: m2 })
    expect(shown.map((m) => m.id)).toEqual([m1.id, m2.id, m3.id])
    expect(list.cursor).toBe(m3.id)
  })

  it('grows the delay while attempts fail, and resets it after ready', async () => {
    const { live } = setup(() => 1)
    live.start()
    const delays: number[] = []
    for (let i = 0; i < 7; i++) {
      const before = FakeSocket.all.length
      FakeSocket.last.drop()
      let waited = 0
      while (FakeSocket.all.length === before) {
        await vi.advanceTimersByTimeAsync(100)
        waited += 100
      }
      delays.push(waited)
    }
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 15000, 15000])

    FakeSocket.last.open()
    FakeSocket.last.receive({ type: 'ready', state: state() })
    FakeSocket.last.drop()
    await vi.advanceTimersByTimeAsync(BACKOFF_MIN_MS)
    expect(FakeSocket.all).toHaveLength(9)
  })

  it('stops for good when the server refuses the session', async () => {
    const { live, events, statuses } = setup()
    live.start()
    FakeSocket.last.open()
    FakeSocket.last.receive({ type: 'error', error: { code: 'unauthorized', message: 'Unknown session.' } })
    FakeSocket.last.drop()
    await vi.advanceTimersByTimeAsync(60_000)
    expect(FakeSocket.all).toHaveLength(1)
    expect(events.at(-1)).toMatchObject({ type: 'error' })
    expect(statuses.at(-1)).toBe('stopped')
  })

  it('treats a socket that never says ready as dead', async () => {
    const { live } = setup()
    live.start()
    FakeSocket.last.open()
    await vi.advanceTimersByTimeAsync(READY_TIMEOUT_MS)
    expect(FakeSocket.all[0].closed).toBe(true)
    await vi.advanceTimersByTimeAsync(BACKOFF_MIN_MS)
    expect(FakeSocket.all).toHaveLength(2)
  })

  it('ignores a replaced socket and does nothing after stop()', async () => {
    const { live, events } = setup()
    live.start()
    const old = FakeSocket.last
    old.open()
    old.drop()
    await vi.advanceTimersByTimeAsync(BACKOFF_MIN_MS)
    old.receive({ type: 'ready', state: state() })
    expect(events).toEqual([])
    live.stop()
    FakeSocket.last.drop()
    await vi.advanceTimersByTimeAsync(60_000)
    expect(FakeSocket.all).toHaveLength(2)
  })

  it('reconnects at once when told the browser is online again', async () => {
    const { live } = setup(() => 1)
    live.start()
    for (let i = 0; i < 5; i++) {
      FakeSocket.last.drop()
      await vi.advanceTimersByTimeAsync(BACKOFF_MAX_MS)
    }
    FakeSocket.last.drop()
    const n = FakeSocket.all.length
    live.reconnectNow()
    expect(FakeSocket.all).toHaveLength(n + 1)
  })

  it('finish(): no reconnect after the chat ended, but late events still arrive', async () => {
    const { live, shown } = setup()
    live.start()
    FakeSocket.last.open()
    FakeSocket.last.receive({ type: 'ready', state: state() })
    live.finish(5_000)
    const last = msg({ from: 'system', body: 'Chat ended' })
    FakeSocket.last.receive({ type: 'message', message: last })
    expect(shown).toEqual([last])
    await vi.advanceTimersByTimeAsync(5_000)
    expect(FakeSocket.last.closed).toBe(true)
    await vi.advanceTimersByTimeAsync(60_000)
    expect(FakeSocket.all).toHaveLength(1)
  })
})

describe('MessageList', () => {
  it('dedupes by id and by clientMsgId, and moves the cursor only for in-order arrivals', () => {
    const list = new MessageList()
    const a = msg({ from: 'customer', clientMsgId: 'c-1' })
    // The POST answer arrives first: shown, but not a replay cursor.
    expect(list.add(a, false)).toBe(true)
    expect(list.cursor).toBe('')
    // Its live echo: a duplicate, yet now the stream has reached it.
    expect(list.add(a, true)).toBe(false)
    expect(list.cursor).toBe(a.id)
    // Same clientMsgId under another id (should not happen): still shown once.
    expect(list.add({ ...a, id: 'other' }, true)).toBe(false)
    // Agent messages have no clientMsgId: "" never dedupes.
    expect(list.add(msg({ clientMsgId: '' }), true)).toBe(true)
    expect(list.add(msg({ clientMsgId: '' }), true)).toBe(true)
    expect(list.size).toBe(3)
  })

  it('never moves the cursor backwards (a message sent before ready and again in the backlog)', () => {
    const list = new MessageList()
    const older = msg()
    const newer = msg()
    list.add(newer, true)
    list.add(older, true)
    expect(list.cursor).toBe(newer.id)
  })
})

/** A connection with a poll that records its calls and answers what the test queues. */
function capped(answers: Array<boolean | Error> = []) {
  const polls: number[] = []
  const statuses: LiveStatus[] = []
  const live = new LiveConnection({
    url: 'wss://desk.example.com/api/widget/v1/live',
    session: 'tok',
    after: () => '',
    onEvent: () => {},
    onStatus: (s) => statuses.push(s),
    poll: async () => {
      polls.push(Date.now())
      const a = answers.shift() ?? false
      if (a instanceof Error) throw a
      return a
    },
    WebSocket: FakeSocket,
    random: () => 0.5,
  })
  live.start()
  FakeSocket.last.open()
  FakeSocket.last.receive({ type: 'ready', state: state() })
  return { live, polls, statuses }
}

describe('LiveConnection over a cap', () => {
  it('replaced by a newer tab (4001): polls instead, backs off while nothing is new, never takes the socket back by itself', async () => {
    const { live, polls, statuses } = capped([false, false, true, false, false, false, false])
    const t0 = Date.now()
    FakeSocket.last.closeWith(CLOSE_REPLACED, 'replaced by a newer connection')
    expect(live.status).toBe('polling')
    expect(statuses).toEqual(['connecting', 'live', 'polling'])
    await vi.advanceTimersByTimeAsync(10 * 60_000)
    expect(FakeSocket.all).toHaveLength(1) // no reconnect, however long
    const gaps = polls.slice(0, 7).map((p, i) => p - (i === 0 ? t0 : polls[i - 1]))
    // 4 s, then doubling while nothing is new (8, 16); the third brought news: 4 s again, then
    // doubling up to the 20 s ceiling.
    expect(gaps).toEqual([POLL_MIN_MS, 8_000, 16_000, POLL_MIN_MS, 8_000, 16_000, POLL_MAX_MS])
    expect(Math.max(...polls.slice(1).map((p, i) => p - polls[i]))).toBe(POLL_MAX_MS)
  })

  it('takes a replaced socket back once when the customer looks at the tab again, and stops polling when it is ready', async () => {
    const { live, polls, statuses } = capped()
    FakeSocket.last.closeWith(CLOSE_REPLACED, 'replaced by a newer connection')
    await vi.advanceTimersByTimeAsync(POLL_MIN_MS)
    expect(polls).toHaveLength(1)
    live.reclaim()
    live.reclaim() // a second visibilitychange while connecting opens nothing more
    expect(FakeSocket.all).toHaveLength(2)
    expect(live.status).toBe('polling') // still polling until the socket is ready
    FakeSocket.last.open()
    FakeSocket.last.receive({ type: 'ready', state: state() })
    expect(live.status).toBe('live')
    await vi.advanceTimersByTimeAsync(10 * 60_000)
    expect(polls).toHaveLength(1)
    expect(statuses).toEqual(['connecting', 'live', 'polling', 'live'])
  })

  it('refused (4002, 4003): polls and retries the socket after 30 s, then ever later up to 5 min: no storm', async () => {
    const { live, polls } = capped()
    const opened: number[] = []
    FakeSocket.last.closeWith(CLOSE_SERVER_BUSY, 'server busy')
    expect(live.status).toBe('polling')
    const t0 = Date.now()
    for (let i = 0; i < 8; i++) {
      const before = FakeSocket.all.length
      while (FakeSocket.all.length === before) await vi.advanceTimersByTimeAsync(1_000)
      opened.push(Date.now())
      FakeSocket.last.open()
      FakeSocket.last.closeWith(i % 2 ? CLOSE_TOO_MANY : CLOSE_SERVER_BUSY, 'refused')
    }
    const gaps = opened.map((t, i) => t - (i === 0 ? t0 : opened[i - 1]))
    expect(gaps.map((g) => g / 1000)).toEqual([
      refusedRetryDelay(0, () => 0.5) / 1000,
      refusedRetryDelay(1, () => 0.5) / 1000,
      refusedRetryDelay(2, () => 0.5) / 1000,
      refusedRetryDelay(3, () => 0.5) / 1000,
      refusedRetryDelay(4, () => 0.5) / 1000,
      refusedRetryDelay(5, () => 0.5) / 1000,
      refusedRetryDelay(6, () => 0.5) / 1000,
      refusedRetryDelay(7, () => 0.5) / 1000,
    ])
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(REFUSED_RETRY_MIN_MS / 2)
    expect(polls.length).toBeGreaterThan(10) // the chat went on meanwhile
    // Accepted at last: live again, polling stops, and the next refusal starts from 30 s again.
    const before = FakeSocket.all.length
    while (FakeSocket.all.length === before) await vi.advanceTimersByTimeAsync(1_000)
    FakeSocket.last.open()
    FakeSocket.last.receive({ type: 'ready', state: state() })
    expect(live.status).toBe('live')
    const n = polls.length
    await vi.advanceTimersByTimeAsync(60_000)
    expect(polls).toHaveLength(n)
  })

  it('waits out a 429 while polling, and stops polling on stop()', async () => {
    const busy = Object.assign(new Error('Too many requests'), { retryAfter: 60 })
    const { live, polls } = capped([busy, false])
    FakeSocket.last.closeWith(CLOSE_TOO_MANY, 'too many connections from this address')
    await vi.advanceTimersByTimeAsync(POLL_MIN_MS)
    expect(polls).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(59_000)
    expect(polls).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(polls).toHaveLength(2)
    const sockets = FakeSocket.all.length // the refused socket's retry came at 22.5 s
    live.stop()
    await vi.advanceTimersByTimeAsync(10 * 60_000)
    expect(polls).toHaveLength(2)
    expect(FakeSocket.all).toHaveLength(sockets)
  })

  it('keeps reconnecting with the usual backoff after an ordinary drop (not a cap)', async () => {
    const { live, polls } = capped()
    FakeSocket.last.drop()
    expect(live.status).toBe('down')
    await vi.advanceTimersByTimeAsync(BACKOFF_MAX_MS)
    expect(FakeSocket.all.length).toBeGreaterThan(1)
    expect(polls).toHaveLength(0)
  })
})

describe('refusedRetryDelay', () => {
  it('doubles from 30 s to a 5 min ceiling, jittered in the upper half', () => {
    expect(refusedRetryDelay(0, () => 0)).toBe(REFUSED_RETRY_MIN_MS)
    expect(refusedRetryDelay(0, () => 1)).toBe(REFUSED_RETRY_MIN_MS)
    expect(refusedRetryDelay(2, () => 1)).toBe(4 * REFUSED_RETRY_MIN_MS)
    expect(refusedRetryDelay(50, () => 1)).toBe(REFUSED_RETRY_MAX_MS)
    expect(refusedRetryDelay(50, () => 0)).toBe(REFUSED_RETRY_MAX_MS / 2)
  })
})
