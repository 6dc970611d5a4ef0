/** Sign-in at chat start: the email code steps, Google's button, errors, and what is kept. */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { DEVICE_KEY, SESSION_KEY, FakeSocket, boot, defaultRoutes, settle, state, typeInto, type Routes } from './harness'
import { resetGsi, type GsiId } from './gsi'
import { err, inbox } from './testkit'
import type { InboxSignin } from './types'

const SIGNIN_KEY = 'vouchdesk:inbox-1:signin'
const GSI_URL = 'https://accounts.example.test/gsi/client'
const CLIENT_ID = '1234-abc.apps.googleusercontent.com'

let current: ReturnType<typeof boot> | null = null
afterEach(() => {
  current?.w.destroy()
  current = null
  resetGsi()
  delete window.google
  vi.useRealTimers()
})

function routesWith(signin: InboxSignin, over: Routes = {}): Routes {
  return {
    ...defaultRoutes({ inbox: { signin } }),
    'POST /signin/email': (c) => ({ status: 202, body: { signin: 'si-1', email: c.body.email, codeExpiresIn: 600, resendIn: 30 } }),
    'POST /signin/code': () => ({
      status: 201,
      body: { session: 'tok-1', conversation: 'conv-1', deviceRecognized: false, deviceToken: 'dev-new', state: state({ verified: true, email: 'ada@example.com' }) },
    }),
    'POST /signin/google': () => ({
      status: 201,
      body: { session: 'tok-g', conversation: 'conv-g', deviceRecognized: true, state: state({ verified: true, email: 'ada@example.com' }) },
    }),
    ...over,
  }
}

const EMAIL_ONLY: InboxSignin = { email: true, google: null }
const GOOGLE_ONLY: InboxSignin = { email: false, google: { clientId: CLIENT_ID, scriptUrl: GSI_URL } }
const BOTH: InboxSignin = { email: true, google: { clientId: CLIENT_ID, scriptUrl: GSI_URL } }

/** A stand-in for Google's script: records initialize/renderButton, draws a plain button. */
function fakeGsi() {
  const g = { loads: [] as string[], config: null as any, parents: [] as HTMLElement[], fail: false }
  const id: GsiId = {
    initialize: (o) => (g.config = o),
    renderButton: (parent) => {
      g.parents.push(parent)
      const b = document.createElement('button')
      b.textContent = 'Sign in with Google'
      parent.appendChild(b)
    },
  }
  const loadScript = async (url: string) => {
    g.loads.push(url)
    if (g.fail) throw new Error('blocked')
    window.google = { accounts: { id } }
  }
  const credential = (c: string) => g.config.callback({ credential: c, select_by: 'btn' })
  return { g, loadScript, credential }
}

async function open(o: Parameters<typeof boot>[0]) {
  current = boot(o)
  current.w.open()
  await settle()
  return current
}

const call = (t: ReturnType<typeof boot>, path: string) => t.calls.filter((c) => c.path === path)
/** Whether the chat's composer shows (the chat has started). */
const chatting = (t: ReturnType<typeof boot>) => !t.root.querySelector<HTMLFormElement>('form.composer')!.hidden

