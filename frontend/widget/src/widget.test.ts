/** The widget in a page: open/close and focus, resume, sending, live events, verification, ending. */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { DEVICE_KEY, SESSION_KEY, FakeSocket, boot, defaultRoutes, msg, press, settle, startChat, state, typeInto } from './harness'
import { err } from './testkit'

let current: ReturnType<typeof boot> | null = null
function mount(o?: Parameters<typeof boot>[0]) {
  current = boot(o)
  return current
}
afterEach(() => {
  current?.w.destroy()
  current = null
  vi.useRealTimers()
})

const texts = (els: HTMLElement[]) => els.map((e) => e.querySelector('.bubble')!.textContent)

describe('launcher and panel', () => {
  it('mounts a launcher and a hidden dialog in an open shadow root', () => {
    const t = mount()
    expect(t.w.host.parentElement).toBe(document.body)
    expect(t.w.host.shadowRoot).toBe(t.root)
    const launcher = t.q('launcher')!
    expect(launcher.tagName).toBe('BUTTON')
    expect(launcher.getAttribute('aria-label')).toBe('Chat with us')
    expect(launcher.getAttribute('aria-expanded')).toBe('false')
    const panel = t.q('panel')!
    expect(panel.getAttribute('role')).toBe('dialog')
    expect(panel.hidden).toBe(true)
    // Nothing is fetched before the customer opens the chat (no stored session).
    expect(t.calls).toHaveLength(0)
  })

  it('opens on click, loads the inbox, focuses the first field; Escape closes and returns focus', async () => {
    const t = mount()
    t.q('launcher')!.click()
    const panel = t.q('panel')!
    expect(panel.hidden).toBe(false)
    expect(t.q('launcher')!.getAttribute('aria-expanded')).toBe('true')
    await settle()
    expect(t.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /inboxes/inbox-1'])
    expect(panel.getAttribute('aria-label')).toBe('Chat with Acme')
    expect(t.root.activeElement).toBe(t.q('prechat-name'))

    press(t.q('prechat-name')!, 'Escape')
    expect(panel.hidden).toBe(true)
    expect(t.q('launcher')!.getAttribute('aria-expanded')).toBe('false')
    expect(t.root.activeElement).toBe(t.q('launcher'))
  })

  it('keeps keystrokes inside the widget away from the page', async () => {
    const t = mount()
    const seen = vi.fn()
    document.addEventListener('keydown', seen)
    t.w.open()
    await settle()
    press(t.q('prechat-name')!, 'k')
    document.removeEventListener('keydown', seen)
    expect(seen).not.toHaveBeenCalled()
  })

  it('shows a retry when the server cannot be reached, and a quiet note for an unknown inbox', async () => {
    const t = mount({ routes: {} })
    t.w.open()
    await settle()
    expect(t.root.textContent).toContain('Can’t reach the chat right now')
    expect(t.root.activeElement?.textContent).toBe('Try again')
    t.w.destroy()

    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const t2 = mount({ routes: { 'GET /inboxes/inbox-1': () => err(404, 'inbox_not_found', 'No chat inbox with that id.') } })
    t2.w.open()
    await settle()
    expect(t2.root.textContent).toContain('Chat is not available right now.')
    expect(t2.root.textContent).not.toContain('Try again')
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('No chat inbox with that id.'))
  })

  it('puts the launcher and panel on the left with position "left"', () => {
    const t = mount({ options: { position: 'left' } })
    expect(t.root.querySelector('.vd')!.classList.contains('left')).toBe(true)
  })
})

