import { describe, expect, it, vi } from 'vitest'
import { render, screen, within } from '@testing-library/svelte'
import userEvent from '@testing-library/user-event'
import ContactsView from '../ContactsView.svelte'
import * as api from '../../api'
import { contactDetail } from '../../../test/fixtures'

vi.mock('../../api', async (importOriginal) =>
  (await import('../../../test/apiMock')).mockCalls(await importOriginal()),
)

const m = vi.mocked(api)
const counts = { contacts: 2, pendingContacts: 0, conversations: 3, openConversations: 1 }

const ada: api.ContactSummary = { id: 'ct_1', name: 'Ada Lovelace', emails: ['ada@example.com'], phones: [], verified: true, status: 'active' }
const bob: api.ContactSummary = { id: 'ct_2', name: '', emails: [], phones: ['+1 202-555-0143'], verified: true, status: 'active' }

describe('ContactsView', () => {
  it('searches as you type and shows the chosen contact with its timeline', async () => {
    const user = userEvent.setup()
    m.subscribe.mockReturnValue(() => {})
    m.searchContacts.mockImplementation(async (q) => ({
      query: q,
      contacts: q === '' ? [ada, bob] : [ada, bob].filter((c) => [c.name, ...c.emails, ...c.phones].join(' ').toLowerCase().includes(q.toLowerCase())),
      more: false,
    }))
    m.getContact.mockResolvedValue(contactDetail())
    m.getTimeline.mockResolvedValue({
      items: [
        { id: 'k1', kind: 'call', at: '2026-05-09T10:00:00Z', title: 'Call from +1 202-555-0143 (3m 12s)', detail: '', channel: 'Support line',
          method: 'system', conversationId: 'cnv_2', status: 'completed', durationSeconds: 192, mergeId: '', canUndo: false },
        { id: 'k2', kind: 'merge', at: '2026-05-09T09:00:00Z', title: 'Merged Caller into this contact', detail: '', channel: '',
          method: '', conversationId: '', status: '', durationSeconds: 0, mergeId: 'mrg_1', canUndo: true },
      ],
      next: '',
    })
    render(ContactsView, { counts })
    const list = await screen.findByRole('list', { name: 'Contacts' })
    expect(await within(list).findByText('Ada Lovelace')).toBeInTheDocument()
    // A contact without a name goes by its phone number.
    expect(within(list).getAllByText('+1 202-555-0143').length).toBeGreaterThan(0)

    await user.type(screen.getByRole('searchbox', { name: 'Search contacts' }), '555')
    expect(m.searchContacts).toHaveBeenLastCalledWith('555')
    expect(m.searchContacts).toHaveBeenCalledWith('5')
    await vi.waitFor(() => expect(within(list).queryByText('Ada Lovelace')).not.toBeInTheDocument())

    await user.click(within(list).getByRole('button', { name: /202-555-0143/ }))
    const items = await screen.findAllByTestId('timeline-item')
    expect(items).toHaveLength(2)
    expect(items[0]).toHaveTextContent('Call from +1 202-555-0143 (3m 12s)')
    expect(within(items[1]).getByRole('button', { name: /Undo merge/ })).toBeInTheDocument()
  })

  it('an answer to an older keystroke never replaces a newer one', async () => {
    const user = userEvent.setup()
    m.subscribe.mockReturnValue(() => {})
    let releaseSlow: () => void = () => {}
    m.searchContacts.mockImplementation(async (q) => {
      if (q === 'a') await new Promise<void>((r) => (releaseSlow = r))
      return { query: q, contacts: q === 'a' ? [ada, bob] : q === '' ? [] : [ada], more: false }
    })
    render(ContactsView, { counts })
    const box = await screen.findByRole('searchbox', { name: 'Search contacts' })
    await user.type(box, 'ad')
    const list = screen.getByRole('list', { name: 'Contacts' })
    expect(await within(list).findByText('Ada Lovelace')).toBeInTheDocument()
    releaseSlow()
    await new Promise((r) => setTimeout(r, 20))
    expect(within(list).getAllByRole('listitem')).toHaveLength(1)
  })

  it('says when nothing matches', async () => {
    const user = userEvent.setup()
    m.subscribe.mockReturnValue(() => {})
    m.searchContacts.mockImplementation(async (q) => ({ query: q, contacts: q === '' ? [ada] : [], more: false }))
    render(ContactsView, { counts })
    await user.type(await screen.findByRole('searchbox', { name: 'Search contacts' }), 'zed')
    expect(await screen.findByText('No contact matches “zed”.')).toBeInTheDocument()
  })
})
