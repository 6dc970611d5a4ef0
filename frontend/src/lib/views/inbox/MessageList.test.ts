import { describe, expect, it } from 'vitest'
import { render, screen, within } from '@testing-library/svelte'
import MessageList from './MessageList.svelte'
import { chatMessage, conversationSummary } from '../../api/clean'
import { conversation } from '../../../test/fixtures'

const HIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b\u202a-\u202e\u2066-\u2069\ufeff]/

// Rows stored before the server cleaned input may hold NUL, ESC and direction overrides: what
// the bindings hand over is cleaned on the way in and shown isolated from the interface.
describe('MessageList with hidden characters in stored rows', () => {
  const raw = {
    id: 'm1',
    from: 'customer',
    authorName: 'Ada\u202e\u2066 Lovelace',
    body: 'pay\u0000 \u001b[2Jnow \u202eexe.fdp\u202c\r\nbye\u200b',
    createdAt: '2026-05-09T11:00:00Z',
  }

  it('shows the letters without the hidden characters, each text isolated with dir="auto"', () => {
    const m = chatMessage(raw)
    render(MessageList, { messages: [m], customerName: 'Visitor', now: new Date('2026-05-09T12:00:00Z') })
    const item = within(screen.getByRole('log', { name: 'Messages' })).getByRole('listitem')
    const body = item.querySelector('.body') as HTMLElement
    const author = item.querySelector('.author') as HTMLElement
    expect(body.textContent).toBe('pay [2Jnow exe.fdp\nbye')
    expect(author.textContent).toBe('Ada Lovelace')
    expect(item.textContent).not.toMatch(HIDDEN)
    expect(body.getAttribute('dir')).toBe('auto')
    expect(author.getAttribute('dir')).toBe('auto')
  })

  it('cleans the conversation title and preview the list shows', () => {
    const c = conversationSummary(conversation({ id: 'c1', title: 'Eve\u202e\u0000', lastMessage: 'hi\u001b[31m' }))
    expect(c.title).toBe('Eve')
    expect(c.lastMessage).toBe('hi[31m')
  })
})