describe('starting and resuming', () => {
  it('starts a session, stores it and the new device token, and says hello on the socket', async () => {
    const t = mount({ storage: { [DEVICE_KEY]: 'dev-old' } })
    const ws = await startChat(t, { name: 'Ada' })
    const post = t.calls.find((c) => c.path === '/sessions')!
    expect(post.body).toMatchObject({ inbox: 'inbox-1', name: 'Ada', consent: false, deviceToken: 'dev-old' })
    expect(typeof post.body.timezone).toBe('string')
    expect(post.body.email).toBeUndefined()
    expect(t.storage.getItem(SESSION_KEY)).toBe('tok-1')
    // Not recognized: the old token is dropped and the server's new one kept.
    expect(t.storage.getItem(DEVICE_KEY)).toBe('dev-new')
    expect(ws.url).toBe('wss://desk.example.com/api/widget/v1/live')
    expect(ws.sent).toEqual([{ type: 'hello', session: 'tok-1', after: '' }])
    expect(t.q('composer')).not.toBeNull()
    expect(t.q('composer')!.closest('form')!.hidden).toBe(false)
    expect(t.root.activeElement).toBe(t.q('composer'))
  })

  it('uses ws:// for an http server', async () => {
    const t = mount({ options: { base: 'http://127.0.0.1:8470' } })
    await startChat(t)
    expect(FakeSocket.last.url).toBe('ws://127.0.0.1:8470/api/widget/v1/live')
  })

  it('resumes a stored session at page load: history, then hello after the newest id', async () => {
    const h1 = msg({ from: 'customer', body: 'Hi', clientMsgId: 'c-0', authorName: '' })
    const h2 = msg({ body: 'Hello! How can I help?' })
    const routes = defaultRoutes()
    routes['GET /conversation'] = () => ({
      status: 200,
      body: { conversation: 'conv-1', state: state({ agentName: 'Olive' }), messages: [h1, h2] },
    })
    const t = mount({ routes, storage: { [SESSION_KEY]: 'tok-9' } })
    await settle()
    // Resumed without opening, so replies can show as unread.
    const conv = t.calls.find((c) => c.path.startsWith('/conversation'))!
    expect(conv.headers.Authorization).toBe('Bearer tok-9')
    expect(texts(t.all('message'))).toEqual(['Hi', 'Hello! How can I help?'])
    expect(t.all('message').map((m) => m.dataset.from)).toEqual(['customer', 'agent'])
    FakeSocket.last.open()
    expect(FakeSocket.last.sent[0]).toEqual({ type: 'hello', session: 'tok-9', after: h2.id })
    expect(t.root.textContent).toContain('You’re chatting with Olive')

    // An agent reply while the panel is closed: an unread count on the launcher.
    FakeSocket.last.receive({ type: 'ready', state: state() })
    FakeSocket.last.receive({ type: 'message', message: msg({ body: 'Are you there?' }) })
    expect(t.q('launcher')!.getAttribute('aria-label')).toBe('Chat with us (1 new message)')
    t.w.open()
    expect(t.q('launcher')!.getAttribute('aria-label')).toBe('Chat with us')
  })

  it('drops a session the server does not know and shows the pre-chat form', async () => {
    const routes = defaultRoutes()
    routes['GET /conversation'] = () => err(401, 'unauthorized', 'Unknown session.')
    const t = mount({ routes, storage: { [SESSION_KEY]: 'tok-old', [DEVICE_KEY]: 'dev' } })
    t.w.open()
    await settle()
    expect(t.storage.getItem(SESSION_KEY)).toBeNull()
    expect(t.storage.getItem(DEVICE_KEY)).toBe('dev')
    expect(t.q('prechat-start')).not.toBeNull()
    expect(FakeSocket.all).toHaveLength(0)
  })

  it('shows an ended conversation read-only with "Start a new chat"', async () => {
    const routes = defaultRoutes()
    routes['GET /conversation'] = () => ({
      status: 200,
      body: { conversation: 'c', state: state({ status: 'ended' }), messages: [msg({ body: 'Bye' })] },
    })
    const t = mount({ routes, storage: { [SESSION_KEY]: 'tok-old', [DEVICE_KEY]: 'dev' } })
    t.w.open()
    await settle()
    expect(texts(t.all('message'))).toEqual(['Bye'])
    expect(t.root.textContent).toContain('This chat has ended.')
    expect(t.q('composer')!.closest('form')!.hidden).toBe(true)
    expect(t.q('end-chat')!.hidden).toBe(true)
    expect(t.storage.getItem(SESSION_KEY)).toBeNull()
    expect(FakeSocket.all).toHaveLength(0)

    t.q('new-chat')!.click()
    expect(t.q('prechat-start')).not.toBeNull()
    expect(t.all('message')).toHaveLength(0)
    expect(t.storage.getItem(DEVICE_KEY)).toBe('dev')
  })
})

