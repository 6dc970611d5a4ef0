// The Mail and Inboxes calls and event subscription, against a stubbed
// window.go / window.runtime the way the Wails window provides them.
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  ApiError,
  getDeliveryLog,
  getGoogleClientId,
  getMailHealth,
  getMailSettings,
  getSenderState,
  listInboxes,
  resendSenderLink,
  saveSmtp,
  setGoogleClientId,
  setInboxToggle,
  setSender,
  subscribe,
  testImap,
} from './index'

type Bound = Record<string, (...args: unknown[]) => unknown>
type W = { go?: unknown; runtime?: unknown }

function stubGo(mail: Bound = {}, inboxes: Bound = {}) {
  ;(window as unknown as W).go = { services: { Mail: mail, Inboxes: inboxes } }
}

afterEach(() => {
  delete (window as unknown as W).go
  delete (window as unknown as W).runtime
})

describe('mail api', () => {
  it('getSenderState turns nil senders into null', async () => {
    const mailbox = { configured: false, connected: false, lastError: '', mode: '', lastErrorAt: '', retryingSince: '', lastPoll: '' }
    stubGo({ SenderState: () => Promise.resolve({ canManage: true, verified: null, pending: null, mailbox }) })
    await expect(getSenderState()).resolves.toEqual({
      canManage: true,
      verified: null,
      pending: null,
      mailbox: { configured: false, connected: false, lastError: '', mode: '', lastErrorAt: '', retryingSince: '', lastPoll: '' },
    })
  })

  it('setSender passes the address and keeps the sender views', async () => {
    const pending = {
      address: 'support@acme.example',
      status: 'unverified',
      verifiedAt: '',
      verifiedMethod: '',
      linkSentAt: '2026-05-09T10:00:00Z',
    }
    const SetSender = vi.fn(() =>
      Promise.resolve({ canManage: true, verified: null, pending, mailbox: { configured: true, connected: true, lastError: '', mode: '', lastErrorAt: '', retryingSince: '', lastPoll: '' } }),
    )
    stubGo({ SetSender })
    const state = await setSender('support@acme.example')
    expect(SetSender).toHaveBeenCalledWith('support@acme.example')
    expect(state.pending).toEqual(pending)
    expect(state.mailbox.configured).toBe(true)
  })

  it('a rate-limited resend becomes an ApiError with its message', async () => {
    stubGo({
      ResendSenderLink: () =>
        Promise.reject('{"code":"rate_limited","message":"A link was sent to this address moments ago."}'),
    })
    const err = await resendSenderLink().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({ code: 'rate_limited', message: 'A link was sent to this address moments ago.' })
  })

  it('getMailSettings keeps nil accounts as null; saveSmtp sends the request with a numeric port', async () => {
    stubGo({
      Settings: () => Promise.resolve({ smtp: null, imap: null, keyringAvailable: false, keyringProblem: 'No D-Bus' }),
      SaveSMTP: vi.fn(() =>
        Promise.resolve({
          smtp: { host: 'h', port: 465, tls: 'implicit', username: 'u', hasPassword: true },
          imap: null,
          keyringAvailable: true,
          keyringProblem: '',
        }),
      ),
    })
    await expect(getMailSettings()).resolves.toEqual({
      smtp: null,
      imap: null,
      bounce: null,
      keyringAvailable: false,
      keyringProblem: 'No D-Bus',
    })
    const req = { host: 'h', port: 465, tls: 'implicit' as const, username: 'u', password: 'p', address: '' }
    const saved = await saveSmtp(req)
    const go = (window as unknown as { go: { services: { Mail: { SaveSMTP: ReturnType<typeof vi.fn> } } } }).go
    expect(go.services.Mail.SaveSMTP).toHaveBeenCalledWith(expect.objectContaining(req))
    expect(saved.smtp).toEqual({ host: 'h', port: 465, tls: 'implicit', username: 'u', hasPassword: true })
  })

  it('a test result always has a message', async () => {
    stubGo({ TestIMAP: () => Promise.resolve({ ok: false, message: '' }) })
    await expect(testImap()).resolves.toEqual({ ok: false, message: 'The connection failed.' })
  })

  it('getDeliveryLog turns a nil slice into []', async () => {
    stubGo({ DeliveryLog: () => Promise.resolve({ entries: null, workerError: 'relay refused' }) })
    await expect(getDeliveryLog()).resolves.toEqual({ entries: [], workerError: 'relay refused' })
  })

  it('getMailHealth turns nil into [] and narrows an unknown state and mode', async () => {
    const h = { purpose: 'imap', state: 'exploded', mode: 'telepathy', lastError: 'x', lastErrorAt: '', retryingSince: '', lastOkAt: '', observedAt: '' }
    stubGo({ MailHealth: () => Promise.resolve(null) })
    await expect(getMailHealth()).resolves.toEqual([])
    stubGo({ MailHealth: () => Promise.resolve([h]) })
    await expect(getMailHealth()).resolves.toEqual([{ ...h, state: 'retrying', mode: '' }])
    stubGo({ MailHealth: () => Promise.resolve([{ ...h, purpose: 'bounce', state: 'connected', mode: 'idle' }]) })
    await expect(getMailHealth()).resolves.toEqual([{ ...h, purpose: 'bounce', state: 'connected', mode: 'idle' }])
  })
})

