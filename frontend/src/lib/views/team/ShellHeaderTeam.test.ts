import { describe, expect, it, vi } from 'vitest'
import { render, screen, within } from '@testing-library/svelte'
import userEvent from '@testing-library/user-event'
import ShellHeader from '../ShellHeader.svelte'
import * as api from '../../api'
import { teamState, teamStatus } from '../../../test/fixtures'

vi.mock('../../api', async (importOriginal) =>
  (await import('../../../test/apiMock')).mockCalls(await importOriginal()),
)

const m = vi.mocked(api)
const me: api.Agent = { id: 'agt_1', name: 'Sam Rivera', email: 'sam@acme.example', role: 'admin' }

describe('ShellHeader on a team member’s desktop', () => {
  it('the avatar menu says who and where, and signs out after a confirm', async () => {
    const user = userEvent.setup()
    const onTeam = vi.fn()
    render(ShellHeader, { organizationName: 'Acme Support', me, team: teamState(), onTeam })
    await user.click(screen.getByRole('button', { name: /Signed in as Sam Rivera/ }))
    const menu = screen.getByRole('region', { name: 'Your account' })
    expect(menu).toHaveTextContent('Sam Rivera')
    expect(menu).toHaveTextContent('sam@acme.example')
    expect(menu).toHaveTextContent('Acme Support')
    expect(menu).toHaveTextContent('https://desk.acme.example')

    await user.click(within(menu).getByRole('button', { name: 'Sign out' }))
    const dialog = screen.getByRole('dialog', { name: 'Sign out of Acme Support?' })
    expect(dialog).toHaveTextContent('What was copied stays readable on this computer until you remove it.')
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }))
    expect(m.signOutOfTeam).not.toHaveBeenCalled()

    const out = teamState({ ended: 'signed_out', status: teamStatus({ phase: 'ended', online: false }) })
    m.signOutOfTeam.mockResolvedValue(out)
    await user.click(within(screen.getByRole('region', { name: 'Your account' })).getByRole('button', { name: 'Sign out' }))
    await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Sign out' }))
    expect(m.signOutOfTeam).toHaveBeenCalledOnce()
    expect(onTeam).toHaveBeenCalledWith(out)
  })

  it('a solo desk has no menu', () => {
    render(ShellHeader, { organizationName: 'Acme Support', me })
    expect(screen.queryByRole('button')).not.toBeInTheDocument()
    expect(screen.getByText('Sam Rivera')).toBeInTheDocument()
  })
})
