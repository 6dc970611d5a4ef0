import { beforeEach, describe, expect, it, vi } from 'vitest'
import { render, screen, within } from '@testing-library/svelte'
import userEvent from '@testing-library/user-event'
import Shell from './Shell.svelte'
import * as api from '../api'
import { fakeEvents } from '../../test/apiMock'
import {
  conversation,
  conversationDetail,
  deliveryLog,
  inboxSettings,
  mailSettings,
  overview,
  pendingSender,
  readyState,
  senderState,
} from '../../test/fixtures'

vi.mock('../api', async (importOriginal) =>
  (await import('../../test/apiMock')).mockCalls(await importOriginal()),
)

const m = vi.mocked(api)
const getOverview = m.getOverview

let events: ReturnType<typeof fakeEvents>

beforeEach(() => {
  events = fakeEvents(m.subscribe)
  m.listConversations.mockResolvedValue([])
  m.searchContacts.mockResolvedValue({ query: '', contacts: [], more: false })
  m.getDataInfo.mockResolvedValue({
    folder: '/home/sam/.local/share/vouchdesk',
    database: '/home/sam/.local/share/vouchdesk/vouchdesk.db',
    bytes: 8192,
    backupsFolder: '/home/sam/.local/share/vouchdesk/backups',
    canManage: true,
  })
  m.getCountry.mockResolvedValue('')
  m.getRegulatory.mockResolvedValue({ doubleOptIn: false, consentText: '' })
  m.getSenderState.mockResolvedValue(senderState())
  m.getMailSettings.mockResolvedValue(mailSettings())
  m.getDeliveryLog.mockResolvedValue(deliveryLog())
  m.listInboxes.mockResolvedValue([
    inboxSettings(),
    inboxSettings({ id: 'ibx_2', name: 'Hotline', kind: 'phone' }),
  ])
})

function subnavButton(name: string) {
  const nav = screen.getByRole('navigation', { name: 'Organization sections' })
  return within(nav).getByRole('button', { name })
}

function navButton(name: string) {
  const nav = screen.getByRole('navigation', { name: 'Main' })
  return within(nav).getByRole('button', { name: new RegExp(`^${name}`) })
}

