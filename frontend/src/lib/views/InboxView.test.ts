import { beforeEach, describe, expect, it, vi } from 'vitest'
import { render, screen, within } from '@testing-library/svelte'
import userEvent from '@testing-library/user-event'
import InboxView from './InboxView.svelte'
import * as api from '../api'
import { fakeEvents } from '../../test/apiMock'
import { conversation, conversationDetail, message, verifiedPanel } from '../../test/fixtures'

vi.mock('../api', async (importOriginal) =>
  (await import('../../test/apiMock')).mockCalls(await importOriginal()),
)

const m = vi.mocked(api)
const counts = (conversations: number) => ({ contacts: 0, pendingContacts: 0, conversations, openConversations: conversations })
const inboxes: api.Inbox[] = [
  { id: 'ibx_1', name: 'Website', kind: 'chat' },
  { id: 'ibx_2', name: 'Hotline', kind: 'phone' },
]

let events: ReturnType<typeof fakeEvents>

beforeEach(() => {
  events = fakeEvents(m.subscribe)
  m.markConversationRead.mockResolvedValue()
})

function show(total = 2) {
  const onOpenAddress = vi.fn()
  render(InboxView, { counts: counts(total), inboxes, agentName: 'Sam Rivera', onOpenAddress })
  return { onOpenAddress }
}

const list = () => screen.getByRole('list', { name: 'Conversations' })
const row = (name: string | RegExp) => within(list()).getByRole('button', { name })

async function openAda(detail = conversationDetail()) {
  const user = userEvent.setup()
  m.listConversations.mockResolvedValue([detail.summary])
  m.openConversation.mockResolvedValue(detail)
  show()
  await user.click(await screen.findByRole('button', { name: new RegExp(detail.summary.title.replace(/[<>()]/g, '.')) }))
  await screen.findByRole('log', { name: 'Messages' })
  return user
}

