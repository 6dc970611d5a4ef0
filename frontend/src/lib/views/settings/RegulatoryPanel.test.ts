import { describe, expect, it, vi } from 'vitest'
import { fireEvent, render, screen } from '@testing-library/svelte'
import userEvent from '@testing-library/user-event'
import RegulatoryPanel from './RegulatoryPanel.svelte'
import * as api from '../../api'

vi.mock('../../api', async (importOriginal) =>
  (await import('../../../test/apiMock')).mockCalls(await importOriginal()),
)

const m = vi.mocked(api)
const CONSENT = 'We store your email to answer you.'

async function show(settings: api.Regulatory = { doubleOptIn: false, consentText: CONSENT }, canManage = true) {
  m.getRegulatory.mockResolvedValue(settings)
  render(RegulatoryPanel, { canManage })
  const toggle = await screen.findByRole('switch', { name: 'Double opt-in for new contacts' })
  const consent = screen.getByRole('textbox', { name: 'Consent text' })
  return { toggle, consent }
}

describe('Settings → Regulatory', () => {
  it('shows the saved settings with a character counter', async () => {
    const { toggle, consent } = await show({ doubleOptIn: true, consentText: CONSENT })
    expect(toggle).toHaveAttribute('aria-checked', 'true')
    expect(consent).toHaveValue(CONSENT)
    expect(screen.getByText(`${CONSENT.length} / 1,000`, { exact: false })).toBeInTheDocument()
    expect(screen.getByRole('button', { name: 'Save' })).toBeDisabled()
  })

  it('saves the switch and the text together', async () => {
    const user = userEvent.setup()
    const { toggle, consent } = await show()
    await user.click(toggle)
    await user.clear(consent)
    await user.type(consent, 'New consent text')
    m.saveRegulatory.mockResolvedValue({ doubleOptIn: true, consentText: 'New consent text' })
    await user.click(screen.getByRole('button', { name: 'Save' }))
    expect(m.saveRegulatory).toHaveBeenCalledWith({ doubleOptIn: true, consentText: 'New consent text' })
    expect(await screen.findByText('Saved.')).toBeInTheDocument()
    expect(toggle).toHaveAttribute('aria-checked', 'true')
    expect(screen.getByRole('button', { name: 'Save' })).toBeDisabled()
  })

  it('refuses more than 1000 characters before asking the Go side', async () => {
    const user = userEvent.setup()
    const { consent } = await show()
    await fireEvent.input(consent, { target: { value: 'a'.repeat(1001) } })
    expect(screen.getByText(/1,001 \/ 1,000/)).toHaveClass('over')
    await user.click(screen.getByRole('button', { name: 'Save' }))
    expect(m.saveRegulatory).not.toHaveBeenCalled()
    expect(screen.getByText(/at most 1,000 characters/)).toBeInTheDocument()
    expect(consent).toHaveAttribute('aria-invalid', 'true')
  })

  it('shows the Go side’s field error under the text and a refusal as a notice', async () => {
    const user = userEvent.setup()
    const { consent } = await show()
    await user.type(consent, '!')
    m.saveRegulatory.mockRejectedValueOnce(new api.ApiError('invalid_input', 'Use plain text.', 'consentText'))
    await user.click(screen.getByRole('button', { name: 'Save' }))
    expect(await screen.findByText('Use plain text.')).toBeInTheDocument()
    expect(consent).toHaveAccessibleDescription(expect.stringContaining('Use plain text.'))

    m.saveRegulatory.mockRejectedValueOnce(new api.ApiError('forbidden', 'Only an owner or an admin can change this.'))
    await user.type(consent, '!')
    await user.click(screen.getByRole('button', { name: 'Save' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('Only an owner or an admin can change this.')
    expect(consent).toHaveValue(`${CONSENT}!!`)
  })

  it('is read-only for agents', async () => {
    const user = userEvent.setup()
    const { toggle, consent } = await show({ doubleOptIn: false, consentText: CONSENT }, false)
    expect(screen.getByText('Only owners and admins can change these settings.')).toBeInTheDocument()
    expect(toggle).toHaveAttribute('aria-disabled', 'true')
    await user.click(toggle)
    expect(toggle).toHaveAttribute('aria-checked', 'false')
    expect(consent).toHaveAttribute('readonly')
    expect(screen.queryByRole('button', { name: 'Save' })).not.toBeInTheDocument()
  })

  it('says so when the settings cannot be loaded, and retries', async () => {
    const user = userEvent.setup()
    m.getRegulatory.mockRejectedValueOnce(new api.ApiError('unknown', 'engine stopped'))
    render(RegulatoryPanel, { canManage: true })
    expect(await screen.findByRole('alert')).toHaveTextContent('engine stopped')
    m.getRegulatory.mockResolvedValue({ doubleOptIn: false, consentText: '' })
    await user.click(screen.getByRole('button', { name: 'Try again' }))
    expect(await screen.findByRole('switch')).toBeInTheDocument()
  })
})