describe('sending', () => {
  it('sends on Enter with a clientMsgId, shows it pending, and shows it once however often it comes back', async () => {
    let answer: (v: unknown) => void = () => {}
    const routes = defaultRoutes()
    const plain = routes['POST /messages']
    routes['POST /messages'] = (c) => new Promise((r) => (answer = () => r(plain(c))))
    const t2 = mount({ routes })
    const ws = await startChat(t2)

    const box = t2.q<HTMLTextAreaElement>('composer')!
    typeInto(box, 'line one')
    // Shift+Enter is a newline, not a send.
    press(box, 'Enter', { shiftKey: true })
    expect(t2.calls.filter((c) => c.path === '/messages')).toHaveLength(0)
    typeInto(box, '  Where is my order?  ')
    const e = press(box, 'Enter')
    expect(e.defaultPrevented).toBe(true)
    expect(box.value).toBe('')
    await settle()

    const post = t2.calls.find((c) => c.path === '/messages')!
    expect(post.body.body).toBe('Where is my order?')
    expect(post.body.clientMsgId).toMatch(/^[0-9a-f-]{36}$/)
    let shown = t2.all('message')
    expect(shown).toHaveLength(1)
    expect(shown[0].classList.contains('pending')).toBe(true)
    expect(shown[0].textContent).toContain('Sending…')

    // The live echo may beat the POST answer.
    const echo = msg({ from: 'customer', authorName: '', body: 'Where is my order?', clientMsgId: post.body.clientMsgId })
    ws.receive({ type: 'message', message: echo })
    answer(null)
    await settle()
    ws.receive({ type: 'message', message: echo })
    shown = t2.all('message')
    expect(shown).toHaveLength(1)
    expect(shown[0].classList.contains('pending')).toBe(false)
    expect(shown[0].textContent).not.toContain('Sending')
    expect(shown[0].dataset.from).toBe('customer')
  })

  it('keeps a message through an outage and resends it with the same clientMsgId after reconnect', async () => {
    const routes = defaultRoutes()
    const ok = routes['POST /messages']
    let online = true
    routes['POST /messages'] = (c) => (online ? ok(c) : new TypeError('Failed to fetch'))
    const t = mount({ routes })
    const ws1 = await startChat(t)
    const older = msg({ body: 'from before' })
    ws1.receive({ type: 'message', message: older })

    online = false
    ws1.drop()
    await settle()
    expect(t.q('banner')!.hidden).toBe(false)
    expect(t.q('banner')!.textContent).toBe('Reconnecting…')
    typeInto(t.q<HTMLTextAreaElement>('composer')!, 'Still there?')
    t.q('send')!.click()
    await settle()
    const first = t.calls.filter((c) => c.path === '/messages')
    expect(first).toHaveLength(1)
    expect(t.all('message')[1].textContent).toContain('Not sent yet')

    online = true
    await new Promise((r) => setTimeout(r, 600)) // the first backoff step (0.5 s)
    const ws2 = FakeSocket.last
    expect(ws2).not.toBe(ws1)
    ws2.open()
    expect(ws2.sent[0].after).toBe(older.id)
    ws2.receive({ type: 'ready', state: state() })
    await settle()
    const sends = t.calls.filter((c) => c.path === '/messages')
    expect(sends.length).toBeGreaterThanOrEqual(2)
    expect(new Set(sends.map((c) => c.body.clientMsgId)).size).toBe(1)
    expect(t.q('banner')!.hidden).toBe(true)
    const shown = t.all('message')
    expect(texts(shown)).toEqual(['from before', 'Still there?'])
    expect(shown[1].classList.contains('pending')).toBe(false)
  })

  it('shows a counter near the limit and refuses a message over it', async () => {
    const t = mount({ routes: defaultRoutes({ inbox: { limits: { messageChars: 10 } } }) })
    await startChat(t)
    const box = t.q<HTMLTextAreaElement>('composer')!
    const count = t.w.root.getElementById('vd-count')!
    typeInto(box, 'abcdefg')
    expect(count.hidden).toBe(true)
    typeInto(box, 'abcdefgh')
    expect(count.hidden).toBe(false)
    expect(count.textContent).toBe('8 / 10')
    // Emoji count as one character each, as the server counts them.
    typeInto(box, '😀😀😀😀😀😀😀😀😀😀')
    expect(count.textContent).toBe('10 / 10')
    typeInto(box, 'abcdefghijk')
    expect(count.classList.contains('over')).toBe(true)
    t.q('send')!.click()
    await settle()
    expect(t.calls.filter((c) => c.path === '/messages')).toHaveLength(0)
    expect(t.q('error')!.textContent).toContain('at most 10 characters')
    expect(t.q('error')!.getAttribute('aria-live')).toBe('polite')
  })

  it('shows the server message of a refused send', async () => {
    const routes = defaultRoutes()
    routes['POST /messages'] = () => err(400, 'empty_message', 'A message needs some text.')
    const t = mount({ routes })
    await startChat(t)
    typeInto(t.q<HTMLTextAreaElement>('composer')!, 'x')
    t.q('send')!.click()
    await settle()
    expect(t.q('error')!.textContent).toBe('A message needs some text.')
    expect(t.all('message')[0].textContent).toContain('Not sent: A message needs some text.')
  })
})