describe('Inbox', () => {
  it('none at all: the honest empty state, naming the chat inbox, with the /demo hint', async () => {
    m.listConversations.mockResolvedValue([])
    show(0)
    expect(await screen.findByRole('heading', { name: 'No conversations yet' })).toBeInTheDocument()
    const text = (document.body.textContent ?? '').replace(/\s+/g, ' ')
    expect(text).toContain('starts a chat through the widget of the Website inbox')
    expect(text).not.toContain('Hotline')
    expect(text).toContain('open /demo on the widget server (by default http://127.0.0.1:8470/demo) in a browser next to this window, and chat with yourself')
    expect(screen.queryByRole('tablist')).not.toBeInTheDocument()
  })

  it('lists the open conversations first, newest activity first, and switches filters', async () => {
    const user = userEvent.setup()
    m.listConversations.mockResolvedValue([
      conversation({ id: 'b', title: 'Bob' }),
      conversation({ id: 'a', title: 'Ada' }),
    ])
    show()
    await screen.findByRole('button', { name: /Bob/ })
    expect(m.listConversations).toHaveBeenCalledWith('open')
    expect(within(list()).getAllByRole('button').map((b) => b.querySelector('.title')?.textContent)).toEqual(['Bob', 'Ada'])

    m.listConversations.mockResolvedValue([conversation({ id: 'c', title: 'Cy', status: 'ended' })])
    await user.click(screen.getByRole('tab', { name: 'Ended' }))
    expect(m.listConversations).toHaveBeenLastCalledWith('ended')
    expect(await screen.findByRole('button', { name: /Cy/ })).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: /Bob/ })).not.toBeInTheDocument()

    m.listConversations.mockResolvedValue([])
    await user.click(screen.getByRole('tab', { name: 'All' }))
    expect(m.listConversations).toHaveBeenLastCalledWith('all')
    expect(await screen.findByRole('heading', { name: 'No conversations yet' })).toBeInTheDocument()
  })

  it('an empty filter is not "no conversations yet" when there are others', async () => {
    m.listConversations.mockResolvedValue([])
    show(4)
    expect(await screen.findByText('No open conversations.')).toBeInTheDocument()
    expect(screen.queryByRole('heading', { name: 'No conversations yet' })).not.toBeInTheDocument()
  })

  it('opening a conversation shows it, marks it read and marks the row current', async () => {
    const detail = conversationDetail({
      summary: { unread: 2 },
      messages: [
        message({ id: 'm1', from: 'customer', body: 'Where is my order?' }),
        message({ id: 'm2', from: 'system', body: 'Sam Rivera joined' }),
        message({ id: 'm3', from: 'agent', authorName: 'Sam Rivera', body: 'Let me check.' }),
      ],
    })
    await openAda(detail)
    expect(m.openConversation).toHaveBeenCalledWith('cnv_1')
    expect(m.markConversationRead).toHaveBeenCalledWith('cnv_1')
    expect(row(/Ada Byron/)).toHaveAttribute('aria-current', 'true')
    expect(row(/Ada Byron/)).not.toHaveTextContent('unread')

    const header = screen.getByRole('heading', { level: 2, name: 'Ada Byron' }).closest('header')!
    expect(header).toHaveTextContent('ada@example.com')
    expect(header).toHaveTextContent('Website')
    expect(header).toHaveTextContent('Open')
    expect(within(header).getByRole('button', { name: 'End chat' })).toBeInTheDocument()

    const items = within(screen.getByRole('log', { name: 'Messages' })).getAllByRole('listitem')
    expect(items.map((li) => li.className.match(/from-\w+/)?.[0])).toEqual(['from-customer', 'from-system', 'from-agent'])
    expect(items[0]).toHaveTextContent('Ada Byron')
    expect(items[2]).toHaveTextContent('Sam Rivera')
    expect(screen.getByRole('complementary', { name: 'Contact' })).toHaveTextContent('Unverified')
  })

  it('renders customer text as text: a script title and an img body stay literal', async () => {
    const title = '<script>x</script>'
    const body = '<img src=x onerror=alert(1)>'
    const detail = conversationDetail({
      summary: { title, email: '<b>e</b>@example.com', lastMessage: body, inboxName: '<i>Web</i>' },
      messages: [message({ body }), message({ id: 'm2', from: 'agent', authorName: '<u>Sam</u>', body: `${body}\n<script>y</script>` })],
      panel: verifiedPanel({
        name: '<svg onload=alert(1)>',
        history: [{ id: 'h', kind: 'chat', status: 'ended', startedAt: '', preview: body }],
      }),
    })
    await openAda(detail)
    expect(document.querySelector('img, script, svg[onload], b, i, u')).toBeNull()
    expect(within(list()).getByText(title)).toBeInTheDocument()
    expect(within(list()).getByText(body)).toBeInTheDocument()
    expect(screen.getByRole('heading', { level: 2, name: title })).toBeInTheDocument()
    const log = screen.getByRole('log')
    expect(within(log).getAllByText(body)).toHaveLength(1)
    expect(within(log).getByText(`${body} <script>y</script>`, { normalizer: (s) => s.replace(/\s+/g, ' ') })).toBeInTheDocument()
    expect(within(log).getByText('<u>Sam</u>')).toBeInTheDocument()
    expect(screen.getByText('<svg onload=alert(1)>')).toBeInTheDocument()
    expect(screen.getByText('<b>e</b>@example.com', { selector: 'span' })).toBeInTheDocument()
  })

  it('sends with Enter and shows the sent message at once', async () => {
    const user = await openAda()
    m.sendMessage.mockResolvedValue(message({ id: 'm9', from: 'agent', authorName: 'Sam Rivera', body: 'Happy to help' }))
    const box = screen.getByRole('textbox', { name: 'Message to Ada Byron' })
    await user.type(box, 'Happy to help{Enter}')
    expect(m.sendMessage).toHaveBeenCalledWith('cnv_1', 'Happy to help')
    expect(await within(screen.getByRole('log')).findByText('Happy to help')).toBeInTheDocument()
    expect(box).toHaveValue('')
  })

  it('keeps an unsent reply per conversation', async () => {
    const user = userEvent.setup()
    const ada = conversationDetail()
    const bob = conversationDetail({ summary: { id: 'cnv_2', title: 'Bob' } })
    m.listConversations.mockResolvedValue([ada.summary, bob.summary])
    m.openConversation.mockImplementation((id) => Promise.resolve(id === 'cnv_2' ? bob : ada))
    show()
    await user.click(await screen.findByRole('button', { name: /Ada Byron/ }))
    await user.type(await screen.findByRole('textbox', { name: 'Message to Ada Byron' }), 'Half a thought')
    await user.click(row(/Bob/))
    expect(await screen.findByRole('textbox', { name: 'Message to Bob' })).toHaveValue('')
    await user.click(row(/Ada Byron/))
    expect(await screen.findByRole('textbox', { name: 'Message to Ada Byron' })).toHaveValue('Half a thought')
  })

  it('End chat asks first, then ends it', async () => {
    const user = await openAda()
    m.endConversation.mockResolvedValue()
    await user.click(screen.getByRole('button', { name: 'End chat' }))
    const dialog = screen.getByRole('dialog', { name: 'End this chat?' })
    expect(dialog).toHaveTextContent('Ada Byron will see that the chat has ended')
    expect(m.endConversation).not.toHaveBeenCalled()
    await user.click(within(dialog).getByRole('button', { name: 'End chat' }))
    expect(m.endConversation).toHaveBeenCalledWith('cnv_1')
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument()
  })

  it('an ended conversation: no End button, the composer is disabled', async () => {
    await openAda(conversationDetail({ summary: { status: 'ended' } }))
    expect(screen.queryByRole('button', { name: 'End chat' })).not.toBeInTheDocument()
    expect(screen.getByRole('textbox', { name: 'Message to Ada Byron' })).toBeDisabled()
  })

  it('on "chat:changed" reloads the list and the open conversation once, shortly after', async () => {
    await openAda()
    const lists = m.listConversations.mock.calls.length
    const opens = m.openConversation.mock.calls.length
    const newer = conversationDetail({
      summary: { unread: 1, lastMessage: 'Still there?' },
      messages: [message(), message({ id: 'm2', body: 'Still there?' })],
    })
    m.openConversation.mockResolvedValue(newer)
    m.listConversations.mockResolvedValue([newer.summary])
    events.emit('chat:changed')
    events.emit('chat:changed')
    events.emit('chat:changed')
    expect(await within(screen.getByRole('log')).findByText('Still there?')).toBeInTheDocument()
    expect(m.listConversations).toHaveBeenCalledTimes(lists + 1)
    expect(m.openConversation).toHaveBeenCalledTimes(opens + 1)
    // The new message arrived while it was open: it is read as well.
    await vi.waitFor(() => expect(m.markConversationRead).toHaveBeenCalledTimes(2))
  })

  it('a verify action that answers with a panel updates the contact panel and the row', async () => {
    const user = await openAda()
    m.markVerified.mockResolvedValue(verifiedPanel({ verifiedLabel: 'Verified by Sam Rivera', method: 'agent' }))
    await user.click(screen.getByRole('button', { name: 'Mark verified' }))
    await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Mark verified' }))
    const contact = screen.getByRole('complementary', { name: 'Contact' })
    expect(await within(contact).findByText('Verified by Sam Rivera')).toBeInTheDocument()
    expect(row(/Ada Byron/)).toHaveTextContent('Verified')
  })

  it('says so when a conversation cannot be opened, and retries', async () => {
    const user = userEvent.setup()
    m.listConversations.mockResolvedValue([conversation()])
    m.openConversation.mockRejectedValueOnce(new api.ApiError('not_found', 'That conversation does not exist.'))
    show()
    await user.click(await screen.findByRole('button', { name: /Ada Byron/ }))
    expect(await screen.findByRole('alert')).toHaveTextContent('That conversation does not exist.')
    m.openConversation.mockResolvedValue(conversationDetail())
    await user.click(screen.getByRole('button', { name: 'Try again' }))
    expect(await screen.findByRole('log')).toBeInTheDocument()
  })

  it('stops listening when it goes away', async () => {
    m.listConversations.mockResolvedValue([])
    const { unmount } = render(InboxView, { counts: counts(0), inboxes, agentName: 'Sam', onOpenAddress: vi.fn() })
    expect(events.listeners('chat:changed')).toBe(1)
    unmount()
    expect(events.listeners('chat:changed')).toBe(0)
  })
})

