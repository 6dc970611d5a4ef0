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

async function show(canManage = true) {
  m.listInboxes.mockResolvedValue([inboxSettings({ idleEndMinutes: 30 }), inboxSettings({ id: 'ibx_2', name: 'Phone', kind: 'phone' })])
  m.getGoogleClientId.mockResolvedValue('')
  render(InboxSettingsPanel, { canManage, onOpenAddress: vi.fn() })
  return (await screen.findByLabelText('End a chat after')) as HTMLInputElement
}

describe('Settings → Inboxes → idle end', () => {
  beforeEach(() => {
    fakeEvents(m.subscribe)
  })

  it('shows the stored minutes for chat inboxes only, and saves a new value', async () => {
    const user = userEvent.setup()
    const input = await show()
    expect(input.value).toBe('30')
    expect(screen.getAllByLabelText('End a chat after')).toHaveLength(1) // not for the phone inbox
    m.setInboxIdleEnd.mockResolvedValue(inboxSettings({ idleEndMinutes: 0 }))
    await user.clear(input)
    await user.type(input, '0')
    await user.click(screen.getByRole('button', { name: 'Save idle time' }))
    expect(m.setInboxIdleEnd).toHaveBeenCalledWith('ibx_1', 0)
    expect(await screen.findByText('Saved')).toBeInTheDocument()
    expect(input.value).toBe('0')
  })

  it('refuses what is not 0-1440 without calling the server, and shows a server refusal', async () => {
    const user = userEvent.setup()
    const input = await show()
    for (const bad of ['-5', '1441', 'ten']) {
      await user.clear(input)
      await user.type(input, bad)
      await user.click(screen.getByRole('button', { name: 'Save idle time' }))
      expect(screen.getByRole('alert')).toHaveTextContent('Enter a number of minutes from 0 (never) to 1440 (a day).')
      expect(input).toHaveAttribute('aria-invalid', 'true')
    }
    expect(m.setInboxIdleEnd).not.toHaveBeenCalled()
    m.setInboxIdleEnd.mockRejectedValue(new api.ApiError('forbidden', 'Only an owner or an admin can change inbox settings.'))
    await user.clear(input)
    await user.type(input, '45')
    await user.click(screen.getByRole('button', { name: 'Save idle time' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('Only an owner or an admin can change inbox settings.')
  })

  it('is read-only for agents', async () => {
    const input = await show(false)
    expect(input).toHaveAttribute('readonly')
    expect(screen.queryByRole('button', { name: 'Save idle time' })).toBeNull()
  })
})
