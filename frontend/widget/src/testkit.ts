/**
 * Test doubles for the widget's unit tests: a scripted fetch standing in for the HTTP API and
 * a fake WebSocket the test drives frame by frame. Not part of the bundle (only tests import
 * it).
 */
import type { FetchLike } from './api'
import type { SocketLike } from './live'
import type { Inbox, Message, State } from './types'

export interface Call {
  method: string
  path: string
  headers: Record<string, string>
  body: any
  init: RequestInit
}

export type Reply = { status: number; body?: unknown; headers?: Record<string, string> } | Error

/**
 * A fetch that answers from handlers keyed "METHOD /path" (path without the API prefix and
 * query), records every call, and fails with TypeError (the browser's network error) for
 * anything unrouted.
 */
export function fakeFetch(routes: Record<string, (c: Call) => Reply | Promise<Reply>>) {
  const calls: Call[] = []
  const fetch: FetchLike = async (input, init) => {
    const url = new URL(input)
    const path = url.pathname.replace('/api/widget/v1', '')
    const c: Call = {
      method: init.method ?? 'GET',
      path: path + url.search,
      headers: { ...(init.headers as Record<string, string>) },
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
      init,
    }
    calls.push(c)
    const handler = routes[`${c.method} ${path}`]
    if (!handler) throw new TypeError('Failed to fetch')
    const r = await handler(c)
    if (r instanceof Error) throw r
    return new Response(r.body === undefined ? null : JSON.stringify(r.body), {
      status: r.status,
      headers: { 'Content-Type': 'application/json', ...r.headers },
    })
  }
  return { fetch, calls }
}

export function err(status: number, code: string, message: string, extra: Record<string, unknown> = {}): Reply {
  return { status, body: { error: { code, message }, ...extra } }
}

/** A WebSocket double: the test opens it, feeds server frames and closes it. */
export class FakeSocket implements SocketLike {
  static all: FakeSocket[] = []
  static get last(): FakeSocket {
    return FakeSocket.all[FakeSocket.all.length - 1]
  }

  sent: any[] = []
  closed = false
  onopen: ((ev: Event) => unknown) | null = null
  onmessage: ((ev: MessageEvent) => unknown) | null = null
  onclose: ((ev: CloseEvent) => unknown) | null = null
  onerror: ((ev: Event) => unknown) | null = null

  constructor(readonly url: string) {
    FakeSocket.all.push(this)
  }

  send(data: string): void {
    this.sent.push(JSON.parse(data))
  }

  close(): void {
    this.closed = true
  }

  // ---- driven by the test ----
  open(): void {
    this.onopen?.(new Event('open'))
  }

  receive(frame: unknown): void {
    this.onmessage?.(new MessageEvent('message', { data: typeof frame === 'string' ? frame : JSON.stringify(frame) }))
  }

  /** The server (or the network) closed the connection. */
  drop(): void {
    this.closed = true
    this.onerror?.(new Event('error'))
    this.onclose?.(new CloseEvent('close', { code: 1006 }))
  }

  /** The server closed the connection with a close frame (a cap's code and reason). */
  closeWith(code: number, reason: string): void {
    this.closed = true
    this.onclose?.(new CloseEvent('close', { code, reason, wasClean: true }))
  }
}

export function inbox(over: Partial<Inbox> = {}): Inbox {
  return {
    id: 'inbox-1',
    name: 'Website chat',
    organization: 'Acme',
    prechat: { askName: true, askEmail: true },
    consent: { required: true, text: 'We store your email to answer you.' },
    limits: { messageChars: 4000 },
    ...over,
  }
}

export function state(over: Partial<State> = {}): State {
  return { status: 'open', email: '', verified: false, request: null, agentName: '', ...over }
}

let seq = 0
/** A message with an increasing id (ids sort like the server's UUIDv7s). */
export function msg(over: Partial<Message> = {}): Message {
  seq++
  return {
    id: `0193-${String(seq).padStart(6, '0')}`,
    from: 'agent',
    authorName: 'Olive',
    body: `message ${seq}`,
    clientMsgId: '',
    createdAt: '2026-11-22T10:00:00.000Z',
    ...over,
  }
}

/** Lets pending promise callbacks (fetch answers, awaits) run. */
export async function settle(times = 10): Promise<void> {
  for (let i = 0; i < times; i++) await Promise.resolve()
  await new Promise((r) => setTimeout(r, 0))
}

export function memoryStorage(init: Record<string, string> = {}): Storage {
  const m = new Map(Object.entries(init))
  return {
    get length() {
      return m.size
    },
    clear: () => m.clear(),
    getItem: (k) => m.get(k) ?? null,
    key: (i) => [...m.keys()][i] ?? null,
    removeItem: (k) => void m.delete(k),
    setItem: (k, v) => void m.set(k, String(v)),
  }
}
