import { beforeEach, describe, expect, it, vi } from 'vitest'
import { render, screen } from '@testing-library/svelte'
import userEvent from '@testing-library/user-event'
import FirstRun from '../FirstRun.svelte'
import SignInAgain from './SignInAgain.svelte'
import * as api from '../../api'
import { teamState } from '../../../test/fixtures'

vi.mock('../../api', async (importOriginal) =>
  (await import('../../../test/apiMock')).mockCalls(await importOriginal()),
)

const mocked = vi.mocked(api)

/** The text an input's aria-describedby points at. */
function description(input: HTMLElement): string {
  return (input.getAttribute('aria-describedby') ?? '')
    .split(' ')
    .map((id) => document.getElementById(id)?.textContent ?? '')
    .join(' ')
}

async function openJoin() {
  const user = userEvent.setup()
  const onJoined = vi.fn()
  render(FirstRun, { onComplete: vi.fn(), onJoined })
  expect(screen.getByRole('button', { name: 'Start a new organization on this computer' })).toHaveAttribute('aria-pressed', 'true')
  await user.click(screen.getByRole('button', { name: 'Join a team' }))
  return { user, onJoined }
}

describe('First run: join a team', () => {
  beforeEach(() => {
    mocked.startTeamSignin.mockResolvedValue(teamState({ mode: 'solo', pendingEmail: 'sam@acme.example', pendingServer: 'https://desk.acme.example' }))
  })

  it('by an emailed code: address and email, then the code; joined with the answer', async () => {
    const { user, onJoined } = await openJoin()
    expect(screen.queryByLabelText('Organization name')).not.toBeInTheDocument()
    await user.type(screen.getByLabelText('Team server address'), 'https://desk.acme.example')
    await user.type(screen.getByLabelText('Your email'), 'sam@acme.example')
    await user.click(screen.getByRole('button', { name: 'Send me a code' }))
    expect(mocked.startTeamSignin).toHaveBeenCalledWith('https://desk.acme.example', 'sam@acme.example')

    expect(await screen.findByText(/We emailed a 6-digit code to/)).toHaveTextContent('sam@acme.example')
    const joined = teamState({ status: { ...teamState().status, phase: 'copying' } })
    mocked.finishTeamSignin.mockResolvedValue(joined)
    await user.type(screen.getByLabelText('Sign-in code'), '123456')
    await user.click(screen.getByRole('button', { name: 'Sign in' }))
    expect(mocked.finishTeamSignin).toHaveBeenCalledWith('123456')
    expect(onJoined).toHaveBeenCalledWith(joined)
  })

  it('shows the server’s refusal at the address field, and a wrong code at the code', async () => {
    const { user, onJoined } = await openJoin()
    mocked.startTeamSignin.mockRejectedValueOnce(
      new api.ApiError('invalid_input', 'Use https:// (http only for this computer).', 'serverUrl'),
    )
    const server = screen.getByLabelText('Team server address')
    await user.type(server, 'http://desk.acme.example')
    await user.type(screen.getByLabelText('Your email'), 'sam@acme.example')
    await user.click(screen.getByRole('button', { name: 'Send me a code' }))
    expect(await screen.findByText('Use https:// (http only for this computer).')).toBeInTheDocument()
    expect(server).toHaveAttribute('aria-invalid', 'true')
    expect(description(server)).toContain('Use https:// (http only for this computer).')
    expect(server).toHaveFocus()

    await user.clear(server)
    await user.type(server, 'https://desk.acme.example')
    await user.click(screen.getByRole('button', { name: 'Send me a code' }))
    mocked.finishTeamSignin.mockRejectedValueOnce(new api.ApiError('invalid_input', 'That code is wrong or expired.', 'code'))
    const code = await screen.findByLabelText('Sign-in code')
    await user.type(code, '000000')
    await user.click(screen.getByRole('button', { name: 'Sign in' }))
    expect(await screen.findByText('That code is wrong or expired.')).toBeInTheDocument()
    expect(code).toHaveAttribute('aria-invalid', 'true')
    expect(onJoined).not.toHaveBeenCalled()
  })

  it('says which fields are empty without asking the server', async () => {
    const { user } = await openJoin()
    await user.click(screen.getByRole('button', { name: 'Send me a code' }))
    expect(screen.getByLabelText('Team server address')).toHaveAttribute('aria-invalid', 'true')
    expect(screen.getByLabelText('Your email')).toHaveAttribute('aria-invalid', 'true')
    expect(mocked.startTeamSignin).not.toHaveBeenCalled()
  })

  it('by an invitation link and a name; a bad link is shown at the link', async () => {
    const { user, onJoined } = await openJoin()
    await user.click(screen.getByRole('button', { name: 'I have an invitation link' }))
    const link = screen.getByLabelText('Invitation link')
    await user.type(link, 'https://desk.acme.example/join')
    await user.type(screen.getByLabelText('Your name'), 'Kim Lee')
    mocked.acceptInvitation.mockRejectedValueOnce(
      new api.ApiError('invalid_input', 'Paste the whole invitation link from the email (https://…/join#…).', 'link'),
    )
    await user.click(screen.getByRole('button', { name: 'Join the team' }))
    expect(await screen.findByText(/Paste the whole invitation link/)).toBeInTheDocument()
    expect(link).toHaveAttribute('aria-invalid', 'true')
    expect(onJoined).not.toHaveBeenCalled()

    const joined = teamState()
    mocked.acceptInvitation.mockResolvedValueOnce(joined)
    await user.clear(link)
    await user.type(link, 'https://desk.acme.example/join#tok')
    await user.click(screen.getByRole('button', { name: 'Join the team' }))
    expect(mocked.acceptInvitation).toHaveBeenLastCalledWith('https://desk.acme.example/join#tok', 'Kim Lee')
    expect(onJoined).toHaveBeenCalledWith(joined)
  })

  it('a refusal without a field (an expired invitation) is shown above the button', async () => {
    const { user } = await openJoin()
    await user.click(screen.getByRole('button', { name: 'I have an invitation link' }))
    await user.type(screen.getByLabelText('Invitation link'), 'https://desk.acme.example/join#old')
    await user.type(screen.getByLabelText('Your name'), 'Kim Lee')
    mocked.acceptInvitation.mockRejectedValueOnce(new api.ApiError('gone', 'This invitation expired: ask for a new one.'))
    await user.click(screen.getByRole('button', { name: 'Join the team' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('This invitation expired: ask for a new one.')
  })
})

describe('Sign in again', () => {
  it('prefills the server and the email of the ended session', async () => {
    const user = userEvent.setup()
    const onBack = vi.fn()
    render(SignInAgain, { team: teamState({ ended: 'signed_out' }), onJoined: vi.fn(), onBack })
    expect(screen.getByLabelText('Team server address')).toHaveValue('https://desk.acme.example')
    expect(screen.getByLabelText('Your email')).toHaveValue('sam@acme.example')
    mocked.startTeamSignin.mockResolvedValue(teamState({ pendingEmail: 'sam@acme.example' }))
    await user.click(screen.getByRole('button', { name: 'Send me a code' }))
    expect(mocked.startTeamSignin).toHaveBeenCalledWith('https://desk.acme.example', 'sam@acme.example')
    await user.click(screen.getByRole('button', { name: 'Back to the copy on this computer' }))
    expect(onBack).toHaveBeenCalled()
  })
})

describe('First run opened with an invitation', () => {
  it('starts on "Join a team" with the link filled in; the agent gives a name and joins', async () => {
    const user = userEvent.setup()
    const onJoined = vi.fn()
    const link = 'https://desk.acme.example/join#abcdefghijklmnopqrstuvwxyz012345'
    mocked.acceptInvitation.mockResolvedValue(teamState())
    render(FirstRun, { onComplete: vi.fn(), onJoined, invitationLink: link })
    expect(screen.getByRole('button', { name: 'Join a team' })).toHaveAttribute('aria-pressed', 'true')
    expect(screen.getByLabelText('Invitation link')).toHaveValue(link)
    await user.type(screen.getByLabelText('Your name'), 'Sam Rivera')
    await user.click(screen.getByRole('button', { name: 'Join the team' }))
    expect(mocked.acceptInvitation).toHaveBeenCalledWith(link, 'Sam Rivera')
    expect(onJoined).toHaveBeenCalled()
  })
})