describe('live state and verification', () => {
  it('shows the verified badge only when verified', async () => {
    const t = mount()
    const ws = await startChat(t)
    expect(t.q('verified-badge')).toBeNull()
    ws.receive({ type: 'state', state: state({ verified: true, email: 'ada@example.com' }) })
    expect(t.q('verified-badge')!.textContent).toBe('Verified')
  })

  it('names the answering agent from their message before any state event does', async () => {
    const t = mount()
    const ws = await startChat(t)
    expect(t.root.querySelector('.sub')!.textContent).toBe('Website chat')
    ws.receive({ type: 'message', message: msg({ authorName: 'Sam', body: 'Hi, Sam here.' }) })
    expect(t.root.querySelector('.sub')!.textContent).toBe('You’re chatting with Sam')
  })

  it('asks for the email when the agent requests it and posts it with consent', async () => {
    const t = mount()
    const ws = await startChat(t)
    ws.receive({ type: 'state', state: state({ request: { kind: 'email' } }) })
    const input = t.q<HTMLInputElement>('email-request-input')!
    expect(input.type).toBe('email')
    expect(t.w.root.querySelector(`label[for="${input.id}"]`)).not.toBeNull()

    typeInto(input, 'not-an-email')
    t.q('email-request-submit')!.click()
    await settle()
    expect(t.calls.filter((c) => c.path === '/email')).toHaveLength(0)
    expect(input.getAttribute('aria-invalid')).toBe('true')

    typeInto(input, 'ada@example.com')
    t.q('email-request-submit')!.click()
    await settle()
    expect(t.calls.filter((c) => c.path === '/email')).toHaveLength(0) // consent missing
    expect(t.root.textContent).toContain('Please agree')
    t.q<HTMLInputElement>('email-request-consent')!.click()
    t.q('email-request-submit')!.click()
    await settle()
    const post = t.calls.find((c) => c.path === '/email')!
    expect(post.body).toEqual({ email: 'ada@example.com', consent: true })
    expect(post.headers.Authorization).toBe('Bearer tok-1')
    // The answer's state has no request: the form goes away.
    expect(t.q('email-request-input')).toBeNull()
  })

  it('takes the emailed code, explains each code error, keeps the session device token on success', async () => {
    const replies = [
      err(422, 'code_wrong', 'Wrong code.', { attemptsLeft: 3 }),
      err(410, 'code_expired', 'Expired.'),
      err(409, 'no_code_pending', 'No code.'),
      err(429, 'too_many_wrong_codes', 'Locked.'),
    ]
    const routes = defaultRoutes()
    const ok = routes['POST /code']
    routes['POST /code'] = (c) => replies.shift() ?? ok(c)
    const t = mount({ routes })
    const ws = await startChat(t)
    ws.receive({ type: 'state', state: state({ email: 'ada@example.com', request: { kind: 'code', email: 'ada@example.com' } }) })
    expect(t.root.textContent).toContain('We emailed a code to ada@example.com.')
    const input = t.q<HTMLInputElement>('code-input')!
    expect(input.getAttribute('inputmode')).toBe('numeric')
    expect(input.getAttribute('autocomplete')).toBe('one-time-code')

    const attempt = async (code: string) => {
      typeInto(t.q<HTMLInputElement>('code-input')!, code)
      t.q('code-submit')!.click()
      await settle()
      return t.w.root.getElementById('vd-code-err')?.textContent ?? ''
    }
    expect(await attempt('111111')).toBe('That code is not right. 3 attempts left.')
    // Said once, under the field, in a polite live region of its own.
    expect(t.w.root.getElementById('vd-code-err')!.getAttribute('aria-live')).toBe('polite')
    expect(t.q<HTMLInputElement>('code-input')!.getAttribute('aria-invalid')).toBe('true')
    expect(t.q('error')!.textContent).toBe('')
    expect(await attempt('222222')).toMatch(/expired/)
    expect(await attempt('333333')).toMatch(/no code waiting/)
    expect(await attempt('444444')).toMatch(/Too many wrong codes for this email/)
    // A state event that repeats the same request keeps what was typed.
    typeInto(t.q<HTMLInputElement>('code-input')!, '12')
    ws.receive({ type: 'state', state: state({ email: 'ada@example.com', request: { kind: 'code', email: 'ada@example.com' } }) })
    expect(t.q<HTMLInputElement>('code-input')!.value).toBe('12')

    await attempt('123 456')
    expect(t.calls.filter((c) => c.path === '/code').at(-1)!.body).toEqual({ code: '123456' })
    // The device token stays the one POST /sessions gave: proofs attach to it on the server.
    expect(t.storage.getItem(DEVICE_KEY)).toBe('dev-new')
    expect(t.q('verified-badge')).not.toBeNull()
    expect(t.q('code-input')).toBeNull()
  })

  it('turns a 429 into a wait: the button stays disabled for Retry-After seconds', async () => {
    const routes = defaultRoutes()
    routes['POST /code'] = () => ({ ...err(429, 'rate_limited', 'Too many tries. Wait a minute.'), headers: { 'Retry-After': '2' } }) as any
    const t = mount({ routes })
    const ws = await startChat(t)
    ws.receive({ type: 'state', state: state({ request: { kind: 'code', email: 'a@b.co' } }) })
    typeInto(t.q<HTMLInputElement>('code-input')!, '1')
    vi.useFakeTimers()
    t.q('code-submit')!.click()
    await vi.advanceTimersByTimeAsync(10)
    expect(t.q('error')!.textContent).toBe('Too many tries. Wait a minute.')
    expect(t.q<HTMLButtonElement>('code-submit')!.disabled).toBe(true)
    await vi.advanceTimersByTimeAsync(2000)
    expect(t.q<HTMLButtonElement>('code-submit')!.disabled).toBe(false)
  })

  it('polls GET /conversation without a banner when the server is busy, and is live again when the retry is accepted', async () => {
    const routes = defaultRoutes()
    let news: ReturnType<typeof msg>[] = []
    routes['GET /conversation'] = () => ({ status: 200, body: { conversation: 'conv-1', state: state(), messages: news } })
    const t = mount({ routes })
    const ws1 = await startChat(t)
    const older = msg({ body: 'from before' })
    ws1.receive({ type: 'message', message: older })
    const reply = msg({ body: 'An agent is here' })
    vi.useFakeTimers()
    ws1.closeWith(4003, 'server busy')
    await vi.advanceTimersByTimeAsync(0)
    expect(t.q('banner')!.hidden).toBe(true) // the chat works: nothing to reconnect to say
    news = [reply]
    await vi.advanceTimersByTimeAsync(4_000)
    const polls = t.calls.filter((c) => c.path.startsWith('/conversation'))
    expect(polls.map((c) => c.path)).toEqual([`/conversation?after=${older.id}`])
    expect(texts(t.all('message'))).toEqual(['from before', 'An agent is here'])
    // The socket is tried again 30 s after the refusal, not at once.
    await vi.advanceTimersByTimeAsync(25_999)
    expect(FakeSocket.all).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(FakeSocket.all).toHaveLength(2)
    FakeSocket.last.open()
    expect(FakeSocket.last.sent[0].after).toBe(reply.id)
    FakeSocket.last.receive({ type: 'ready', state: state() })
    const n = t.calls.length
    await vi.advanceTimersByTimeAsync(60_000)
    expect(t.calls.length).toBe(n) // live again: no more polling
    expect(texts(t.all('message'))).toEqual(['from before', 'An agent is here'])
  })

  it('replaced by a newer tab: polls, and takes the socket back when the page becomes visible again', async () => {
    const t = mount()
    const ws1 = await startChat(t)
    vi.useFakeTimers()
    ws1.closeWith(4001, 'replaced by a newer connection')
    await vi.advanceTimersByTimeAsync(10 * 60_000)
    expect(FakeSocket.all).toHaveLength(1)
    expect(t.calls.filter((c) => c.path.startsWith('/conversation')).length).toBeGreaterThan(10)
    expect(t.q('banner')!.hidden).toBe(true)
    document.dispatchEvent(new Event('visibilitychange')) // jsdom's page is always visible
    expect(FakeSocket.all).toHaveLength(2)
  })

  it('goes back to the pre-chat form when the socket refuses the session', async () => {
    const t = mount()
    const ws = await startChat(t)
    ws.receive({ type: 'error', error: { code: 'unauthorized', message: 'Unknown.' } })
    expect(t.q('prechat-start')).not.toBeNull()
    expect(t.storage.getItem(SESSION_KEY)).toBeNull()
    expect(t.q('error')!.textContent).toContain('no longer available')
  })
})

