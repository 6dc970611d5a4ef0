/** ChatState: the session and device rules, and what the header and the composer read from it. */
import { describe, expect, it } from 'vitest'
import { ChatState } from './state'
import { Keys } from './storage'
import { inbox, memoryStorage, msg, state } from './testkit'
import { MAX_MESSAGE_CHARS } from '../../src/lib/textrules'

function chatState(init: Record<string, string> = {}) {
  const storage = memoryStorage(init)
  return { chat: new ChatState(new Keys('inbox-1', storage)), storage }
}

const answer = (over: { deviceRecognized?: boolean; deviceToken?: string } = {}) => ({
  session: 'tok-1',
  conversation: 'conv-1',
  deviceRecognized: true,
  state: state(),
  ...over,
})

describe('ChatState', () => {
  it('begin keeps the session in memory and in storage', () => {
    const { chat, storage } = chatState()
    chat.begin(answer())
    expect([chat.session, storage.getItem('vouchdesk:inbox-1:session')]).toEqual(['tok-1', 'tok-1'])
  })

  it.each([
    ['a device the server no longer knows is dropped', { 'vouchdesk:inbox-1:device': 'dev-old' }, { deviceRecognized: false }, null],
    ['a recognized device is kept', { 'vouchdesk:inbox-1:device': 'dev-old' }, { deviceRecognized: true }, 'dev-old'],
    ['a device the server made is stored', {}, { deviceRecognized: false, deviceToken: 'dev-new' }, 'dev-new'],
    ['an unknown device is replaced by the new one', { 'vouchdesk:inbox-1:device': 'dev-old' }, { deviceRecognized: false, deviceToken: 'dev-new' }, 'dev-new'],
  ])('begin: %s', (_name, init, over, want) => {
    const { chat, storage } = chatState(init)
    chat.begin(answer(over))
    expect(storage.getItem('vouchdesk:inbox-1:device')).toBe(want)
  })

  it('forget drops the session but keeps the device, which still proves the email', () => {
    const { chat, storage } = chatState({ 'vouchdesk:inbox-1:device': 'dev-1' })
    chat.begin(answer())
    chat.forget()
    expect([chat.session, storage.getItem('vouchdesk:inbox-1:session'), storage.getItem('vouchdesk:inbox-1:device')]).toEqual([
      null,
      null,
      'dev-1',
    ])
  })

  it('reset forgets the previous chat: messages, state, agent, connection trouble', () => {
    const { chat } = chatState()
    chat.msgs.add(msg(), true)
    chat.state = state()
    chat.lastAgent = 'Olive'
    chat.liveDown = chat.sendDown = true
    chat.reset()
    expect([chat.msgs.size, chat.msgs.cursor, chat.state, chat.lastAgent, chat.liveDown, chat.sendDown]).toEqual([0, '', null, '', false, false])
  })

  it('reconnecting only on the chat screen', () => {
    const { chat } = chatState()
    chat.liveDown = true
    chat.phase = 'prechat'
    expect(chat.reconnecting).toBe(false)
    chat.phase = 'chat'
    expect(chat.reconnecting).toBe(true)
  })

  it.each([
    ['before a chat: the inbox', null, '', 'Website chat'],
    ['the agent of the state', state({ agentName: 'Olive' }), 'Bob', 'You’re chatting with Olive'],
    ['else the newest agent who wrote', state(), 'Bob', 'You’re chatting with Bob'],
    ['no agent yet: the inbox', state(), '', 'Website chat'],
  ])('who: %s', (_name, s, lastAgent, want) => {
    const { chat } = chatState()
    chat.inbox = inbox()
    chat.lastAgent = lastAgent
    expect(chat.who(s)).toBe(want)
  })

  it.each([
    [{ messageChars: 500 }, 500],
    [{ messageChars: 0 }, MAX_MESSAGE_CHARS],
    [undefined, MAX_MESSAGE_CHARS],
  ])('limit with inbox limits %o = %d', (limits, want) => {
    const { chat } = chatState()
    chat.inbox = inbox({ limits: limits as never })
    expect(chat.limit()).toBe(want)
  })
})
