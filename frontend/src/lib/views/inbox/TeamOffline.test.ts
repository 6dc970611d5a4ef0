// A team member's desktop in the conversation: what needs the server is disabled with the
// reason while it cannot be reached or after the session ended; the reply box stays usable
// offline (the reply is kept), and kept and refused replies are shown as such.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { render, screen, within } from '@testing-library/svelte'
import userEvent from '@testing-library/user-event'
import ConversationView from './ConversationView.svelte'
import ContactPanel from './ContactPanel.svelte'
import MessageList from './MessageList.svelte'
import SettingsView from '../SettingsView.svelte'
import * as api from '../../api'
import { fakeEvents } from '../../../test/apiMock'
import { teamLink } from '../../team.svelte'
import { contactPanel, conversationDetail, message, offlineTeam, teamState, teamStatus, verifyActions } from '../../../test/fixtures'

vi.mock('../../api', async (importOriginal) =>
  (await import('../../../test/apiMock')).mockCalls(await importOriginal()),
)

const m = vi.mocked(api)
const REASON = 'Needs the team server (offline since 14:32).'

beforeEach(() => {
  fakeEvents(m.subscribe)
})

afterEach(() => {
  teamLink.state = null
})

function showConversation(detail = conversationDetail()) {
  const onChanged = vi.fn()
  render(ConversationView, { detail, now: new Date(), onSent: vi.fn(), onChanged, onShowContact: vi.fn() })
  return { onChanged }
}

function showPanel() {
  render(ContactPanel, {
    conversationId: 'cnv_1',
    panel: contactPanel(),
    actions: verifyActions(),
    status: 'open',
    agentName: 'Sam Rivera',
    now: new Date(),
    onOpenAddress: vi.fn(),
    onPanel: vi.fn(),
    onChanged: vi.fn(),
  })
}

describe('offline on a team member’s desktop', () => {
  it('End chat is disabled with the reason; the reply box still sends (the reply is kept)', async () => {
    const user = userEvent.setup()
    teamLink.state = offlineTeam()
    m.sendMessage.mockResolvedValue(message({ id: 'm9', from: 'agent', body: 'On it', status: 'kept' }))
    showConversation()
    const end = screen.getByRole('button', { name: 'End chat' })
    expect(end).toBeDisabled()
    expect(end).toHaveAttribute('title', REASON)
    expect(end).toHaveAccessibleDescription(REASON)

    expect(screen.getByText(/Offline: your reply is kept and sent when the server answers/)).toBeInTheDocument()
    const box = screen.getByRole('textbox')
    expect(box).toBeEnabled()
    await user.type(box, 'On it{Enter}')
    expect(m.sendMessage).toHaveBeenCalledWith('cnv_1', 'On it')
  })

  it('online in a team, End chat works as on a solo desk', () => {
    teamLink.state = teamState()
    showConversation()
    expect(screen.getByRole('button', { name: 'End chat' })).toBeEnabled()
  })

  it('the verify actions and Manage are disabled, with the reason in words', async () => {
    const user = userEvent.setup()
    teamLink.state = offlineTeam()
    showPanel()
    for (const name of ['Send code', 'Send link', 'Mark verified']) {
      const b = screen.getByRole('button', { name })
      expect(b).toBeDisabled()
      expect(b).toHaveAttribute('title', REASON)
    }
    expect(screen.getByTestId('verify-needs-server')).toHaveTextContent(REASON)
    await user.click(screen.getByRole('button', { name: 'Send code' }))
    expect(m.sendVerifyCode).not.toHaveBeenCalled()
  })

  it('settings can be read but not saved, and say why', () => {
    teamLink.state = offlineTeam()
    m.getRegulatory.mockResolvedValue({ doubleOptIn: false, consentText: '' })
    m.listInboxes.mockResolvedValue([])
    m.getDataInfo.mockResolvedValue({ folder: '/d', database: '/d/v.db', bytes: 1, backupsFolder: '/d/b', canManage: true })
    m.getCountry.mockResolvedValue('')
    render(SettingsView, { version: '1', canManage: true, onOpenAddress: vi.fn() })
    expect(screen.getByTestId('needs-server')).toHaveTextContent(`${REASON} Settings can be read but not saved.`)
    expect(screen.getByTestId('needs-server').nextElementSibling).toBeDisabled()
  })
})

