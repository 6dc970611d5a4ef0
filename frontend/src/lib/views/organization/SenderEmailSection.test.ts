import { beforeEach, describe, expect, it, vi } from 'vitest'
import { render, screen, within } from '@testing-library/svelte'
import userEvent from '@testing-library/user-event'
import SenderEmailSection from './SenderEmailSection.svelte'
import * as api from '../../api'
import { fakeEvents } from '../../../test/apiMock'
import { pendingSender, senderState, verifiedSender } from '../../../test/fixtures'
import { formatDateTime } from '../../time'

vi.mock('../../api', async (importOriginal) =>
  (await import('../../../test/apiMock')).mockCalls(await importOriginal()),
)

const m = vi.mocked(api)

/** The text an input's aria-describedby points at. */
function description(input: HTMLElement): string {
  return (input.getAttribute('aria-describedby') ?? '')
    .split(' ')
    .filter(Boolean)
    .map((id) => document.getElementById(id)?.textContent ?? '')
    .join(' ')
}

const button = (name: string | RegExp) => screen.getByRole('button', { name })
const noButton = (name: string | RegExp) => expect(screen.queryByRole('button', { name })).not.toBeInTheDocument()

async function show(state: api.SenderState) {
  m.getSenderState.mockResolvedValue(state)
  const view = render(SenderEmailSection, { onOpenMailAccounts: vi.fn() })
  await screen.findByRole('heading', { name: 'Sender’s Email' })
  await vi.waitFor(() => expect(screen.queryByText('Loading the sender email…')).not.toBeInTheDocument())
  return view
}

