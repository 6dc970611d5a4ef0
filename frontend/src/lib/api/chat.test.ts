// The Chat and Regulatory calls, against a stubbed window.go the way the
// Wails window provides it.
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  ApiError,
  endConversation,
  getRegulatory,
  listConversations,
  markConversationRead,
  markVerified,
  openConversation,
  requestEmail,
  saveRegulatory,
  sendMessage,
  sendVerifyCode,
  sendVerifyLink,
  setConversationEmail,
  subscribe,
} from './index'

type Bound = Record<string, (...args: unknown[]) => unknown>
type W = { go?: unknown; runtime?: unknown }

function stubGo(chat: Bound = {}, regulatory: Bound = {}) {
  ;(window as unknown as W).go = { services: { Chat: chat, Regulatory: regulatory } }
}

afterEach(() => {
  delete (window as unknown as W).go
  delete (window as unknown as W).runtime
})

const summary = {
  id: 'c1',
  inboxId: 'ibx_1',
  inboxName: 'Website',
  kind: 'chat',
  status: 'open',
  title: 'Ada',
  email: 'ada@example.com',
  typedEmail: '',
  panel: 'preliminary',
  unread: 2,
  lastMessage: 'Hello',
  lastActivityAt: '2026-05-09T10:00:00Z',
  startedAt: '2026-05-09T09:58:00Z',
  phone: '',
  callStatus: '',
  durationSeconds: 0,
}

// A panel as Go sends it: every field present, nil slices as null.
function goPanel(fields: Record<string, unknown>) {
  return {
    state: 'none',
    email: '',
    typedEmail: '',
    contactId: '',
    name: '',
    warning: '',
    reason: '',
    refused: false,
    verifiedLabel: '',
    method: '',
    verifiedAt: '',
    hiddenConversations: 0,
    hiddenFields: 0,
    fields: null,
    history: null,
    ...fields,
  }
}