describe('email sign-in', () => {
  it('shows the sign-in form instead of the pre-chat form, with labelled fields', async () => {
    const t = await open({ routes: routesWith(EMAIL_ONLY) })
    expect(t.q('prechat-start')).toBeNull()
    for (const id of ['signin-name', 'signin-email', 'signin-consent']) {
      const input = t.q<HTMLInputElement>(id)!
      expect(t.root.querySelector(`label[for="${input.id}"]`), id).not.toBeNull()
    }
    expect(t.q('signin-google')).toBeNull()
    expect(t.root.activeElement).toBe(t.q('signin-name'))
  })

  it('needs an email and the consent before asking for a code', async () => {
    const t = await open({ routes: routesWith(EMAIL_ONLY) })
    t.q('signin-send')!.click()
    await settle()
    expect(call(t, '/signin/email')).toHaveLength(0)
    expect(t.root.getElementById('vd-si-email-err')!.textContent).toBe('Enter your email address.')
    expect(t.root.getElementById('vd-si-consent-err')!.textContent).toMatch(/agree/)
    expect(t.root.activeElement).toBe(t.q('signin-consent'))
    typeInto(t.q<HTMLInputElement>('signin-email')!, 'ada@')
    t.q<HTMLInputElement>('signin-consent')!.click()
    t.q('signin-send')!.click()
    await settle()
    expect(call(t, '/signin/email')).toHaveLength(0)
    expect(t.q<HTMLInputElement>('signin-email')!.getAttribute('aria-invalid')).toBe('true')
  })

  it('emails a code, then starts the chat verified with the right one', async () => {
    const t = await open({ routes: routesWith(EMAIL_ONLY) })
    typeInto(t.q<HTMLInputElement>('signin-name')!, ' Ada ')
    typeInto(t.q<HTMLInputElement>('signin-email')!, ' ada@example.com ')
    t.q<HTMLInputElement>('signin-consent')!.click()
    t.q('signin-send')!.click()
    await settle()
    expect(call(t, '/signin/email')[0].body).toEqual({ inbox: 'inbox-1', email: 'ada@example.com', consent: true })
    // Step 2: the code, focused; resend waits for the server's resendIn.
    const code = t.q<HTMLInputElement>('signin-code')!
    expect(t.root.activeElement).toBe(code)
    expect(t.q('panel')!.textContent).toContain('We emailed a code to ada@example.com.')
    const resend = t.q<HTMLButtonElement>('signin-resend')!
    expect(resend.disabled).toBe(true)
    expect(resend.textContent).toBe('Send a new code (30 s)')
    expect(JSON.parse(t.storage.getItem(SIGNIN_KEY)!)).toMatchObject({ signin: 'si-1', email: 'ada@example.com', name: 'Ada' })

    typeInto(code, '123 456')
    t.q('signin-submit')!.click()
    await settle()
    expect(call(t, '/signin/code')[0].body).toEqual({ inbox: 'inbox-1', signin: 'si-1', code: '123456', name: 'Ada', timezone: expect.any(String) })
    expect(chatting(t)).toBe(true)
    expect(t.q('verified-badge')).not.toBeNull()
    expect(t.storage.getItem(SESSION_KEY)).toBe('tok-1')
    expect(t.storage.getItem(DEVICE_KEY)).toBe('dev-new')
    expect(t.storage.getItem(SIGNIN_KEY)).toBeNull()
    expect(FakeSocket.last.url).toBe('wss://desk.example.com/api/widget/v1/live')
  })

  it('sends the stored device token with the code', async () => {
    const t = await open({ routes: routesWith(EMAIL_ONLY), storage: { [DEVICE_KEY]: 'dev-old' } })
    typeInto(t.q<HTMLInputElement>('signin-email')!, 'ada@example.com')
    t.q<HTMLInputElement>('signin-consent')!.click()
    t.q('signin-send')!.click()
    await settle()
    typeInto(t.q<HTMLInputElement>('signin-code')!, '123456')
    t.q('signin-submit')!.click()
    await settle()
    expect(call(t, '/signin/code')[0].body.deviceToken).toBe('dev-old')
    expect(t.storage.getItem(DEVICE_KEY)).toBe('dev-new') // the server did not know it
  })

  it.each([
    [err(422, 'code_wrong', 'x', { attemptsLeft: 2 }), 'That code is not right. 2 attempts left.'],
    [err(410, 'code_expired', 'x'), 'That code no longer works. Send a new code.'],
    [err(409, 'no_code_pending', 'x'), 'This sign-in has expired. Send a new code.'],
    [err(429, 'too_many_wrong_codes', 'Too many wrong codes were typed for this email address. Try again in 5 minutes.'),
      'Too many wrong codes were typed for this email address. Try again in 5 minutes.'],
  ])('says what a refused code means (%#)', async (reply, text) => {
    const t = await open({ routes: routesWith(EMAIL_ONLY, { 'POST /signin/code': () => reply }) })
    typeInto(t.q<HTMLInputElement>('signin-email')!, 'ada@example.com')
    t.q<HTMLInputElement>('signin-consent')!.click()
    t.q('signin-send')!.click()
    await settle()
    const code = t.q<HTMLInputElement>('signin-code')!
    typeInto(code, '000000')
    t.q('signin-submit')!.click()
    await settle()
    const ferr = t.root.getElementById('vd-si-code-err')!
    expect(ferr.textContent).toBe(text)
    expect(ferr.getAttribute('aria-live')).toBe('polite')
    expect(code.getAttribute('aria-invalid')).toBe('true')
    expect(chatting(t)).toBe(false)
    expect(t.storage.getItem(SESSION_KEY)).toBeNull()
  })

  it('comes back to the code step after a reload, and resends to the same sign-in', async () => {
    const pending = { signin: 'si-1', email: 'ada@example.com', name: 'Ada', consent: true, sentAt: Date.now() - 40_000, resendIn: 30, expiresIn: 600 }
    const t = await open({ routes: routesWith(EMAIL_ONLY), storage: { [SIGNIN_KEY]: JSON.stringify(pending) } })
    const resend = t.q<HTMLButtonElement>('signin-resend')!
    expect(resend.disabled).toBe(false)
    resend.click()
    await settle()
    expect(call(t, '/signin/email')[0].body).toEqual({ inbox: 'inbox-1', email: 'ada@example.com', consent: true, signin: 'si-1' })
    expect(t.q('error')!.textContent).toBe('A new code is on its way to ada@example.com.')
    expect(t.q<HTMLButtonElement>('signin-resend')!.disabled).toBe(true)
  })

  it('starts over when the stored sign-in has expired, or on "Use another email"', async () => {
    const old = { signin: 'si-1', email: 'ada@example.com', name: '', consent: true, sentAt: Date.now() - 601_000, resendIn: 30, expiresIn: 600 }
    let t = await open({ routes: routesWith(EMAIL_ONLY), storage: { [SIGNIN_KEY]: JSON.stringify(old) } })
    expect(t.q('signin-code')).toBeNull()
    expect(t.storage.getItem(SIGNIN_KEY)).toBeNull()
    t.w.destroy()

    const fresh = { ...old, sentAt: Date.now() }
    t = current = await open({ routes: routesWith(EMAIL_ONLY), storage: { [SIGNIN_KEY]: JSON.stringify(fresh) } })
    t.q('signin-change-email')!.click()
    expect(t.q<HTMLInputElement>('signin-email')!.value).toBe('ada@example.com')
    expect(t.root.activeElement).toBe(t.q('signin-name'))
    expect(t.storage.getItem(SIGNIN_KEY)).toBeNull()
  })

  it('shows a throttled request in the polite region and holds the button for Retry-After', async () => {
    const t = await open({
      routes: routesWith(EMAIL_ONLY, {
        'POST /signin/email': () => ({ ...(err(429, 'rate_limited', 'This address got several emails from us in the last hour. Try again in 12 minutes.') as object), headers: { 'Retry-After': '700' } } as any),
      }),
    })
    typeInto(t.q<HTMLInputElement>('signin-email')!, 'ada@example.com')
    t.q<HTMLInputElement>('signin-consent')!.click()
    t.q('signin-send')!.click()
    await settle()
    expect(t.q('error')!.textContent).toBe('This address got several emails from us in the last hour. Try again in 12 minutes.')
    expect(t.q<HTMLButtonElement>('signin-send')!.disabled).toBe(true)
  })

  it('puts the server’s field errors under their field', async () => {
    const t = await open({
      routes: routesWith(EMAIL_ONLY, {
        'POST /signin/email': () => ({ status: 400, body: { error: { code: 'invalid_email', message: 'Enter a valid email address, like name@example.com.', field: 'email' } } }),
      }),
    })
    typeInto(t.q<HTMLInputElement>('signin-email')!, 'ada@exämple.com')
    t.q<HTMLInputElement>('signin-consent')!.click()
    t.q('signin-send')!.click()
    await settle()
    expect(t.root.getElementById('vd-si-email-err')!.textContent).toBe('Enter a valid email address, like name@example.com.')
    expect(t.q<HTMLInputElement>('signin-consent')!.checked).toBe(true)
  })

  it('shows what the server sent as text', async () => {
    const hostile = '<img src=x onerror=alert(1)>@example.com'
    const t = await open({
      routes: routesWith(EMAIL_ONLY, {
        'GET /inboxes/inbox-1': () => ({ status: 200, body: inbox({ signin: EMAIL_ONLY, consent: { required: true, text: '<b>agree</b>' } }) }),
        'POST /signin/email': () => ({ status: 202, body: { signin: 'si-1', email: hostile, codeExpiresIn: 600, resendIn: 30 } }),
      }),
    })
    expect(t.root.querySelector('label[for="vd-si-consent"]')!.textContent).toBe('<b>agree</b>')
    typeInto(t.q<HTMLInputElement>('signin-email')!, 'ada@example.com')
    t.q<HTMLInputElement>('signin-consent')!.click()
    t.q('signin-send')!.click()
    await settle()
    expect(t.root.querySelector('.em')!.textContent).toBe(hostile)
    expect(t.root.querySelectorAll('img, b').length).toBe(0)
  })
})