describe('Sender’s Email', () => {
  let events: ReturnType<typeof fakeEvents>

  beforeEach(() => {
    events = fakeEvents(m.subscribe)
  })

  it('none: explains what needs a sender and offers to add one', async () => {
    await show(senderState())
    expect(await screen.findByRole('heading', { name: 'No sender email yet' })).toBeInTheDocument()
    expect(screen.getByText(/transcripts and email sign-in links/)).toBeInTheDocument()
    expect(button('Add sender email')).toBeInTheDocument()
    expect(screen.queryByText('Verified')).not.toBeInTheDocument()
    expect(screen.queryByText('Unverified')).not.toBeInTheDocument()
  })

  it('none, for an agent: read-only with a note', async () => {
    await show(senderState({ canManage: false }))
    await screen.findByRole('heading', { name: 'No sender email yet' })
    noButton('Add sender email')
    expect(screen.getByText('Only owners and admins can change this.')).toBeInTheDocument()
  })

  it('add: the server’s address error appears under the field', async () => {
    const user = userEvent.setup()
    await show(senderState())
    await user.click(await screen.findByRole('button', { name: 'Add sender email' }))
    const field = screen.getByLabelText('Sender email')
    expect(field).toHaveFocus()
    m.setSender.mockRejectedValue(
      new api.ApiError('invalid_input', 'Enter one email address, like support@example.com.', 'address'),
    )
    await user.type(field, 'support@acme.example')
    await user.click(button('Send verification link'))
    expect(m.setSender).toHaveBeenCalledWith('support@acme.example')
    expect(field).toHaveAttribute('aria-invalid', 'true')
    expect(description(field)).toContain('Enter one email address, like support@example.com.')
  })

  it('add: a sent link shows the pending address', async () => {
    const user = userEvent.setup()
    await show(senderState())
    await user.click(await screen.findByRole('button', { name: 'Add sender email' }))
    m.setSender.mockResolvedValue(senderState({ pending: pendingSender() }))
    await user.type(screen.getByLabelText('Sender email'), ' support@acme.example ')
    await user.click(button('Send verification link'))
    expect(m.setSender).toHaveBeenCalledWith('support@acme.example')
    expect(await screen.findByText('Unverified')).toBeInTheDocument()
    expect(screen.queryByLabelText('Sender email')).not.toBeInTheDocument()
  })

  it('pending: amber "Unverified", when the link went out, and its three actions', async () => {
    await show(senderState({ pending: pendingSender() }))
    expect(await screen.findByText('support@acme.example')).toBeInTheDocument()
    expect(screen.getByText('Unverified')).toBeInTheDocument()
    expect(screen.queryByText('Verified')).not.toBeInTheDocument()
    expect(screen.getByText(/Verification link sent/)).toHaveTextContent('Verification link sent 3 minutes ago')
    expect(button('Resend verification link')).toBeInTheDocument()
    expect(button('Change to another email')).toBeInTheDocument()
    expect(button('Remove')).toBeInTheDocument()
    expect(screen.queryByText(/watching this mailbox/)).not.toBeInTheDocument()
  })

  it('pending, and the link bounced: says why and when, with the actions still there', async () => {
    await show(
      senderState({
        pending: pendingSender({ linkBounced: 'mailbox unknown (5.1.1)', linkBouncedAt: '2026-05-02T09:01:00Z' }),
      }),
    )
    const alert = await screen.findByRole('alert')
    expect(alert).toHaveTextContent('The verification email bounced')
    expect(alert).toHaveTextContent(`It came back on ${formatDateTime('2026-05-02T09:01:00Z')}: mailbox unknown (5.1.1).`)
    expect(button('Change to another email')).toBeInTheDocument()
  })

  it('pending, link not bounced: no bounce notice', async () => {
    await show(senderState({ pending: pendingSender() }))
    await screen.findByText('Unverified')
    expect(screen.queryByText('The verification email bounced')).not.toBeInTheDocument()
  })

  it('pending, for an agent: no actions', async () => {
    await show(senderState({ canManage: false, pending: pendingSender() }))
    await screen.findByText('Unverified')
    expect(screen.queryByRole('button')).not.toBeInTheDocument()
    expect(screen.getByText('Only owners and admins can change this.')).toBeInTheDocument()
  })

  it('pending with the mailbox watched: says so, and shows its error in red', async () => {
    await show(
      senderState({
        pending: pendingSender(),
        mailbox: { configured: true, connected: false, lastError: 'The server refused the password.', mode: '', lastErrorAt: '', retryingSince: '', lastPoll: '' },
      }),
    )
    expect(
      await screen.findByText(/Vouch Desk is watching this mailbox and will confirm by itself when the email arrives/),
    ).toBeInTheDocument()
    const alert = screen.getByRole('alert')
    expect(alert).toHaveTextContent('The server refused the password.')
    expect(alert).toHaveClass('problem')
  })

  it('pending with the mailbox connected', async () => {
    await show(
      senderState({
        pending: pendingSender(),
        mailbox: { configured: true, connected: true, lastError: '', mode: '', lastErrorAt: '', retryingSince: '', lastPoll: new Date().toISOString() },
      }),
    )
    expect(await screen.findByText(/Connected to the mailbox/)).toHaveTextContent('last checked just now')
  })

  it('resend: a rate limit shows the server’s message', async () => {
    const user = userEvent.setup()
    await show(senderState({ pending: pendingSender() }))
    m.resendSenderLink.mockRejectedValue(
      new api.ApiError('rate_limited', 'A link was sent to this address moments ago. Wait a minute.'),
    )
    await user.click(await screen.findByRole('button', { name: 'Resend verification link' }))
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'A link was sent to this address moments ago. Wait a minute.',
    )
  })

  it('resend: confirms a new link is on its way', async () => {
    const user = userEvent.setup()
    await show(senderState({ pending: pendingSender() }))
    m.resendSenderLink.mockResolvedValue(senderState({ pending: pendingSender({ linkSentAt: new Date().toISOString() }) }))
    await user.click(await screen.findByRole('button', { name: 'Resend verification link' }))
    expect(await screen.findByText(/A new verification link is on its way/)).toBeInTheDocument()
    expect(screen.getByText(/Verification link sent/)).toHaveTextContent('sent just now')
  })

  it('remove: back to no sender', async () => {
    const user = userEvent.setup()
    await show(senderState({ pending: pendingSender() }))
    m.removePendingSender.mockResolvedValue(senderState())
    await user.click(await screen.findByRole('button', { name: 'Remove' }))
    expect(m.removePendingSender).toHaveBeenCalledOnce()
    expect(await screen.findByRole('heading', { name: 'No sender email yet' })).toBeInTheDocument()
  })

  it('verified: green "Verified", when and how, and a way to change it', async () => {
    await show(senderState({ verified: verifiedSender() }))
    expect(await screen.findByText('help@acme.example')).toBeInTheDocument()
    expect(screen.getByText('Verified')).toBeInTheDocument()
    expect(screen.getByText(/^Verified .*2026/)).toHaveTextContent(/^Verified May 2, 2026 by link$/)
    expect(button('Change to another email')).toBeInTheDocument()
    noButton('Resend verification link')
    noButton('Remove')
  })

  it('verified by the app reading the mailbox', async () => {
    await show(senderState({ verified: verifiedSender({ verifiedMethod: 'imap' }) }))
    expect(await screen.findByText(/by the app reading the mailbox/)).toBeInTheDocument()
  })

  it('verified, for an agent: no change button', async () => {
    await show(senderState({ canManage: false, verified: verifiedSender() }))
    await screen.findByText('Verified')
    expect(screen.queryByRole('button')).not.toBeInTheDocument()
  })

  it('changing: the verified address stays in use while the new one waits', async () => {
    await show(senderState({ verified: verifiedSender(), pending: pendingSender() }))
    expect(await screen.findByText('Verified')).toBeInTheDocument()
    expect(screen.getByText('Unverified')).toBeInTheDocument()
    expect(screen.getByText('In use until the new address is verified')).toBeInTheDocument()
    expect(screen.getByText('help@acme.example')).toBeInTheDocument()
    expect(screen.getByText('support@acme.example')).toBeInTheDocument()
    // One of each action, on the new address.
    expect(screen.getAllByRole('button', { name: 'Change to another email' })).toHaveLength(1)
    expect(button('Resend verification link')).toBeInTheDocument()
    expect(button('Remove')).toBeInTheDocument()
  })

  it('change: the form says what happens to both addresses', async () => {
    const user = userEvent.setup()
    await show(senderState({ verified: verifiedSender(), pending: pendingSender() }))
    await user.click(await screen.findByRole('button', { name: 'Change to another email' }))
    const field = screen.getByLabelText('New sender email')
    expect(description(field)).toContain('help@acme.example stays in use until the new address is verified')
    expect(description(field)).toContain('The link sent to support@acme.example will stop working')
    await user.click(button('Cancel'))
    expect(screen.queryByLabelText('New sender email')).not.toBeInTheDocument()
    expect(screen.getByRole('heading', { name: 'Sender’s Email' })).toHaveFocus()
  })

  it('reloads when the Go side says the sender changed, and stops listening when gone', async () => {
    const view = await show(senderState({ pending: pendingSender() }))
    await screen.findByText('Unverified')
    expect(events.listeners('sender:changed')).toBe(1)
    m.getSenderState.mockResolvedValue(
      senderState({ verified: verifiedSender({ address: 'support@acme.example', verifiedMethod: 'imap' }) }),
    )
    events.emit('sender:changed')
    expect(await screen.findByText('Verified')).toBeInTheDocument()
    expect(screen.queryByText('Unverified')).not.toBeInTheDocument()
    expect(m.getSenderState).toHaveBeenCalledTimes(2)
    view.unmount()
    expect(events.listeners('sender:changed')).toBe(0)
  })

  it('a failed load says why and can retry', async () => {
    const user = userEvent.setup()
    m.getSenderState.mockRejectedValueOnce(new api.ApiError('unknown', 'engine stopped'))
    m.getSenderState.mockResolvedValueOnce(senderState())
    render(SenderEmailSection, {})
    const alert = await screen.findByRole('alert')
    expect(alert).toHaveTextContent('engine stopped')
    await user.click(within(alert).getByRole('button', { name: 'Try again' }))
    expect(await screen.findByRole('heading', { name: 'No sender email yet' })).toBeInTheDocument()
  })
})