describe('inboxes api', () => {
  it('listInboxes keeps each inbox with its mail gate; setInboxToggle passes its three arguments', async () => {
    const inbox = {
      id: 'ibx_1',
      name: 'Website',
      kind: 'chat',
      emailSignin: true,
      googleSignin: false,
      transcriptAfter: false,
      idleEndMinutes: 45,
      mailGate: { senderVerified: true, senderAddress: 'help@acme.example', message: '' },
      phoneNumber: '',
      hasAuthToken: false,
      voiceUrl: '',
      statusUrl: '',
      forwardTo: '',
    }
    const SetToggle = vi.fn(() => Promise.resolve(inbox))
    const hotline = {
      ...inbox,
      id: 'ibx_2',
      name: 'Hotline',
      kind: 'phone',
      emailSignin: false,
      idleEndMinutes: 0,
      mailGate: { senderVerified: false, senderAddress: '', message: '' },
    }
    stubGo({}, { List: () => Promise.resolve([hotline]), SetToggle })
    await expect(listInboxes()).resolves.toEqual([
      {
        id: 'ibx_2',
        name: 'Hotline',
        kind: 'phone',
        emailSignin: false,
        googleSignin: false,
        transcriptAfter: false,
        idleEndMinutes: 0,
        mailGate: { senderVerified: false, senderAddress: '', message: '' },
        phoneNumber: '',
        hasAuthToken: false,
        voiceUrl: '',
        statusUrl: '',
        forwardTo: '',
      },
    ])
    await expect(setInboxToggle('ibx_1', 'emailSignin', true)).resolves.toEqual(inbox)
    expect(SetToggle).toHaveBeenCalledWith('ibx_1', 'emailSignin', true)
  })

  it('listInboxes turns a nil slice into []', async () => {
    stubGo({}, { List: () => Promise.resolve(null) })
    await expect(listInboxes()).resolves.toEqual([])
  })

  it('gets and sets the Google client ID, passing field errors on', async () => {
    const SetGoogleClientID = vi.fn((id: unknown) => Promise.resolve(String(id).trim()))
    stubGo({}, { GoogleClientID: () => Promise.resolve(null), SetGoogleClientID })
    await expect(getGoogleClientId()).resolves.toBe('')
    await expect(setGoogleClientId(' 1-a.apps.googleusercontent.com ')).resolves.toBe('1-a.apps.googleusercontent.com')
    expect(SetGoogleClientID).toHaveBeenCalledWith(' 1-a.apps.googleusercontent.com ')
    stubGo({}, {
      SetGoogleClientID: () => Promise.reject(JSON.stringify({ code: 'invalid_input', message: 'bad', field: 'clientId' })),
    })
    await expect(setGoogleClientId('x')).rejects.toMatchObject({ code: 'invalid_input', field: 'clientId' })
  })
})

describe('subscribe', () => {
  it('listens through the Wails runtime and returns its unsubscribe function', () => {
    const off = vi.fn()
    const EventsOnMultiple = vi.fn((_name: string, _cb: () => void, _max: number) => off)
    ;(window as unknown as W).runtime = { EventsOnMultiple }
    const handler = vi.fn()
    const stop = subscribe('sender:changed', handler)
    expect(EventsOnMultiple).toHaveBeenCalledWith('sender:changed', expect.any(Function), -1)
    EventsOnMultiple.mock.calls[0][1]()
    expect(handler).toHaveBeenCalledOnce()
    stop()
    expect(off).toHaveBeenCalledOnce()
  })

  it('is harmless outside the Wails window', () => {
    const stop = subscribe('outbox:changed', () => {})
    expect(() => stop()).not.toThrow()
  })
})