describe('chat api', () => {
  it('listConversations passes the filter, turns nil into [] and sorts newest activity first', async () => {
    const List = vi.fn((_filter: unknown) => Promise.resolve(null))
    stubGo({ List })
    await expect(listConversations('ended')).resolves.toEqual([])
    expect(List).toHaveBeenCalledWith('ended')

    List.mockResolvedValueOnce([
      { ...summary, id: 'old', lastActivityAt: '2026-05-08T10:00:00Z' },
      { ...summary, id: 'new', lastActivityAt: '2026-05-09T11:00:00Z' },
      summary,
    ] as never)
    const rows = await listConversations('all')
    expect(rows.map((r) => r.id)).toEqual(['new', 'c1', 'old'])
    expect(rows[1]).toEqual(summary)
  })

  it('never takes an unknown panel state for verified', async () => {
    stubGo({
      List: () =>
        Promise.resolve([
          { ...summary, id: 'a', panel: 'trusted' },
          { ...summary, id: 'b', panel: undefined, email: '' },
          { ...summary, id: 'c', title: '' },
        ]),
    })
    const rows = await listConversations('open')
    expect(rows.find((r) => r.id === 'a')?.panel).toBe('preliminary')
    expect(rows.find((r) => r.id === 'b')?.panel).toBe('none')
    expect(rows.find((r) => r.id === 'c')?.title).toBe('Visitor')
  })

  it('openConversation fills nil slices and drops account data from a non-verified panel', async () => {
    const Open = vi.fn(() =>
      Promise.resolve({
        summary,
        messages: null,
        hasEarlier: false,
        panel: goPanel({
          state: 'preliminary',
          email: 'ada@example.com',
          name: 'Ada Lovelace',
          warning: 'Unverified: verify before discussing account details',
          reason: 'Not verified on this device',
          verifiedLabel: 'Verified by Email OTP',
          hiddenConversations: 3,
          hiddenFields: 2,
          fields: [{ kind: 'phone', value: '+44 20', verifiedLabel: '' }],
          history: [{ id: 'h', kind: 'chat', status: 'ended', startedAt: '', preview: 'secret' }],
        }),
        actions: { canEmail: false, mailBlockedReason: 'No sender', codePending: true, linkPending: false, emailRequested: false },
      }),
    )
    stubGo({ Open })
    const detail = await openConversation('c1')
    expect(Open).toHaveBeenCalledWith('c1')
    expect(detail.messages).toEqual([])
    expect(detail.panel).toMatchObject({
      state: 'preliminary',
      refused: false,
      name: '',
      verifiedLabel: '',
      fields: [],
      history: [],
      hiddenConversations: 3,
      hiddenFields: 2,
    })
    expect(detail.actions).toEqual({
      canEmail: false,
      mailBlockedReason: 'No sender',
      codePending: true,
      linkPending: false,
      emailRequested: false,
    })
  })

  it('openConversation keeps a verified panel with its fields and history', async () => {
    const panel = {
      state: 'verified',
      email: 'ada@example.com',
      typedEmail: '',
      contactId: 'ct1',
      name: 'Ada Lovelace',
      warning: '',
      reason: '',
      refused: false,
      verifiedLabel: 'Verified by Email OTP',
      method: 'email_otp',
      verifiedAt: '2026-05-09T10:01:00Z',
      hiddenConversations: 0,
      hiddenFields: 0,
      fields: [{ kind: 'email', value: 'ada@example.com', verifiedLabel: 'Verified by Email OTP' }],
      history: [{ id: 'h1', kind: 'chat', status: 'ended', startedAt: '2026-04-01T10:00:00Z', preview: 'Refund?' }],
    }
    const messages = [{ id: 'm1', from: 'customer', authorName: '', body: '<b>hi</b>', createdAt: '2026-05-09T10:00:00Z' }]
    const actions = { canEmail: true, mailBlockedReason: '', codePending: false, linkPending: false, emailRequested: false }
    stubGo({ Open: () => Promise.resolve({ summary, messages, hasEarlier: false, panel, actions }) })
    const detail = await openConversation('c1')
    expect(detail.panel).toEqual(panel)
    // A solo desk's messages carry no status: they read as sent.
    expect(detail.messages).toEqual(messages.map((m) => ({ ...m, status: '', problem: '' })))
  })

  it('openConversation keeps a team reply kept or refused, and reads an unknown status as sent', async () => {
    const messages = [
      { id: 'm1', from: 'agent', authorName: 'Sam', body: 'On my way', createdAt: '2026-05-09T10:00:00Z', status: 'kept' },
      { id: 'm2', from: 'agent', authorName: 'Sam', body: 'Done', createdAt: '2026-05-09T10:01:00Z', status: 'refused', problem: 'The chat\u202e ended.' },
      { id: 'm3', from: 'agent', authorName: 'Sam', body: 'Hm', createdAt: '2026-05-09T10:02:00Z', status: 'exploded' },
    ]
    stubGo({ Open: () => Promise.resolve({ summary, messages, hasEarlier: false, panel: { state: 'none', email: '' }, actions: {} }) })
    const detail = await openConversation('c1')
    expect(detail.messages.map((m) => [m.status, m.problem])).toEqual([
      ['kept', ''],
      ['refused', 'The chat ended.'],
      ['', ''],
    ])
  })

  it('openConversation rejects an empty answer and maps not_found', async () => {
    stubGo({ Open: () => Promise.resolve(null) })
    await expect(openConversation('c1')).rejects.toBeInstanceOf(ApiError)
    stubGo({ Open: () => Promise.reject('{"code":"not_found","message":"That conversation does not exist."}') })
    await expect(openConversation('x')).rejects.toMatchObject({ code: 'not_found' })
  })

  it('sendMessage passes id and body; maps invalid_input and conversation_ended', async () => {
    const Send = vi.fn((_id: unknown, body: unknown) =>
      Promise.resolve({ id: 'm2', from: 'agent', authorName: 'Sam', body, createdAt: '2026-05-09T10:02:00Z' }),
    )
    stubGo({ Send })
    await expect(sendMessage('c1', 'Hi there')).resolves.toEqual({
      id: 'm2',
      from: 'agent',
      authorName: 'Sam',
      body: 'Hi there',
      createdAt: '2026-05-09T10:02:00Z',
      status: '',
      problem: '',
    })
    expect(Send).toHaveBeenCalledWith('c1', 'Hi there')

    Send.mockRejectedValueOnce('{"code":"invalid_input","message":"Write a message.","field":"body"}' as never)
    await expect(sendMessage('c1', ' ')).rejects.toMatchObject({ code: 'invalid_input', field: 'body' })
    Send.mockRejectedValueOnce('{"code":"conversation_ended","message":"This chat has ended."}' as never)
    await expect(sendMessage('c1', 'x')).rejects.toMatchObject({ code: 'conversation_ended' })
  })

  it('the void calls pass the id through', async () => {
    const chat = {
      MarkRead: vi.fn(() => Promise.resolve()),
      End: vi.fn(() => Promise.resolve()),
      RequestEmail: vi.fn(() => Promise.resolve()),
      SendCode: vi.fn(() => Promise.resolve()),
      SendLink: vi.fn(() => Promise.resolve()),
    }
    stubGo(chat)
    await markConversationRead('c1')
    await endConversation('c2')
    await requestEmail('c3')
    await sendVerifyCode('c4')
    await sendVerifyLink('c5')
    expect(chat.MarkRead).toHaveBeenCalledWith('c1')
    expect(chat.End).toHaveBeenCalledWith('c2')
    expect(chat.RequestEmail).toHaveBeenCalledWith('c3')
    expect(chat.SendCode).toHaveBeenCalledWith('c4')
    expect(chat.SendLink).toHaveBeenCalledWith('c5')
  })

  it('sendVerifyCode maps no_sender, rate_limited and no_email', async () => {
    for (const code of ['no_sender', 'rate_limited', 'no_email']) {
      stubGo({ SendCode: () => Promise.reject(JSON.stringify({ code, message: `because ${code}` })) })
      await expect(sendVerifyCode('c1')).rejects.toMatchObject({ code, message: `because ${code}` })
    }
  })

  it('setConversationEmail and markVerified answer with the new panel', async () => {
    const SetEmail = vi.fn(() =>
      Promise.resolve(goPanel({ state: 'pending', email: 'new@example.com', reason: 'Waiting for confirmation' })),
    )
    const MarkVerified = vi.fn(() =>
      Promise.resolve(goPanel({ state: 'verified', email: 'new@example.com', verifiedLabel: 'Verified by Sam Rivera' })),
    )
    stubGo({ SetEmail, MarkVerified })
    const pending = await setConversationEmail('c1', 'new@example.com')
    expect(SetEmail).toHaveBeenCalledWith('c1', 'new@example.com')
    expect(pending).toMatchObject({ state: 'pending', email: 'new@example.com', fields: [], history: [] })
    const verified = await markVerified('c1', 'new@example.com')
    expect(MarkVerified).toHaveBeenCalledWith('c1', 'new@example.com')
    expect(verified).toMatchObject({ state: 'verified', verifiedLabel: 'Verified by Sam Rivera', fields: [] })

    SetEmail.mockRejectedValueOnce('{"code":"invalid_input","message":"Enter an email.","field":"email"}' as never)
    await expect(setConversationEmail('c1', 'nope')).rejects.toMatchObject({ field: 'email' })
  })
})

