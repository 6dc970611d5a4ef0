import { beforeEach, describe, expect, it, vi } from 'vitest'
import { render, screen, within } from '@testing-library/svelte'
import userEvent from '@testing-library/user-event'
import MailAccountsSection from './MailAccountsSection.svelte'
import * as api from '../../api'
import { fakeEvents } from '../../../test/apiMock'
import { account, mailHealth, mailSettings } from '../../../test/fixtures'

vi.mock('../../api', async (importOriginal) =>
  (await import('../../../test/apiMock')).mockCalls(await importOriginal()),
)

const m = vi.mocked(api)

async function show(settings: api.MailSettings, canManage = true) {
  m.getMailSettings.mockResolvedValue(settings)
  render(MailAccountsSection, { canManage })
  const smtp = within(await screen.findByRole('region', { name: 'Outgoing mail (SMTP)' }))
  const imap = within(screen.getByRole('region', { name: 'Mailbox to watch (IMAP)' }))
  return { smtp, imap }
}

describe('Mail accounts', () => {
  beforeEach(() => {
    fakeEvents(m.subscribe)
  })

  it('starts with sensible defaults: 587 + STARTTLS for SMTP, 993 + implicit TLS for IMAP', async () => {
    const { smtp, imap } = await show(mailSettings())
    expect(smtp.getByLabelText('Port')).toHaveValue('587')
    expect(smtp.getByLabelText('Security')).toHaveValue('starttls')
    expect(imap.getByLabelText('Port')).toHaveValue('993')
    expect(imap.getByLabelText('Security')).toHaveValue('implicit')
    expect(within(smtp.getByLabelText('Security')).getAllByRole('option').map((o) => o.textContent)).toEqual([
      'Implicit TLS',
      'STARTTLS (required)',
      'None — only for a server on this computer',
    ])
  })

  it('switching security moves an untouched port, but not a typed one', async () => {
    const user = userEvent.setup()
    const { smtp, imap } = await show(mailSettings())
    await user.selectOptions(smtp.getByLabelText('Security'), 'implicit')
    expect(smtp.getByLabelText('Port')).toHaveValue('465')
    await user.clear(imap.getByLabelText('Port'))
    await user.type(imap.getByLabelText('Port'), '1993')
    await user.selectOptions(imap.getByLabelText('Security'), 'starttls')
    expect(imap.getByLabelText('Port')).toHaveValue('1993')
  })

  it('keyring unavailable: a clear warning, and the password fields are turned off', async () => {
    const { smtp, imap } = await show(
      mailSettings({ smtp: account(), keyringAvailable: false, keyringProblem: 'No Secret Service on D-Bus.' }),
    )
    expect(screen.getByText('Passwords can’t be saved on this computer')).toBeInTheDocument()
    expect(screen.getByText('No Secret Service on D-Bus.')).toBeInTheDocument()
    for (const card of [smtp, imap]) {
      const password = card.getByLabelText('Password')
      expect(password).toBeDisabled()
      expect(password).toHaveAttribute('type', 'password')
      expect(card.getByText(/kept only in the system keyring.*will not be\s+stored in plain text/)).toBeInTheDocument()
    }
    expect(smtp.getByLabelText('Host')).toBeEnabled()
  })

  it('a saved password is kept unless a new one is typed', async () => {
    const { smtp, imap } = await show(mailSettings({ smtp: account() }))
    expect(smtp.getByLabelText('Password')).toHaveAttribute('placeholder', 'Saved — leave empty to keep')
    expect(smtp.getByLabelText('Password')).toBeEnabled()
    expect(imap.getByLabelText('Password')).not.toHaveAttribute('placeholder')
    expect(smtp.getByLabelText('Host')).toHaveValue('smtp.acme.example')
  })

  it('saves the form and shows a server field error under its field', async () => {
    const user = userEvent.setup()
    const { smtp } = await show(mailSettings())
    await user.type(smtp.getByLabelText('Host'), 'smtp.acme.example')
    await user.type(smtp.getByLabelText('Username'), 'help@acme.example')
    await user.type(smtp.getByLabelText('Password'), 's3cret ')
    m.saveSmtp.mockRejectedValueOnce(
      new api.ApiError('invalid_input', 'Security can be turned off only for a server on this computer.', 'tls'),
    )
    await user.click(smtp.getByRole('button', { name: 'Save' }))
    expect(m.saveSmtp).toHaveBeenCalledWith({
      host: 'smtp.acme.example',
      port: 587,
      tls: 'starttls',
      username: 'help@acme.example',
      password: 's3cret ',
      address: '',
    })
    expect(smtp.getByLabelText('Security')).toHaveAttribute('aria-invalid', 'true')
    expect(smtp.getByText('Security can be turned off only for a server on this computer.')).toBeInTheDocument()

    m.saveSmtp.mockResolvedValueOnce(mailSettings({ smtp: account() }))
    await user.click(smtp.getByRole('button', { name: 'Save' }))
    expect(await smtp.findByText('Saved.')).toBeInTheDocument()
    expect(smtp.getByLabelText('Password')).toHaveValue('')
    expect(smtp.getByLabelText('Password')).toHaveAttribute('placeholder', 'Saved — leave empty to keep')
  })

  it('the optional bounce mailbox: saved with its address, removed again', async () => {
    const user = userEvent.setup()
    await show(mailSettings())
    const bounce = within(screen.getByRole('region', { name: 'Bounce mailbox (optional)' }))
    expect(bounce.queryByRole('button', { name: 'Remove' })).not.toBeInTheDocument()
    await user.type(bounce.getByLabelText('Host'), 'imap.acme.example')
    await user.type(bounce.getByLabelText('Username'), 'bounces')
    await user.click(bounce.getByRole('button', { name: 'Save' }))
    expect(m.saveBounce).not.toHaveBeenCalled()
    expect(bounce.getByLabelText('Bounce address')).toHaveAttribute('aria-invalid', 'true')

    const saved = account({ host: 'imap.acme.example', port: 993, tls: 'implicit', username: 'bounces', address: 'bounces@acme.example' })
    m.saveBounce.mockResolvedValueOnce(mailSettings({ bounce: saved }))
    await user.type(bounce.getByLabelText('Bounce address'), 'bounces@acme.example')
    await user.click(bounce.getByRole('button', { name: 'Save' }))
    expect(m.saveBounce).toHaveBeenCalledWith({
      host: 'imap.acme.example',
      port: 993,
      tls: 'implicit',
      username: 'bounces',
      password: '',
      address: 'bounces@acme.example',
    })
    expect(await bounce.findByText('Saved.')).toBeInTheDocument()

    m.removeBounce.mockResolvedValueOnce(mailSettings())
    await user.click(bounce.getByRole('button', { name: 'Remove' }))
    expect(m.removeBounce).toHaveBeenCalled()
    expect(await bounce.findByText('Removed.')).toBeInTheDocument()
    expect(bounce.getByLabelText('Bounce address')).toHaveValue('')
    expect(bounce.queryByRole('button', { name: 'Remove' })).not.toBeInTheDocument()
  })

  it('checks host and port before sending', async () => {
    const user = userEvent.setup()
    const { imap } = await show(mailSettings())
    await user.clear(imap.getByLabelText('Port'))
    await user.type(imap.getByLabelText('Port'), '99999')
    await user.click(imap.getByRole('button', { name: 'Save' }))
    expect(m.saveImap).not.toHaveBeenCalled()
    expect(imap.getByLabelText('Host')).toHaveAttribute('aria-invalid', 'true')
    expect(imap.getByLabelText('Host')).toHaveFocus()
    expect(imap.getByText('Enter a port from 1 to 65535.')).toBeInTheDocument()
  })

  it('test connection: success in green, failure in red', async () => {
    const user = userEvent.setup()
    const { smtp, imap } = await show(
      mailSettings({ smtp: account(), imap: account({ host: 'imap.acme.example', port: 993, tls: 'implicit' }) }),
    )
    m.testSmtp.mockResolvedValue({ ok: true, message: 'Connected and signed in.' })
    m.testImap.mockResolvedValue({ ok: false, message: 'The server refused the username or password.' })
    await user.click(smtp.getByRole('button', { name: 'Test connection' }))
    const ok = await smtp.findByText('Connected and signed in.')
    expect(ok.closest('.result')).toHaveClass('ok')
    await user.click(imap.getByRole('button', { name: 'Test connection' }))
    const failed = await imap.findByText('The server refused the username or password.')
    expect(failed.closest('.result')).toHaveClass('failed')
  })

  it('test connection needs saved settings', async () => {
    const user = userEvent.setup()
    const { smtp, imap } = await show(mailSettings({ smtp: account() }))
    expect(imap.getByRole('button', { name: 'Test connection' })).toBeDisabled()
    expect(imap.getByText('Save these settings first, then test them.')).toBeInTheDocument()
    await user.type(smtp.getByLabelText('Host'), 'x')
    expect(smtp.getByRole('button', { name: 'Test connection' })).toBeDisabled()
    expect(smtp.getByText('Save your changes to test them.')).toBeInTheDocument()
  })

  it('agents see the settings but cannot change them', async () => {
    const { smtp } = await show(mailSettings({ smtp: account() }), false)
    expect(screen.getByText('Only owners and admins can change this.')).toBeInTheDocument()
    expect(smtp.getByLabelText('Host')).toBeDisabled()
    expect(smtp.queryByRole('button', { name: 'Save' })).not.toBeInTheDocument()
  })

  it('each card says how its account is doing: retrying since when with the error, connected by IDLE', async () => {
    const since = new Date(Date.now() - 20 * 60_000).toISOString()
    const at = new Date(Date.now() - 60_000).toISOString()
    m.getMailHealth.mockResolvedValue([
      mailHealth({ state: 'retrying', lastError: 'cannot reach the SMTP server: connection refused', lastErrorAt: at, retryingSince: since, lastOkAt: '' }),
      mailHealth({ purpose: 'imap', state: 'connected', mode: 'idle' }),
    ])
    const { smtp, imap } = await show(
      mailSettings({ smtp: account(), imap: account({ host: 'imap.acme.example', port: 993, tls: 'implicit' }) }),
    )
    const problem = await smtp.findByRole('alert')
    expect(problem).toHaveTextContent(
      'Retrying the outgoing mail server since 20 minutes ago: cannot reach the SMTP server: connection refused (last tried 1 minute ago)',
    )
    expect(within(problem).getAllByRole('time')[0]).toHaveAttribute('datetime', since)
    expect(imap.getByText(/Connected: new mail is noticed at once \(IDLE\)/)).toBeInTheDocument()
    expect(imap.queryByRole('alert')).not.toBeInTheDocument()
  })

  it('a mailbox that has worked again keeps when the last problem was; polling is named', async () => {
    m.getMailHealth.mockResolvedValue([
      mailHealth({ state: 'not_set_up', lastOkAt: '' }),
      mailHealth({ purpose: 'imap', state: 'connected', mode: 'polling', lastErrorAt: new Date(Date.now() - 3 * 3600_000).toISOString() }),
    ])
    const { smtp, imap } = await show(mailSettings({ imap: account({ host: 'imap.acme.example' }) }))
    expect(await imap.findByText(/checked every 30 seconds \(the server has no IDLE\)/)).toBeInTheDocument()
    expect(imap.getByText(/Last problem/)).toHaveTextContent('Last problem 3 hours ago.')
    expect(smtp.queryByText(/Working|Retrying|Nothing sent/)).not.toBeInTheDocument()
  })
})
