import { describe, expect, it, vi } from 'vitest'
import { render, screen, within } from '@testing-library/svelte'
import userEvent from '@testing-library/user-event'
import CopyingView from './CopyingView.svelte'
import TeamBanner from './TeamBanner.svelte'
import * as api from '../../api'
import { offlineTeam, soloTeam, teamState, teamStatus } from '../../../test/fixtures'

vi.mock('../../api', async (importOriginal) =>
  (await import('../../../test/apiMock')).mockCalls(await importOriginal()),
)

const mocked = vi.mocked(api)

function copying(copy: Partial<api.CopyProgress>, status: Partial<api.TeamStatus> = {}): api.TeamState {
  const base = teamStatus().copy
  return teamState({ status: teamStatus({ phase: 'copying', copy: { ...base, phase: 'snapshot', ...copy }, ...status }) })
}

describe('CopyingView', () => {
  it('shows rows, table k of n, size, elapsed and the time left when known', () => {
    render(CopyingView, {
      team: copying({
        table: 'messages',
        tablesDone: 2,
        tablesTotal: 7,
        rows: 12_500,
        rowsTotal: 50_000,
        bytes: 3.5 * 1024 * 1024,
        elapsedSeconds: 75,
        remainingSeconds: 200,
        timeLeftKnown: true,
      }),
    })
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Copying Acme Support')
    expect(screen.getByTestId('copy-rows')).toHaveTextContent('12,500 of about 50,000')
    expect(screen.getByTestId('copy-table')).toHaveTextContent('3 of 7')
    expect(screen.getByTestId('copy-size')).toHaveTextContent('3.5 MB')
    expect(screen.getByTestId('copy-elapsed')).toHaveTextContent('1 min 15 s')
    expect(screen.getByTestId('copy-left')).toHaveTextContent('about 3 min 20 s')
    expect(screen.getByRole('status')).toHaveTextContent('Copying messages from the team server.')
    const bar = screen.getByLabelText('Copy progress')
    expect(bar).toHaveAttribute('value', '12500')
    expect(bar).toHaveAttribute('max', '50000')
  })

  it('says it is estimating while the time left is unknown, and words catching up and a lost server', () => {
    const { unmount } = render(CopyingView, { team: copying({ phase: 'changes', rows: 10, timeLeftKnown: false }) })
    expect(screen.getByTestId('copy-left')).toHaveTextContent('Estimating…')
    expect(screen.getByRole('status')).toHaveTextContent('Catching up with the changes made while copying…')
    unmount()
    render(CopyingView, { team: copying({ table: 'contacts' }, { online: false, lastError: 'connection refused', retryInSeconds: 5 }) })
    expect(screen.getByRole('status')).toHaveTextContent(
      'The team server does not answer (connection refused); trying again in 5 s. What was copied so far is kept.',
    )
  })
})

describe('TeamBanner', () => {
  it('offline: since when, the next try, what still works, and the replies waiting', () => {
    render(TeamBanner, { team: offlineTeam({ kept: 2 }), onSignInAgain: vi.fn(), onRemoved: vi.fn() })
    const banner = screen.getByRole('status')
    expect(banner).toHaveTextContent(
      'Offline since 14:32 — retrying in 8 s. Everything copied stays readable; changes wait for the server.',
    )
    expect(banner).toHaveTextContent('2 replies waiting to send')
  })

  it('copying again: why, how far, and that what is shown stays readable', () => {
    render(TeamBanner, {
      team: teamState({
        status: {
          ...teamState().status,
          recopying: true,
          recopyReason: 'The team server was updated: the organization is being copied again.',
          copy: { ...teamState().status.copy, rows: 12500 },
        },
      }),
      onSignInAgain: vi.fn(),
      onRemoved: vi.fn(),
    })
    const banner = screen.getByRole('status')
    expect(banner).toHaveTextContent('The team server was updated: the organization is being copied again.')
    expect(banner).toHaveTextContent(/12,500 rows so far/)
    expect(banner).toHaveTextContent('What you see stays readable until the new copy is ready.')
  })

  it('says nothing while online, nor on a solo desk', () => {
    const { unmount } = render(TeamBanner, { team: teamState(), onSignInAgain: vi.fn(), onRemoved: vi.fn() })
    expect(screen.queryByRole('status')).not.toBeInTheDocument()
    expect(screen.queryByRole('alert')).not.toBeInTheDocument()
    unmount()
    render(TeamBanner, { team: soloTeam(), onSignInAgain: vi.fn(), onRemoved: vi.fn() })
    expect(screen.queryByRole('status')).not.toBeInTheDocument()
  })

  it('ended: the message, sign in again, and removing the copy after a confirm that says what it holds', async () => {
    const user = userEvent.setup()
    const onSignInAgain = vi.fn()
    const onRemoved = vi.fn()
    const ended = teamState({
      ended: 'ended',
      endedMessage: 'The team server ended your session: an admin revoked it.',
      status: teamStatus({ phase: 'ended', online: false }),
      replica: { path: '/data/team-org_1.db', bytes: 5 * 1024 * 1024, conversations: 42, contacts: 17 },
    })
    render(TeamBanner, { team: ended, onSignInAgain, onRemoved })
    const banner = screen.getByRole('alert')
    expect(banner).toHaveTextContent('The team server ended your session: an admin revoked it.')

    await user.click(within(banner).getByRole('button', { name: 'Sign in again' }))
    expect(onSignInAgain).toHaveBeenCalledOnce()

    await user.click(within(banner).getByRole('button', { name: 'Remove the local copy…' }))
    const dialog = screen.getByRole('dialog', { name: 'Remove the local copy?' })
    expect(dialog).toHaveTextContent('42 conversations, 17 contacts, 5.0 MB in /data/team-org_1.db')
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }))
    expect(mocked.removeReplica).not.toHaveBeenCalled()

    const solo = soloTeam()
    mocked.removeReplica.mockResolvedValue(solo)
    await user.click(within(banner).getByRole('button', { name: 'Remove the local copy…' }))
    await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Remove the copy' }))
    expect(mocked.removeReplica).toHaveBeenCalledOnce()
    expect(onRemoved).toHaveBeenCalledWith(solo)
  })

  it('a refused removal is shown in the banner', async () => {
    const user = userEvent.setup()
    mocked.removeReplica.mockRejectedValue(new api.ApiError('conflict', 'Sign out first: the copy is removed after signing out.'))
    render(TeamBanner, {
      team: teamState({ ended: 'signed_out', endedMessage: 'You signed out.' }),
      onSignInAgain: vi.fn(),
      onRemoved: vi.fn(),
    })
    await user.click(screen.getByRole('button', { name: 'Remove the local copy…' }))
    await user.click(screen.getByRole('button', { name: 'Remove the copy' }))
    expect(await screen.findByText(/Couldn’t remove the copy: Sign out first/)).toBeInTheDocument()
  })
})
