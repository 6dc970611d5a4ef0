import { beforeEach, describe, expect, it, vi } from 'vitest'
import { render, screen, within } from '@testing-library/svelte'
import userEvent from '@testing-library/user-event'
import InboxSettingsPanel from './InboxSettingsPanel.svelte'
import * as api from '../../api'
import { fakeEvents } from '../../../test/apiMock'
import { inboxSettings, openGate } from '../../../test/fixtures'
import { splitGateMessage } from './gateMessage'

vi.mock('../../api', async (importOriginal) =>
  (await import('../../../test/apiMock')).mockCalls(await importOriginal()),
)

const m = vi.mocked(api)
const EMAIL = 'Email sign-in at chat start'
const GOOGLE = 'Google Sign-In at chat start'
const TRANSCRIPT = 'Send transcript after the chat ends'

async function show(inboxes: api.InboxSettings[], canManage = true) {
  const onOpenAddress = vi.fn()
  m.listInboxes.mockResolvedValue(inboxes)
  render(InboxSettingsPanel, { canManage, onOpenAddress })
  await screen.findAllByRole('switch')
  return { onOpenAddress }
}

function description(el: HTMLElement): string {
  return (el.getAttribute('aria-describedby') ?? '')
    .split(' ')
    .filter(Boolean)
    .map((id) => document.getElementById(id)?.textContent?.replace(/\s+/g, ' ').trim() ?? '')
    .join(' ')
}

describe('Settings → Inboxes', () => {
  let events: ReturnType<typeof fakeEvents>

  beforeEach(() => {
    events = fakeEvents(m.subscribe)
  })

  it('gate closed: the mail toggles are disabled, say why, and link to Address', async () => {
    const user = userEvent.setup()
    const { onOpenAddress } = await show([inboxSettings()])
    const email = screen.getByRole('switch', { name: EMAIL })
    const transcript = screen.getByRole('switch', { name: TRANSCRIPT })
    const google = screen.getByRole('switch', { name: GOOGLE })
    for (const s of [email, transcript]) {
      expect(s).toHaveAttribute('aria-disabled', 'true')
      expect(s).toHaveAttribute('aria-checked', 'false')
      expect(description(s)).toBe('Set up and verify a sender email in Address')
    }
    expect(google).not.toHaveAttribute('aria-disabled')

    await user.click(email)
    await user.click(screen.getByText(TRANSCRIPT))
    expect(m.setInboxToggle).not.toHaveBeenCalled()
    expect(email).toHaveAttribute('aria-checked', 'false')

    await user.click(screen.getByRole('button', { name: 'Address' }))
    expect(onOpenAddress).toHaveBeenCalledOnce()
  })

  it('gate open: the mail toggles work and name the sender', async () => {
    const user = userEvent.setup()
    await show([inboxSettings({ mailGate: openGate() })])
    const email = screen.getByRole('switch', { name: EMAIL })
    expect(email).not.toHaveAttribute('aria-disabled')
    expect(description(email)).toBe('Sent from help@acme.example')
    expect(screen.queryByRole('button', { name: 'Address' })).not.toBeInTheDocument()

    m.setInboxToggle.mockResolvedValue(inboxSettings({ mailGate: openGate(), emailSignin: true }))
    await user.click(email)
    expect(m.setInboxToggle).toHaveBeenCalledWith('ibx_1', 'emailSignin', true)
    expect(email).toHaveAttribute('aria-checked', 'true')
  })

  it('switches with the keyboard and by its label', async () => {
    const user = userEvent.setup()
    await show([inboxSettings({ mailGate: openGate(), transcriptAfter: true })])
    const google = screen.getByRole('switch', { name: GOOGLE })
    m.setInboxToggle.mockResolvedValueOnce(inboxSettings({ mailGate: openGate(), transcriptAfter: true, googleSignin: true }))
    google.focus()
    await user.keyboard(' ')
    expect(m.setInboxToggle).toHaveBeenLastCalledWith('ibx_1', 'googleSignin', true)
    expect(google).toHaveAttribute('aria-checked', 'true')

    m.setInboxToggle.mockResolvedValueOnce(inboxSettings({ mailGate: openGate(), googleSignin: true }))
    await user.click(screen.getByText(TRANSCRIPT))
    expect(m.setInboxToggle).toHaveBeenLastCalledWith('ibx_1', 'transcriptAfter', false)
    expect(screen.getByRole('switch', { name: TRANSCRIPT })).toHaveAttribute('aria-checked', 'false')
  })

  it('shows a refused change next to its inbox and keeps the switch as it was', async () => {
    const user = userEvent.setup()
    await show([inboxSettings({ mailGate: openGate() }), inboxSettings({ id: 'ibx_2', name: 'Shop', mailGate: openGate() })])
    m.setInboxToggle.mockRejectedValue(new api.ApiError('forbidden', 'Only an owner or an admin can change inbox settings.'))
    const shop = screen.getByRole('heading', { name: 'Shop' }).closest('li')!
    const google = within(shop).getByRole('switch', { name: GOOGLE })
    await user.click(google)
    expect(await within(shop).findByRole('alert')).toHaveTextContent('Only an owner or an admin can change inbox settings.')
    expect(google).toHaveAttribute('aria-checked', 'false')
  })

  it('agents see the toggles but cannot switch them', async () => {
    const user = userEvent.setup()
    await show([inboxSettings({ mailGate: openGate() })], false)
    expect(screen.getByText('Only owners and admins can change these settings.')).toBeInTheDocument()
    for (const s of screen.getAllByRole('switch')) expect(s).toHaveAttribute('aria-disabled', 'true')
    await user.click(screen.getByRole('switch', { name: GOOGLE }))
    expect(m.setInboxToggle).not.toHaveBeenCalled()
  })

  it('reloads when the sender changes: a verified sender opens the gate', async () => {
    await show([inboxSettings()])
    expect(screen.getByRole('switch', { name: EMAIL })).toHaveAttribute('aria-disabled', 'true')
    m.listInboxes.mockResolvedValue([inboxSettings({ mailGate: openGate() })])
    events.emit('sender:changed')
    expect(await screen.findByText('help@acme.example')).toBeInTheDocument()
    expect(screen.getByRole('switch', { name: EMAIL })).not.toHaveAttribute('aria-disabled')
  })

  it('makes "Address" the link in whatever the gate message says', () => {
    expect(splitGateMessage('Set up and verify a sender email in Address')).toEqual({
      before: 'Set up and verify a sender email in ',
      link: 'Address',
      after: '',
    })
    expect(splitGateMessage('Verify a sender email in Address.').after).toBe('.')
    expect(splitGateMessage('No sender yet')).toEqual({ before: 'No sender yet. Open ', link: 'Address', after: '.' })
  })
})