describe('Google Sign-In', () => {
  it('loads Google’s script from the inbox answer and draws the button in the page DOM, slotted in', async () => {
    const f = fakeGsi()
    const t = await open({ routes: routesWith(GOOGLE_ONLY), options: { loadScript: f.loadScript } })
    await settle()
    expect(f.g.loads).toEqual([GSI_URL])
    expect(f.g.config).toMatchObject({ client_id: CLIENT_ID, ux_mode: 'popup', auto_select: false })
    const host = t.w.host.querySelector('[data-testid="google-button-host"]') as HTMLElement
    expect(f.g.parents).toEqual([host])
    expect(host.parentElement).toBe(t.w.host) // light DOM
    expect(host.slot).toBe('vd-google')
    expect(t.q('signin-google')!.querySelector('slot[name="vd-google"]')).not.toBeNull()
    expect(t.q('signin-email')).toBeNull()
  })

  it('does not load Google’s script when Google Sign-In is off', async () => {
    const f = fakeGsi()
    await open({ routes: routesWith(EMAIL_ONLY), options: { loadScript: f.loadScript } })
    expect(f.g.loads).toEqual([])
  })

  it('posts the credential and starts the chat verified', async () => {
    const f = fakeGsi()
    const t = await open({ routes: routesWith(GOOGLE_ONLY), options: { loadScript: f.loadScript }, storage: { [DEVICE_KEY]: 'dev-1' } })
    await settle()
    typeInto(t.q<HTMLInputElement>('signin-name')!, 'Ada')
    t.q<HTMLInputElement>('signin-consent')!.click()
    f.credential('id-token')
    await settle()
    expect(call(t, '/signin/google')[0].body).toEqual({
      inbox: 'inbox-1', credential: 'id-token', consent: true, name: 'Ada', deviceToken: 'dev-1', timezone: expect.any(String),
    })
    expect(chatting(t)).toBe(true)
    expect(t.storage.getItem(SESSION_KEY)).toBe('tok-g')
    expect(t.storage.getItem(DEVICE_KEY)).toBe('dev-1')
  })

  it('asks for the consent first, and sends nothing without it', async () => {
    const f = fakeGsi()
    const t = await open({ routes: routesWith(GOOGLE_ONLY), options: { loadScript: f.loadScript } })
    await settle()
    f.credential('id-token')
    await settle()
    expect(call(t, '/signin/google')).toHaveLength(0)
    expect(t.root.getElementById('vd-si-consent-err')!.textContent).toMatch(/agree/)
  })

  it.each([
    ['google_token_invalid', 400, 'We could not confirm this Google sign-in. Please sign in with Google again.'],
    ['google_token_expired', 400, 'Your Google sign-in expired. Please sign in with Google again.'],
    ['google_email_unverified', 403, 'Google has not verified the email address of this account, so it cannot sign you in.'],
    ['google_token_used', 409, 'This Google sign-in was already used. Please sign in with Google again.'],
    ['signin_unavailable', 503, 'Google Sign-In cannot be checked right now. Please try again in a minute.'],
  ])('says why a credential was refused (%s)', async (code, status, message) => {
    const f = fakeGsi()
    const t = await open({
      routes: routesWith(GOOGLE_ONLY, { 'POST /signin/google': () => err(status, code, message) }),
      options: { loadScript: f.loadScript },
    })
    await settle()
    t.q<HTMLInputElement>('signin-consent')!.click()
    f.credential('bad')
    await settle()
    const line = t.q('signin-google-status')!
    expect(line.textContent).toBe(message)
    expect(line.getAttribute('aria-live')).toBe('polite')
    expect(line.classList.contains('bad')).toBe(true)
    expect(chatting(t)).toBe(false)
    expect(t.storage.getItem(SESSION_KEY)).toBeNull()
  })

  it('says when Google’s script cannot be loaded; email sign-in still works, and it can retry', async () => {
    const f = fakeGsi()
    f.g.fail = true
    const t = await open({ routes: routesWith(BOTH), options: { loadScript: f.loadScript } })
    await settle()
    const line = t.q('signin-google-status')!
    expect(line.textContent).toMatch(/Google Sign-In could not be loaded.*sign in with your email below/)
    f.g.fail = false
    t.q('signin-google-retry')!.click()
    await settle()
    expect(f.g.loads).toHaveLength(2)
    expect(f.g.parents).toHaveLength(1)

    typeInto(t.q<HTMLInputElement>('signin-email')!, 'ada@example.com')
    t.q<HTMLInputElement>('signin-consent')!.click()
    t.q('signin-send')!.click()
    await settle()
    expect(t.q('signin-code')).not.toBeNull()
  })
})

describe('the way in changes with the inbox', () => {
  it('moves to sign-in when POST /sessions answers signin_required', async () => {
    let signin: InboxSignin | null = null
    const routes: Routes = {
      ...routesWith(EMAIL_ONLY),
      'GET /inboxes/inbox-1': () => ({ status: 200, body: inbox({ signin }) }),
      'POST /sessions': () => err(403, 'signin_required', 'Please sign in to start a chat.'),
    }
    const t = await open({ routes })
    expect(t.q('prechat-start')).not.toBeNull()
    signin = EMAIL_ONLY
    t.q('prechat-start')!.click()
    await settle()
    expect(t.q('signin-email')).not.toBeNull()
  })

  it('asks for a sign-in again for the next chat', async () => {
    const t = await open({ routes: routesWith(EMAIL_ONLY), storage: { [SESSION_KEY]: 'tok-1' } })
    const ws = FakeSocket.last
    ws.open()
    ws.receive({ type: 'ready', state: state({ status: 'ended' }) })
    await settle()
    t.q('new-chat')!.click()
    expect(t.q('signin-email')).not.toBeNull()
  })
})