describe('after the session ended', () => {
  it('the reply box is disabled with the reason', () => {
    teamLink.state = teamState({ ended: 'signed_out', status: teamStatus({ phase: 'ended', online: false }) })
    showConversation()
    expect(screen.getByRole('textbox')).toBeDisabled()
    expect(screen.getByText(/you are signed out of it on this computer\. Sign in again to reply\./)).toBeInTheDocument()
    expect(screen.getByRole('button', { name: 'Send' })).toBeDisabled()
    expect(screen.getByRole('button', { name: 'End chat' })).toBeDisabled()
  })
})

describe('kept and refused replies', () => {
  const kept = message({ id: 'k1', from: 'agent', authorName: 'Sam', body: 'I will check', status: 'kept' })
  const refused = message({
    id: 'r1',
    from: 'agent',
    authorName: 'Sam',
    body: 'Here is your refund',
    status: 'refused',
    problem: 'This chat has ended.',
  })

  it('a kept reply is the agent’s bubble with a clock mark, waiting to send', () => {
    render(MessageList, { messages: [kept], customerName: 'Ada', now: new Date() })
    const item = within(screen.getByRole('log')).getByRole('listitem')
    expect(item).toHaveClass('from-agent')
    expect(item).toHaveTextContent('I will check')
    expect(item).toHaveTextContent('Waiting to send (offline)')
    expect(item.querySelector('.clock')).not.toBeNull()
    expect(within(item).queryByRole('button')).not.toBeInTheDocument()
  })

  it('a refused reply shows why, copies its text and is discarded', async () => {
    const user = userEvent.setup()
    const onDiscarded = vi.fn()
    m.discardKeptMessage.mockResolvedValue()
    render(MessageList, { messages: [refused], customerName: 'Ada', now: new Date(), onDiscarded })
    const item = within(screen.getByRole('log')).getByRole('listitem')
    expect(item).toHaveTextContent('Not sent: This chat has ended.')

    await user.click(within(item).getByRole('button', { name: 'Copy text' }))
    expect(await navigator.clipboard.readText()).toBe('Here is your refund')
    expect(within(item).getByRole('button', { name: 'Copied' })).toBeInTheDocument()

    await user.click(within(item).getByRole('button', { name: 'Discard' }))
    expect(m.discardKeptMessage).toHaveBeenCalledWith('r1')
    expect(onDiscarded).toHaveBeenCalledOnce()
  })

  it('a refused discard says why', async () => {
    const user = userEvent.setup()
    m.discardKeptMessage.mockRejectedValue(new api.ApiError('not_found', 'That reply is no longer kept.'))
    render(MessageList, { messages: [refused], customerName: 'Ada', now: new Date(), onDiscarded: vi.fn() })
    await user.click(screen.getByRole('button', { name: 'Discard' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('That reply is no longer kept.')
  })
})

describe('the empty inbox on a team member’s desktop', () => {
  it('names the team server’s demo page, not this computer’s widget server', async () => {
    const { default: NoConversations } = await import('./NoConversations.svelte')
    teamLink.state = teamState({ serverUrl: 'https://desk.acme.example' })
    render(NoConversations, { chatInboxes: [{ id: 'i1', name: 'Website chat', kind: 'chat' }] })
    expect(screen.getByText('https://desk.acme.example/demo')).toBeInTheDocument()
    expect(screen.queryByText('http://127.0.0.1:8470/demo')).not.toBeInTheDocument()
  })
})
