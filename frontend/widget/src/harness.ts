/**
 * Mounts a Widget against a scripted server for the DOM tests (widget, prechat, render).
 * Not part of the bundle.
 */
import type { Call, Reply } from './testkit'
import { FakeSocket, fakeFetch, inbox, memoryStorage, msg, settle, state } from './testkit'
import type { Inbox } from './types'
import { Widget, type WidgetOptions } from './widget'

export const SESSION_KEY = 'vouchdesk:inbox-1:session'
export const DEVICE_KEY = 'vouchdesk:inbox-1:device'

export type Routes = Record<string, (c: Call) => Reply | Promise<Reply>>

/** A server that behaves like the documented one for the happy path. */
export function defaultRoutes(over: { inbox?: Partial<Inbox> } = {}): Routes {
  return {
    'GET /inboxes/inbox-1': () => ({ status: 200, body: inbox(over.inbox) }),
    'POST /sessions': () => ({
      status: 201,
      body: { session: 'tok-1', conversation: 'conv-1', deviceRecognized: false, state: state(), deviceToken: 'dev-new' },
    }),
    'GET /conversation': () => ({ status: 200, body: { conversation: 'conv-1', state: state(), messages: [] } }),
    'POST /messages': (c) => ({
      status: 201,
      body: { message: msg({ from: 'customer', authorName: '', body: c.body.body, clientMsgId: c.body.clientMsgId }) },
    }),
    'POST /email': (c) => ({ status: 200, body: { state: state({ email: c.body.email }) } }),
    'POST /code': () => ({ status: 200, body: { state: state({ verified: true, email: 'ada@example.com' }) } }),
    'POST /end': () => ({ status: 200, body: { state: state({ status: 'ended' }) } }),
  }
}

export function boot(o: { routes?: Routes; storage?: Record<string, string>; options?: Partial<WidgetOptions> } = {}) {
  FakeSocket.all = []
  const storage = memoryStorage(o.storage)
  const { fetch, calls } = fakeFetch(o.routes ?? defaultRoutes())
  const w = new Widget({
    base: 'https://desk.example.com',
    inbox: 'inbox-1',
    fetch,
    WebSocket: FakeSocket,
    storage,
    random: () => 0,
    ...o.options,
  })
  w.mount(document.body)
  const q = <T extends Element = HTMLElement>(id: string) => w.root.querySelector(`[data-testid="${id}"]`) as T | null
  const all = (id: string) => Array.from(w.root.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`))
  return { w, q, all, calls, storage, root: w.root }
}

export function typeInto(el: HTMLInputElement | HTMLTextAreaElement, text: string): void {
  el.value = text
  el.dispatchEvent(new Event('input', { bubbles: true }))
}

export function press(el: Element, key: string, init: KeyboardEventInit = {}): KeyboardEvent {
  const e = new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true, composed: true, ...init })
  el.dispatchEvent(e)
  return e
}

/** Opens the widget, starts a chat through the pre-chat form and completes the live hello. */
export async function startChat(t: ReturnType<typeof boot>, fill: { name?: string; email?: string; consent?: boolean } = {}) {
  t.w.open()
  await settle()
  if (fill.name != null) typeInto(t.q<HTMLInputElement>('prechat-name')!, fill.name)
  if (fill.email != null) typeInto(t.q<HTMLInputElement>('prechat-email')!, fill.email)
  if (fill.consent) t.q<HTMLInputElement>('prechat-consent')!.click()
  t.q('prechat-start')!.click()
  await settle()
  const ws = FakeSocket.last
  ws.open()
  ws.receive({ type: 'ready', state: state() })
  await settle()
  return ws
}

export { FakeSocket, msg, settle, state }
