import { beforeEach, describe, expect, it, vi } from 'vitest'
import { render, screen } from '@testing-library/svelte'
import userEvent from '@testing-library/user-event'
import InboxSettingsPanel from './InboxSettingsPanel.svelte'
import * as api from '../../api'
import { fakeEvents } from '../../../test/apiMock'
import { inboxSettings } from '../../../test/fixtures'

vi.mock('../../api', async (importOriginal) =>
  (await import('../../../test/apiMock')).mockCalls(await importOriginal()),
)

const m = vi.mocked(api)
const ID = '1234567890-abc123.apps.googleusercontent.com'
const GOOGLE = 'Google Sign-In at chat start'

async function show(clientId: string, canManage = true) {
  m.listInboxes.mockResolvedValue([inboxSettings({ googleSignin: true })])
  m.getGoogleClientId.mockResolvedValue(clientId)
  render(InboxSettingsPanel, { canManage, onOpenAddress: vi.fn() })
  await screen.findAllByRole('switch')
  return screen.findByLabelText('Google client ID') as Promise<HTMLInputElement>
}

function description(el: HTMLElement): string {
  return (el.getAttribute('aria-describedby') ?? '')
    .split(' ')
    .filter(Boolean)
    .map((id) => document.getElementById(id)?.textContent?.replace(/\s+/g, ' ').trim() ?? '')
    .join(' ')
}

describe('Settings → Inboxes → Google client ID', () => {
  beforeEach(() => {
    fakeEvents(m.subscribe)
  })

  it('without an ID, the Google toggle says it shows no button; saving one (trimmed) clears that', async () => {
    const user = userEvent.setup()
    const input = await show('')
    expect(input.value).toBe('')
    const google = screen.getByRole('switch', { name: GOOGLE })
    expect(description(google)).toMatch(/needs the Google client ID above/)
    const save = screen.getByRole('button', { name: 'Save' })
    expect(save).toBeDisabled()

    m.setGoogleClientId.mockResolvedValue(ID)
    await user.type(input, `  ${ID} `)
    await user.click(save)
    expect(m.setGoogleClientId).toHaveBeenCalledWith(ID)
    expect(await screen.findByText('Saved.')).toBeInTheDocument()
    expect(input.value).toBe(ID)
    expect(description(screen.getByRole('switch', { name: GOOGLE }))).toBe('')
  })

  it('refuses an ID that is not Google’s before asking the server, and shows the server’s refusal', async () => {
    const user = userEvent.setup()
    const input = await show(ID)
    expect(input.value).toBe(ID)
    await user.clear(input)
    await user.type(input, 'my-client-id')
    await user.click(screen.getByRole('button', { name: 'Save' }))
    expect(m.setGoogleClientId).not.toHaveBeenCalled()
    expect(input).toHaveAttribute('aria-invalid', 'true')
    expect(description(input)).toMatch(/ends in \.apps\.googleusercontent\.com/)

    m.setGoogleClientId.mockRejectedValue(new api.ApiError('invalid_input', 'A Google client ID looks like 1234567890-abc123.apps.googleusercontent.com.', 'clientId'))
    await user.clear(input)
    await user.type(input, 'x-Y.apps.googleusercontent.com')
    await user.click(screen.getByRole('button', { name: 'Save' }))
    expect(await screen.findByText('A Google client ID looks like 1234567890-abc123.apps.googleusercontent.com.')).toBeInTheDocument()
  })

  it('removes the ID when emptied', async () => {
    const user = userEvent.setup()
    const input = await show(ID)
    m.setGoogleClientId.mockResolvedValue('')
    await user.clear(input)
    await user.click(screen.getByRole('button', { name: 'Save' }))
    expect(m.setGoogleClientId).toHaveBeenCalledWith('')
    expect(await screen.findByText('Removed.')).toBeInTheDocument()
  })

  it('agents see the ID but cannot change it', async () => {
    const input = await show(ID, false)
    expect(input).toBeDisabled()
    expect(input.value).toBe(ID)
    expect(screen.queryByRole('button', { name: 'Save' })).not.toBeInTheDocument()
  })
})