describe('regulatory api', () => {
  it('getRegulatory passes the settings through', async () => {
    stubGo({}, { Get: () => Promise.resolve({ doubleOptIn: true, consentText: '' }) })
    await expect(getRegulatory()).resolves.toEqual({ doubleOptIn: true, consentText: '' })
  })

  it('saveRegulatory sends both fields and maps forbidden and field errors', async () => {
    const Save = vi.fn((r: unknown) => Promise.resolve(r))
    stubGo({}, { Save })
    const saved = await saveRegulatory({ doubleOptIn: false, consentText: 'We store your email.' })
    expect(Save).toHaveBeenCalledWith(expect.objectContaining({ doubleOptIn: false, consentText: 'We store your email.' }))
    expect(saved).toEqual({ doubleOptIn: false, consentText: 'We store your email.' })

    Save.mockRejectedValueOnce('{"code":"forbidden","message":"Only an owner or an admin can change this."}')
    await expect(saveRegulatory(saved)).rejects.toMatchObject({ code: 'forbidden' })
    Save.mockRejectedValueOnce('{"code":"invalid_input","message":"At most 1000 characters.","field":"consentText"}')
    await expect(saveRegulatory(saved)).rejects.toMatchObject({ code: 'invalid_input', field: 'consentText' })
  })
})

describe('chat:changed', () => {
  it('subscribes through the Wails runtime', () => {
    const EventsOnMultiple = vi.fn((_name: string, _cb: () => void, _max: number) => () => {})
    ;(window as unknown as W).runtime = { EventsOnMultiple }
    const handler = vi.fn()
    subscribe('chat:changed', handler)
    expect(EventsOnMultiple).toHaveBeenCalledWith('chat:changed', expect.any(Function), -1)
    EventsOnMultiple.mock.calls[0][1]()
    expect(handler).toHaveBeenCalledOnce()
  })
})