describe('Inbox: long conversations', () => {
  it('opens on the newest page and loads earlier messages above, keeping them on a reload', async () => {
    const page = (from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, i) =>
        message({ id: `msg_${String(from + i).padStart(4, '0')}`, body: `message ${from + i}` }),
      )
    const newest = conversationDetail({ messages: page(201, 400), hasEarlier: true })
    const user = await openAda(newest)
    const log = screen.getByRole('log', { name: 'Messages' })
    expect(within(log).getByText('message 400')).toBeInTheDocument()
    expect(within(log).queryByText('message 200')).not.toBeInTheDocument()

    m.loadEarlierMessages.mockResolvedValue({ messages: page(1, 200), hasEarlier: false })
    await user.click(within(log).getByRole('button', { name: 'Load earlier messages' }))
    expect(await within(log).findByText('message 1')).toBeInTheDocument()
    expect(m.loadEarlierMessages).toHaveBeenCalledWith(newest.summary.id, 'msg_0201')
    const bodies = within(log).getAllByText(/^message \d+$/).map((e) => e.textContent)
    expect(bodies).toHaveLength(400)
    expect(bodies[0]).toBe('message 1')
    expect(bodies[399]).toBe('message 400')
    expect(within(log).queryByRole('button', { name: 'Load earlier messages' })).not.toBeInTheDocument()

    // A change reloads the newest page: the earlier messages stay.
    m.openConversation.mockResolvedValue(conversationDetail({ messages: page(202, 401), hasEarlier: true }))
    events.emit('chat:changed')
    expect(await within(log).findByText('message 401')).toBeInTheDocument()
    expect(within(log).getByText('message 1')).toBeInTheDocument()
  })

  it('says so when earlier messages cannot be loaded, and keeps the button', async () => {
    const user = await openAda(conversationDetail({ hasEarlier: true }))
    const log = screen.getByRole('log', { name: 'Messages' })
    m.loadEarlierMessages.mockRejectedValue(new api.ApiError('unknown', 'The database is busy.'))
    await user.click(within(log).getByRole('button', { name: 'Load earlier messages' }))
    expect(await within(log).findByRole('alert')).toHaveTextContent('Couldn’t load earlier messages: The database is busy.')
    expect(within(log).getByRole('button', { name: 'Load earlier messages' })).toBeEnabled()
  })
})
