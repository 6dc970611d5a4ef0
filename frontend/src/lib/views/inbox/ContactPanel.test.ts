import { describe, expect, it, vi } from 'vitest'
import { render, screen, within } from '@testing-library/svelte'
import userEvent from '@testing-library/user-event'
import ContactPanel from './ContactPanel.svelte'
import * as api from '../../api'
import { contactPanel, verifiedPanel, verifyActions } from '../../../test/fixtures'

vi.mock('../../api', async (importOriginal) =>
  (await import('../../../test/apiMock')).mockCalls(await importOriginal()),
)

const m = vi.mocked(api)

function show(
  panel: api.ContactPanel,
  actions: api.VerifyActions = verifyActions(),
  status: api.ConversationStatus = 'open',
) {
  const props = {
    conversationId: 'cnv_1',
    panel,
    actions,
    status,
    agentName: 'Sam Rivera',
    now: new Date(),
    onOpenAddress: vi.fn(),
    onPanel: vi.fn(),
    onChanged: vi.fn(),
  }
  render(ContactPanel, props)
  return props
}

function button(name: string | RegExp) {
  return screen.getByRole('button', { name })
}

describe('ContactPanel', () => {
  it('verified: the badge, how and when, the name, each field with its label, and the history', () => {
    show(verifiedPanel())
    expect(screen.getByText('Verified')).toBeInTheDocument()
    expect(screen.getAllByText('Verified by Email OTP')).toHaveLength(2)
    expect(screen.getByText('5 minutes ago')).toBeInTheDocument()
    expect(screen.getByText('Ada Lovelace')).toBeInTheDocument()
    const fields = within(screen.getByRole('heading', { name: 'Contact details' }).nextElementSibling as HTMLElement)
    const [email, phone] = fields.getAllByRole('listitem')
    expect(email).toHaveTextContent('Email ada@example.com Verified by Email OTP')
    expect(phone).toHaveTextContent('Phone +44 20 7946 0018 Not verified')
    expect(screen.getByRole('heading', { name: 'Earlier conversations' })).toBeInTheDocument()
    expect(screen.getByText('Where is my parcel?')).toBeInTheDocument()
    // Nothing left to verify, and no warning.
    expect(screen.queryByRole('button', { name: 'Send code' })).not.toBeInTheDocument()
    expect(screen.queryByText(/Unverified/)).not.toBeInTheDocument()
  })

  it('verified, with another email typed: both are shown, and which one is proven', () => {
    show(verifiedPanel({ typedEmail: 'bob@example.com' }))
    expect(screen.getByText('The customer typed another email')).toBeInTheDocument()
    const note = screen.getByText(/it is not proven/)
    expect(note).toHaveTextContent('They gave bob@example.com in this chat: it is not proven. Only ada@example.com is verified.')
  })

  it('preliminary, with another email typed, lists it as not proven', () => {
    show(contactPanel({ typedEmail: 'bob@example.com' }))
    const typed = screen.getByText('Typed in the chat').nextElementSibling as HTMLElement
    expect(typed).toHaveTextContent('bob@example.com (not proven)')
  })

  it('verified by an agent says who', () => {
    show(verifiedPanel({ verifiedLabel: 'Verified by Olive Owner', method: 'agent' }))
    expect(screen.getByText('Verified by Olive Owner')).toBeInTheDocument()
  })

  it('preliminary: a warning with icon and text, the reason, the email and only counts: no names, no history', () => {
    // Even if account data slipped into the panel, a preliminary panel shows none of it.
    show(contactPanel({ name: 'Ada Lovelace', history: verifiedPanel().history, fields: verifiedPanel().fields }))
    expect(screen.getByText('Unverified')).toBeInTheDocument()
    const warning = screen.getByText('Unverified: verify before discussing account details')
    expect(warning.closest('.notice')?.querySelector('svg')).not.toBeNull()
    expect(screen.getByText('Not verified on this device')).toBeInTheDocument()
    expect(screen.getByText('ada@example.com')).toBeInTheDocument()
    expect(
      screen.getByText('3 earlier conversations and 2 contact details are hidden until verified.'),
    ).toBeInTheDocument()
    expect(screen.queryByText('Ada Lovelace')).not.toBeInTheDocument()
    expect(screen.queryByText('Where is my parcel?')).not.toBeInTheDocument()
    expect(screen.queryByText('+44 20 7946 0018')).not.toBeInTheDocument()
    expect(screen.queryByRole('heading', { name: 'Earlier conversations' })).not.toBeInTheDocument()
    expect(button('Send code')).toBeEnabled()
    expect(button('Send link')).toBeEnabled()
    expect(button('Mark verified')).toBeEnabled()
  })

  it('preliminary: counts read naturally for one of each', () => {
    show(contactPanel({ hiddenConversations: 1, hiddenFields: 0 }))
    expect(screen.getByText('1 earlier conversation is hidden until verified.')).toBeInTheDocument()
  })

  it('pending: waiting for the customer to confirm the address, with the reason and the verify actions', () => {
    show(
      contactPanel({
        state: 'pending',
        email: 'new@example.com',
        reason: 'No confirmation email could be sent: the organization has no verified sender email',
      }),
    )
    expect(screen.getByText('Awaiting confirmation')).toBeInTheDocument()
    expect(screen.getByText(/Waiting for the customer to confirm/)).toHaveTextContent(
      'Waiting for the customer to confirm new@example.com (double opt-in)',
    )
    expect(screen.getByText('Unverified: verify before discussing account details')).toBeInTheDocument()
    expect(
      screen.getByText('No confirmation email could be sent: the organization has no verified sender email'),
    ).toBeInTheDocument()
    expect(screen.queryByText(/hidden until verified/)).not.toBeInTheDocument()
    expect(button('Send code')).toBeInTheDocument()
  })

  it('refused: the owner said it was not them, shown as an alert in place of the reason, for preliminary and pending', () => {
    const reason = "The address's owner said this wasn't them"
    for (const state of ['preliminary', 'pending'] as const) {
      const { unmount } = render(ContactPanel, {
        conversationId: 'cnv_1',
        panel: contactPanel({ state, refused: true, reason }),
        actions: verifyActions(),
        status: 'open',
        agentName: 'Sam Rivera',
        now: new Date(),
        onOpenAddress: vi.fn(),
        onPanel: vi.fn(),
        onChanged: vi.fn(),
      })
      const alert = screen.getByRole('alert')
      expect(alert).toHaveTextContent(reason)
      expect(alert).toHaveTextContent('Do not treat this customer as ada@example.com. Nothing was verified.')
      expect(screen.getAllByText(reason)).toHaveLength(1)
      expect(screen.queryByText(/Waiting for the customer to confirm/)).not.toBeInTheDocument()
      unmount()
    }
  })

  it('not refused: no alert', () => {
    show(contactPanel())
    expect(screen.queryByRole('alert')).not.toBeInTheDocument()
  })

  it('without a sender email: Send code and Send link are disabled with the reason and a way to Address', async () => {
    const user = userEvent.setup()
    const props = show(
      contactPanel(),
      verifyActions({ canEmail: false, mailBlockedReason: 'Set up and verify a sender email in Address to send codes and links.' }),
    )
    for (const name of ['Send code', 'Send link']) {
      const b = button(name)
      expect(b).toHaveAttribute('aria-disabled', 'true')
      expect(b).toHaveAccessibleDescription('Set up and verify a sender email in Address to send codes and links.')
      await user.click(b)
    }
    expect(m.sendVerifyCode).not.toHaveBeenCalled()
    expect(m.sendVerifyLink).not.toHaveBeenCalled()
    expect(button('Mark verified')).not.toHaveAttribute('aria-disabled')
    await user.click(button('Address'))
    expect(props.onOpenAddress).toHaveBeenCalledOnce()
  })

  it('without a sender email, the Go side’s reason gets a link to Address after it', async () => {
    const user = userEvent.setup()
    const reason =
      'Codes and links cannot be sent until the organization has a verified sender email. You can still mark the customer verified.'
    const props = show(contactPanel(), verifyActions({ canEmail: false, mailBlockedReason: reason }))
    expect(button('Send code')).toHaveAttribute('aria-disabled', 'true')
    expect(button('Send code')).toHaveAccessibleDescription(`${reason} Set up a sender email in Address`)
    await user.click(button('Set up a sender email in Address'))
    expect(props.onOpenAddress).toHaveBeenCalledOnce()
  })

  it('Send code emails a code and says the customer is waited for; errors are shown', async () => {
    const user = userEvent.setup()
    m.sendVerifyCode.mockResolvedValue()
    const props = show(contactPanel())
    await user.click(button('Send code'))
    expect(m.sendVerifyCode).toHaveBeenCalledWith('cnv_1')
    expect(await screen.findByText('Code sent — waiting for the customer to type it in the chat')).toBeInTheDocument()
    expect(props.onChanged).toHaveBeenCalled()

    m.sendVerifyLink.mockRejectedValue(new api.ApiError('rate_limited', 'A link was sent moments ago.'))
    await user.click(button('Send link'))
    expect(await screen.findByRole('alert')).toHaveTextContent('A link was sent moments ago.')
  })

  it('shows what is pending from the actions', () => {
    show(contactPanel(), verifyActions({ codePending: true, linkPending: true }))
    expect(screen.getByText('Code sent — waiting for the customer to type it in the chat')).toBeInTheDocument()
    expect(screen.getByText('Link sent — waiting for the customer to open it')).toBeInTheDocument()
    expect(button('Send a new code')).toBeInTheDocument()
  })

  it('Mark verified asks first, naming the agent it is recorded under', async () => {
    const user = userEvent.setup()
    const verified = verifiedPanel({ verifiedLabel: 'Verified by Sam Rivera', method: 'agent' })
    m.markVerified.mockResolvedValue(verified)
    const props = show(contactPanel())
    await user.click(button('Mark verified'))
    const dialog = screen.getByRole('dialog', { name: 'Mark as verified?' })
    expect(dialog).toHaveTextContent('It is recorded as “Verified by Sam Rivera”')
    expect(dialog).toHaveTextContent('ada@example.com')
    expect(within(dialog).getByRole('button', { name: 'Cancel' })).toHaveFocus()

    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }))
    expect(m.markVerified).not.toHaveBeenCalled()
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument()

    await user.click(button('Mark verified'))
    await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Mark verified' }))
    expect(m.markVerified).toHaveBeenCalledWith('cnv_1', 'ada@example.com')
    expect(props.onPanel).toHaveBeenCalledWith(verified)
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument()
  })

  it('Escape closes the confirmation', async () => {
    const user = userEvent.setup()
    show(contactPanel())
    await user.click(button('Mark verified'))
    expect(screen.getByRole('dialog')).toBeInTheDocument()
    await user.keyboard('{Escape}')
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument()
  })

  it('none: no email yet, ask the customer for it', async () => {
    const user = userEvent.setup()
    m.requestEmail.mockResolvedValue()
    const props = show(contactPanel({ state: 'none', email: '', warning: '', reason: '', hiddenConversations: 0, hiddenFields: 0 }))
    expect(screen.getByRole('heading', { name: 'No email yet' })).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'Send code' })).not.toBeInTheDocument()
    await user.click(button('Ask for email'))
    expect(m.requestEmail).toHaveBeenCalledWith('cnv_1')
    expect(await screen.findByText('Asked for their email — waiting for the customer')).toBeInTheDocument()
    expect(button('Ask again')).toBeInTheDocument()
    expect(props.onChanged).toHaveBeenCalled()
  })

  it('none: the agent enters the email; a bad one is shown under the field', async () => {
    const user = userEvent.setup()
    const none = contactPanel({ state: 'none', email: '', warning: '', reason: '' })
    const props = show(none)
    await user.click(button('Enter email'))
    const field = screen.getByRole('textbox', { name: 'Customer’s email' })
    expect(field).toHaveFocus()

    m.setConversationEmail.mockRejectedValueOnce(new api.ApiError('invalid_input', 'Enter an email like name@example.com.', 'email'))
    await user.type(field, 'nope{Enter}')
    expect(m.setConversationEmail).toHaveBeenCalledWith('cnv_1', 'nope')
    expect(await screen.findByText('Enter an email like name@example.com.')).toBeInTheDocument()
    expect(field).toHaveAttribute('aria-invalid', 'true')

    const next = contactPanel({ email: 'ada@example.com' })
    m.setConversationEmail.mockResolvedValueOnce(next)
    await user.clear(field)
    await user.type(field, 'ada@example.com')
    await user.click(button('Save email'))
    expect(props.onPanel).toHaveBeenCalledWith(next)
  })

  it('none while asked: shows that the customer was asked', () => {
    show(contactPanel({ state: 'none', email: '', warning: '' }), verifyActions({ emailRequested: true }))
    expect(screen.getByText('Asked for their email — waiting for the customer')).toBeInTheDocument()
  })

  it('an ended chat offers no verifying', () => {
    show(contactPanel(), verifyActions(), 'ended')
    expect(screen.queryByRole('button', { name: 'Send code' })).not.toBeInTheDocument()
    expect(screen.getByText(/This chat has ended/)).toBeInTheDocument()
  })

  it('Manage opens Manage Contact Information for the verified contact', async () => {
    const user = userEvent.setup()
    m.getContact.mockResolvedValue({
      id: 'ct_1', name: 'Ada Lovelace', status: 'active', fields: [], otherNames: [], mergedInto: '', merges: [],
      conversations: 1, createdAt: '2026-05-01T09:00:00Z',
    })
    show(verifiedPanel())
    await user.click(button('Manage'))
    expect(await screen.findByRole('heading', { name: 'Manage Contact Information' })).toBeInTheDocument()
    expect(m.getContact).toHaveBeenCalledWith('ct_1')
  })

  it('no Manage while the link is unproven on this device: the details stay hidden', () => {
    show(contactPanel())
    expect(screen.queryByRole('button', { name: 'Manage' })).not.toBeInTheDocument()
  })

  it('a conversation without a contact can get one from Manage', () => {
    show(contactPanel({ state: 'none', email: '', contactId: '' }))
    expect(button('Manage')).toBeInTheDocument()
  })
})
