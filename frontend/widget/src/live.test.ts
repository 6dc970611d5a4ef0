/** The live connection: hello/ready, the replay cursor, backoff with jitter, deduplication. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { BACKOFF_MAX_MS, BACKOFF_MIN_MS, LiveConnection, READY_TIMEOUT_MS, backoffDelay, type LiveStatus } from './live'
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
