/** Transport: what a poll reads is handed on as live events; the outbox goes on `ready`. */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { CLOSE_REPLACED, POLL_MIN_MS } from './live'
import { ChatState } from './state'
import { Keys } from './storage'
import { err, FakeSocket, fakeFetch, memoryStorage, msg, settle, state, type Call, type Reply } from './testkit'
import { Transport } from './transport'
import type { LiveEvent } from './types'

afterEach(() => {
  vi.useRealTimers()
})

function setup(routes: Record<string, (c: Call) => Reply | Promise<Reply>>) {
  FakeSocket.all = []
  const chat = new ChatState(new Keys('inbox-1', memoryStorage()))
  chat.session = 'tok-1'
  const events: LiveEvent[] = []
  const lost = vi.fn()
  const { fetch, calls } = fakeFetch(routes)
  const net = new Transport({ base: 'https://desk.example.com', fetch, WebSocket: FakeSocket, random: () => 0 }, chat, {
    event: (e) => {
      events.push(e)
      if (e.type === 'message') chat.msgs.add(e.message, true)
    },
    status: () => {},
    sent: () => {},
    changed: () => {},
    lost,
  })
  return { chat, net, events, lost, calls }
}

describe('Transport', () => {
  it('opens the live socket of the session on the ws URL and says hello from the cursor', () => {
    const { chat, net } = setup({})
    const m = msg()
    chat.msgs.add(m, true)
    net.connect()
    expect(FakeSocket.last.url).toBe('wss://desk.example.com/api/widget/v1/live')
    FakeSocket.last.open()
    expect(FakeSocket.last.sent[0]).toMatchObject({ session: 'tok-1', after: m.id })
    net.reset()
  })

  it('hands a polled conversation on as message events, then its state', async () => {
    const news = [msg(), msg()]
    const { net, events, calls } = setup({
      'GET /conversation': () => ({ status: 200, body: { conversation: 'conv-1', state: state({ agentName: 'Olive' }), messages: news } }),
    })
    net.connect()
    FakeSocket.last.open()
    FakeSocket.last.receive({ type: 'ready', state: state() })
    vi.useFakeTimers()
    FakeSocket.last.closeWith(CLOSE_REPLACED, 'replaced by a newer connection')
    await vi.advanceTimersByTimeAsync(POLL_MIN_MS)
    expect(calls.map((c) => c.path)).toEqual(['/conversation'])
    expect(events.map((e) => e.type)).toEqual(['ready', 'message', 'message', 'state'])
    expect(events.slice(1, 3).map((e) => e.type === 'message' && e.message.id)).toEqual(news.map((m) => m.id))
    net.reset()
  })

  it('a poll answered 401 for the current session reports the session lost', async () => {
    const { net, lost } = setup({ 'GET /conversation': () => err(401, 'unauthorized', 'Unknown session.') })
    net.connect()
    FakeSocket.last.open()
    FakeSocket.last.receive({ type: 'ready', state: state() })
    vi.useFakeTimers()
    FakeSocket.last.closeWith(CLOSE_REPLACED, 'replaced by a newer connection')
    await vi.advanceTimersByTimeAsync(POLL_MIN_MS)
    expect(lost).toHaveBeenCalledTimes(1)
    net.reset()
  })

  it('drops a poll answer that arrives after the session changed', async () => {
    let answer: (r: Reply) => void = () => {}
    const { chat, net, events, lost } = setup({
      'GET /conversation': () => new Promise<Reply>((r) => (answer = r)),
    })
    net.connect()
    FakeSocket.last.open()
    FakeSocket.last.receive({ type: 'ready', state: state() })
    vi.useFakeTimers()
    FakeSocket.last.closeWith(CLOSE_REPLACED, 'replaced by a newer connection')
    await vi.advanceTimersByTimeAsync(POLL_MIN_MS)
    chat.session = 'tok-2' // another chat began meanwhile
    answer({ status: 200, body: { conversation: 'conv-1', state: state(), messages: [msg()] } })
    await vi.advanceTimersByTimeAsync(0)
    expect(events.map((e) => e.type)).toEqual(['ready'])
    expect(lost).not.toHaveBeenCalled()
    net.reset()
  })

  it('sends the queued messages when the socket is ready again', async () => {
    const { chat, net, calls } = setup({
      'POST /messages': (c) => ({ status: 201, body: { message: msg({ from: 'customer', clientMsgId: c.body.clientMsgId }) } }),
    })
    chat.state = state()
    net.outbox.add('c-1', 'hello')
    net.connect()
    FakeSocket.last.open()
    expect(calls).toHaveLength(0)
    FakeSocket.last.receive({ type: 'ready', state: state() })
    await settle()
    expect(calls.map((c) => [c.method, c.path, c.body.clientMsgId])).toEqual([['POST', '/messages', 'c-1']])
    net.reset()
  })
})
