import { beforeEach, describe, expect, it, vi } from 'vitest'
import { render, screen, within } from '@testing-library/svelte'
import userEvent from '@testing-library/user-event'
import InboxSettingsPanel from './InboxSettingsPanel.svelte'
import * as api from '../../api'
import { fakeEvents } from '../../../test/apiMock'
import { inboxSettings } from '../../../test/fixtures'

vi.mock('../../api', async (importOriginal) =>
  (await import('../../../test/apiMock')).mockCalls(await importOriginal()),
)

const m = vi.mocked(api)

const phone = (overrides: Partial<api.InboxSettings> = {}) =>
  inboxSettings({
    id: 'ibx_p',
    name: 'Support line',
    kind: 'phone',
    phoneNumber: '+1 202-555-0100',
    hasAuthToken: true,
    voiceUrl: 'https://desk.acme.example/calls/ibx_p/voice',
    statusUrl: 'https://desk.acme.example/calls/ibx_p/status',
    ...overrides,
  })

beforeEach(() => {
  fakeEvents(m.subscribe)
  m.getGoogleClientId.mockResolvedValue('')
  m.getCountry.mockResolvedValue('US')
})

describe('Settings → Inboxes: phone', () => {
  it('a phone inbox shows its number, that the token is stored, and the two webhook URLs', async () => {
    m.listInboxes.mockResolvedValue([phone()])
    render(InboxSettingsPanel, { canManage: true, onOpenAddress: vi.fn() })
    expect(await screen.findByText('+1 202-555-0100')).toBeInTheDocument()
    expect(screen.getByText('Stored in the system keyring')).toBeInTheDocument()
    expect(screen.getByLabelText('A call comes in')).toHaveValue('https://desk.acme.example/calls/ibx_p/voice')
    expect(screen.getByLabelText('Call status changes')).toHaveValue('https://desk.acme.example/calls/ibx_p/status')
    expect(screen.queryByRole('switch')).not.toBeInTheDocument()
  })

  it('a missing token says calls are refused; replacing it saves and never shows it', async () => {
    const user = userEvent.setup()
    m.listInboxes.mockResolvedValue([phone({ hasAuthToken: false })])
    m.setPhoneAuthToken.mockResolvedValue(phone())
    render(InboxSettingsPanel, { canManage: true, onOpenAddress: vi.fn() })
    expect(await screen.findByText(/Missing: calls are refused/)).toBeInTheDocument()
    await user.click(screen.getByRole('button', { name: 'Set auth token' }))
    await user.type(screen.getByLabelText('New auth token'), '0123456789abcdef0123456789abcdef')
    await user.click(screen.getByRole('button', { name: 'Save token' }))
    expect(m.setPhoneAuthToken).toHaveBeenCalledWith('ibx_p', '0123456789abcdef0123456789abcdef')
    expect(await screen.findByText('Stored in the system keyring')).toBeInTheDocument()
    expect(document.body.textContent).not.toContain('0123456789abcdef0123456789abcdef')
  })

  it('adds a phone inbox; a refused number shows under its field', async () => {
    const user = userEvent.setup()
    m.listInboxes.mockResolvedValue([inboxSettings()])
    m.createPhoneInbox.mockRejectedValueOnce(new api.ApiError('invalid', 'Not a phone number: too short.', 'number'))
    m.createPhoneInbox.mockResolvedValueOnce(phone())
    render(InboxSettingsPanel, { canManage: true, onOpenAddress: vi.fn() })
    await user.click(await screen.findByRole('button', { name: 'Add phone inbox' }))
    const form = screen.getByRole('form', { name: 'Add a phone inbox' })
    await user.click(within(form).getByRole('button', { name: 'Add phone inbox' }))
    expect(within(form).getByText('Enter the number customers call.')).toBeInTheDocument()
    expect(m.createPhoneInbox).not.toHaveBeenCalled()

    await user.type(within(form).getByLabelText('Name'), 'Support line')
    await user.type(within(form).getByLabelText('Phone number'), '12')
    await user.type(within(form).getByLabelText(/Auth token/), '0123456789abcdef0123456789abcdef')
    await user.click(within(form).getByRole('button', { name: 'Add phone inbox' }))
    expect(await within(form).findByText('Not a phone number: too short.')).toBeInTheDocument()

    await user.clear(within(form).getByLabelText('Phone number'))
    await user.type(within(form).getByLabelText('Phone number'), '+1 202 555 0100')
    await user.click(within(form).getByRole('button', { name: 'Add phone inbox' }))
    expect(m.createPhoneInbox).toHaveBeenLastCalledWith('Support line', '+1 202 555 0100', '0123456789abcdef0123456789abcdef')
    expect(await screen.findByRole('heading', { name: 'Support line' })).toBeInTheDocument()
  })

  it('the country select saves the ISO code', async () => {
    const user = userEvent.setup()
    m.listInboxes.mockResolvedValue([inboxSettings()])
    m.setCountry.mockResolvedValue('GB')
    render(InboxSettingsPanel, { canManage: true, onOpenAddress: vi.fn() })
    const select = await screen.findByLabelText('Country for phone numbers')
    expect(select).toHaveValue('US')
    await user.selectOptions(select, 'GB')
    expect(m.setCountry).toHaveBeenCalledWith('GB')
    expect(await screen.findByText('Saved.')).toBeInTheDocument()
  })

  it('agents see the settings but cannot add or change', async () => {
    m.listInboxes.mockResolvedValue([phone()])
    render(InboxSettingsPanel, { canManage: false, onOpenAddress: vi.fn() })
    expect(await screen.findByText('+1 202-555-0100')).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'Add phone inbox' })).not.toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'Replace auth token' })).not.toBeInTheDocument()
    expect(screen.getByLabelText('Country for phone numbers')).toBeDisabled()
  })

  it('forwarding: saves the number, shows it, and a refused one says why', async () => {
    const user = userEvent.setup()
    m.listInboxes.mockResolvedValue([phone()])
    m.setPhoneForward.mockRejectedValueOnce(new api.ApiError('invalid', 'Not a phone number: too short.', 'forwardTo'))
    m.setPhoneForward.mockResolvedValueOnce(phone({ forwardTo: '+1 415-555-0123' }))
    render(InboxSettingsPanel, { canManage: true, onOpenAddress: vi.fn() })
    expect(await screen.findByText('Not forwarded: calls are only recorded')).toBeInTheDocument()
    await user.click(screen.getByRole('button', { name: 'Forward calls' }))
    await user.type(screen.getByLabelText('Forward calls to'), '12')
    await user.click(screen.getByRole('button', { name: 'Save forwarding' }))
    expect(await screen.findByText('Not a phone number: too short.')).toBeInTheDocument()
    await user.clear(screen.getByLabelText('Forward calls to'))
    await user.type(screen.getByLabelText('Forward calls to'), '(415) 555-0123')
    await user.click(screen.getByRole('button', { name: 'Save forwarding' }))
    expect(m.setPhoneForward).toHaveBeenLastCalledWith('ibx_p', '(415) 555-0123')
    expect(await screen.findByText('Calls are forwarded to +1 415-555-0123.')).toBeInTheDocument()
  })
})