describe('ending', () => {
  it('ends the chat after a confirmation, then starts a new one keeping the device token', async () => {
    const t = mount()
    await startChat(t)
    expect(t.storage.getItem(DEVICE_KEY)).toBe('dev-new')
    t.q('end-chat')!.click()
    expect(t.calls.filter((c) => c.path === '/end')).toHaveLength(0)
    const confirm = t.q('end-chat-confirm')!
    expect(t.root.activeElement).toBe(confirm)
    // Escape cancels the confirmation first, without closing the panel.
    press(confirm, 'Escape')
    expect(t.q('panel')!.hidden).toBe(false)
    expect(confirm.parentElement!.hidden).toBe(true)

    t.q('end-chat')!.click()
    t.q('end-chat-confirm')!.click()
    await settle()
    expect(t.calls.find((c) => c.path === '/end')!.headers.Authorization).toBe('Bearer tok-1')
    expect(t.root.textContent).toContain('This chat has ended.')
    expect(t.q('composer')!.closest('form')!.hidden).toBe(true)
    // The key stays until the customer starts anew (a reload shows the ended chat once).
    expect(t.storage.getItem(SESSION_KEY)).toBe('tok-1')

    t.q('new-chat')!.click()
    expect(t.storage.getItem(SESSION_KEY)).toBeNull()
    expect(t.storage.getItem(DEVICE_KEY)).toBe('dev-new')
    expect(t.q('prechat-start')).not.toBeNull()
    expect(t.root.activeElement).toBe(t.q('prechat-name'))
  })

  it('shows the end when the agent ends the chat, including a closing message sent after it', async () => {
    const t = mount()
    const ws = await startChat(t)
    ws.receive({ type: 'state', state: state({ status: 'ended' }) })
    ws.receive({ type: 'message', message: msg({ from: 'system', body: 'Olive ended the chat.' }) })
    expect(t.q('new-chat')).not.toBeNull()
    expect(t.q('end-chat')!.hidden).toBe(true)
    const sys = t.all('message')[0]
    expect(sys.dataset.from).toBe('system')
    expect(sys.textContent).toBe('Olive ended the chat.')
  })
})