describe('Shell', () => {
  it('shows the organization and the signed-in agent in the header', async () => {
    getOverview.mockResolvedValue(overview())
    render(Shell, { setup: readyState() })
    const header = screen.getByRole('banner')
    expect(within(header).getByText('Acme Support')).toBeInTheDocument()
    expect(within(header).getByText('Sam Rivera')).toBeInTheDocument()
    expect(within(header).getByText('Owner')).toBeInTheDocument()
    await screen.findByRole('heading', { level: 1, name: 'Inbox' })
  })

  it('switches views from the navigation and marks the current one', async () => {
    const user = userEvent.setup()
    getOverview.mockResolvedValue(overview())
    render(Shell, { setup: readyState() })
    await screen.findByRole('heading', { level: 1, name: 'Inbox' })
    expect(navButton('Inbox')).toHaveAttribute('aria-current', 'page')

    for (const name of ['Contacts', 'Organization', 'Settings', 'Inbox']) {
      await user.click(navButton(name))
      expect(screen.getByRole('heading', { level: 1, name })).toBeInTheDocument()
      expect(navButton(name)).toHaveAttribute('aria-current', 'page')
      const others = ['Inbox', 'Contacts', 'Organization', 'Settings'].filter((n) => n !== name)
      for (const other of others) expect(navButton(other)).not.toHaveAttribute('aria-current')
    }
  })

  it('can be driven by keyboard alone', async () => {
    const user = userEvent.setup()
    getOverview.mockResolvedValue(overview())
    render(Shell, { setup: readyState() })
    await screen.findByRole('heading', { level: 1, name: 'Inbox' })
    navButton('Inbox').focus()
    await user.tab()
    expect(navButton('Contacts')).toHaveFocus()
    await user.keyboard('{Enter}')
    expect(screen.getByRole('heading', { level: 1, name: 'Contacts' })).toBeInTheDocument()
    await user.tab()
    await user.keyboard(' ')
    expect(screen.getByRole('heading', { level: 1, name: 'Organization' })).toBeInTheDocument()
  })

  it('Inbox: honest empty state naming the chat inbox', async () => {
    getOverview.mockResolvedValue(overview())
    render(Shell, { setup: readyState() })
    expect(await screen.findByRole('heading', { name: 'No conversations yet' })).toBeInTheDocument()
    const main = screen.getByRole('main')
    expect(main).toHaveTextContent('starts a chat through the widget of the Website inbox')
    expect(main).not.toHaveTextContent('Hotline')
  })

  it('Inbox: lists the conversations and counts the open ones in the navigation', async () => {
    getOverview.mockResolvedValue(
      overview({ counts: { contacts: 4, pendingContacts: 0, conversations: 7, openConversations: 3 } }),
    )
    m.listConversations.mockResolvedValue([conversation({ title: 'Ada Byron' })])
    render(Shell, { setup: readyState() })
    expect(await screen.findByRole('button', { name: /Ada Byron/ })).toBeInTheDocument()
    expect(m.listConversations).toHaveBeenCalledWith('open')
    expect(screen.queryByText('No conversations yet')).not.toBeInTheDocument()
    expect(navButton('Inbox')).toHaveTextContent('3')
  })

  it('Inbox: a chat change refreshes the open count in the navigation', async () => {
    getOverview.mockResolvedValue(overview())
    render(Shell, { setup: readyState() })
    await screen.findByRole('heading', { name: 'No conversations yet' })
    getOverview.mockResolvedValue(
      overview({ counts: { contacts: 0, pendingContacts: 0, conversations: 1, openConversations: 1 } }),
    )
    m.listConversations.mockResolvedValue([conversation()])
    events.emit('chat:changed')
    await vi.waitFor(() => expect(navButton('Inbox')).toHaveTextContent('1'))
    expect(await screen.findByRole('button', { name: /Ada Byron/ })).toBeInTheDocument()
  })

  it('Inbox: without a sender email, the verify actions lead to Organization → Address', async () => {
    const user = userEvent.setup()
    getOverview.mockResolvedValue(
      overview({ counts: { contacts: 1, pendingContacts: 0, conversations: 1, openConversations: 1 } }),
    )
    m.listConversations.mockResolvedValue([conversation()])
    m.openConversation.mockResolvedValue(
      conversationDetail({
        actions: {
          canEmail: false,
          mailBlockedReason: 'Set up and verify a sender email in Address',
          codePending: false,
          linkPending: false,
          emailRequested: false,
        },
      }),
    )
    m.markConversationRead.mockResolvedValue()
    render(Shell, { setup: readyState() })
    await user.click(await screen.findByRole('button', { name: /Ada Byron/ }))
    const contact = await screen.findByRole('complementary', { name: 'Contact' })
    await user.click(within(contact).getByRole('button', { name: 'Address' }))
    expect(screen.getByRole('heading', { level: 1, name: 'Organization' })).toBeInTheDocument()
    expect(subnavButton('Address')).toHaveAttribute('aria-current', 'page')
  })

  it('Contacts: empty state with the pending double opt-in count', async () => {
    const user = userEvent.setup()
    getOverview.mockResolvedValue(
      overview({ counts: { contacts: 0, pendingContacts: 3, conversations: 0, openConversations: 0 } }),
    )
    render(Shell, { setup: readyState() })
    await screen.findByRole('heading', { level: 1, name: 'Inbox' })
    await user.click(navButton('Contacts'))
    expect(await screen.findByRole('heading', { name: 'No contacts yet' })).toBeInTheDocument()
    expect(screen.getByText('3 awaiting double opt-in confirmation')).toBeInTheDocument()
  })

  it('Contacts: no pending line when nobody is pending', async () => {
    const user = userEvent.setup()
    getOverview.mockResolvedValue(overview())
    render(Shell, { setup: readyState() })
    await screen.findByRole('heading', { level: 1, name: 'Inbox' })
    await user.click(navButton('Contacts'))
    expect(await screen.findByRole('heading', { name: 'No contacts yet' })).toBeInTheDocument()
    expect(screen.queryByText(/awaiting double opt-in/)).not.toBeInTheDocument()
  })

  it('Organization: the name and an honest "No sender email yet" under Address', async () => {
    const user = userEvent.setup()
    getOverview.mockResolvedValue(overview())
    render(Shell, { setup: readyState() })
    await screen.findByRole('heading', { level: 1, name: 'Inbox' })
    await user.click(navButton('Organization'))
    const main = screen.getByRole('main')
    expect(within(main).getByText('Acme Support')).toBeInTheDocument()
    expect(subnavButton('Address')).toHaveAttribute('aria-current', 'page')
    expect(within(main).getByRole('heading', { name: 'Address' })).toBeInTheDocument()
    expect(within(main).getByRole('heading', { name: 'Sender’s Email' })).toBeInTheDocument()
    expect(await within(main).findByRole('heading', { name: 'No sender email yet' })).toBeInTheDocument()
    expect(main).toHaveTextContent(/transcripts and email sign-in/i)
    expect(within(main).getByRole('button', { name: 'Add sender email' })).toBeInTheDocument()
  })

  it('Organization: the sub-navigation opens Mail accounts and Delivery log', async () => {
    const user = userEvent.setup()
    getOverview.mockResolvedValue(overview())
    render(Shell, { setup: readyState() })
    await screen.findByRole('heading', { level: 1, name: 'Inbox' })
    await user.click(navButton('Organization'))
    await user.click(subnavButton('Mail accounts'))
    expect(subnavButton('Mail accounts')).toHaveAttribute('aria-current', 'page')
    expect(subnavButton('Address')).not.toHaveAttribute('aria-current')
    expect(await screen.findByRole('region', { name: 'Outgoing mail (SMTP)' })).toBeInTheDocument()
    await user.click(subnavButton('Delivery log'))
    expect(await screen.findByRole('heading', { name: 'No emails yet' })).toBeInTheDocument()
    // The section survives a trip elsewhere.
    await user.click(navButton('Inbox'))
    await user.click(navButton('Organization'))
    expect(subnavButton('Delivery log')).toHaveAttribute('aria-current', 'page')
  })

  it('Organization: the mail accounts are read-only for an agent', async () => {
    const user = userEvent.setup()
    getOverview.mockResolvedValue(overview())
    render(Shell, { setup: readyState({ me: { id: 'a', name: 'Ana', email: 'ana@acme.example', role: 'agent' } }) })
    await screen.findByRole('heading', { level: 1, name: 'Inbox' })
    await user.click(navButton('Organization'))
    await user.click(subnavButton('Mail accounts'))
    expect(await screen.findByText('Only owners and admins can change this.')).toBeInTheDocument()
  })

  it('Organization: shows a pending sender email and its status', async () => {
    const user = userEvent.setup()
    getOverview.mockResolvedValue(overview())
    m.getSenderState.mockResolvedValue(senderState({ pending: pendingSender() }))
    render(Shell, { setup: readyState() })
    await screen.findByRole('heading', { level: 1, name: 'Inbox' })
    await user.click(navButton('Organization'))
    expect(await screen.findByText('support@acme.example')).toBeInTheDocument()
    expect(screen.getByText('Unverified')).toBeInTheDocument()
  })

  it('Settings: regulatory, data folder, inboxes with their kind and toggles, and version', async () => {
    const user = userEvent.setup()
    getOverview.mockResolvedValue(overview())
    render(Shell, { setup: readyState() })
    await screen.findByRole('heading', { level: 1, name: 'Inbox' })
    await user.click(navButton('Settings'))
    const main = screen.getByRole('main')
    expect(within(main).getByRole('heading', { name: 'Regulatory' })).toBeInTheDocument()
    expect(within(main).getByRole('heading', { name: 'Data' })).toBeInTheDocument()
    expect(within(main).getByRole('heading', { name: 'Inboxes' })).toBeInTheDocument()
    expect(await within(main).findByText('/home/sam/.local/share/vouchdesk')).toBeInTheDocument()
    expect(within(main).getByText('0.1.0')).toBeInTheDocument()
    const items = await within(main).findAllByRole('listitem')
    expect(items.map((li) => within(li).getByRole('heading').textContent)).toEqual(['Website', 'Hotline'])
    expect(within(items[0]).getByText('Chat')).toBeInTheDocument()
    expect(within(items[1]).getByText('Phone')).toBeInTheDocument()
    expect(within(items[0]).getAllByRole('switch')).toHaveLength(3)
  })

  it('Settings: the gate’s "Address" link opens Organization → Address', async () => {
    const user = userEvent.setup()
    getOverview.mockResolvedValue(overview())
    render(Shell, { setup: readyState() })
    await screen.findByRole('heading', { level: 1, name: 'Inbox' })
    await user.click(navButton('Organization'))
    await user.click(subnavButton('Delivery log'))
    await user.click(navButton('Settings'))
    const [first] = await within(screen.getByRole('main')).findAllByRole('listitem')
    await user.click(within(first).getByRole('button', { name: 'Address' }))
    expect(screen.getByRole('heading', { level: 1, name: 'Organization' })).toBeInTheDocument()
    expect(navButton('Organization')).toHaveAttribute('aria-current', 'page')
    expect(subnavButton('Address')).toHaveAttribute('aria-current', 'page')
    expect(screen.getByRole('heading', { level: 2, name: 'Address' })).toHaveFocus()
    expect(await screen.findByRole('heading', { name: 'Sender’s Email' })).toBeInTheDocument()
  })

  it('reports a failed Overview and retries', async () => {
    const user = userEvent.setup()
    getOverview.mockRejectedValueOnce(new api.ApiError('unknown', 'engine stopped'))
    getOverview.mockResolvedValueOnce(overview())
    render(Shell, { setup: readyState() })
    expect(await screen.findByRole('alert')).toHaveTextContent('engine stopped')
    await user.click(screen.getByRole('button', { name: 'Try again' }))
    expect(await screen.findByRole('heading', { name: 'No conversations yet' })).toBeInTheDocument()
  })
})
