import { beforeEach, describe, expect, it, vi } from 'vitest'
import { render, screen, within } from '@testing-library/svelte'
import userEvent from '@testing-library/user-event'
import AgentsSection from './AgentsSection.svelte'
import * as api from '../../api'

vi.mock('../../api', async (importOriginal) =>
  (await import('../../../test/apiMock')).mockCalls(await importOriginal()),
)

const m = vi.mocked(api)

const sam: api.TeamAgent = { id: 'agt_1', name: 'Sam Rivera', email: 'sam@acme.example', role: 'owner', createdAt: '2026-05-01T09:00:00Z' }
const kim: api.TeamAgent = { id: 'agt_2', name: 'Kim Lee', email: 'kim@acme.example', role: 'agent', createdAt: '2026-05-02T09:00:00Z' }
const invitation: api.TeamInvitation = {
  id: 'inv_1',
  email: 'noor@acme.example',
  role: 'admin',
  invitedBy: 'Sam Rivera',
  createdAt: '2026-05-03T09:00:00Z',
  expiresAt: '2026-05-10T09:00:00Z',
  expired: false,
}

beforeEach(() => {
  m.listTeamAgents.mockResolvedValue([sam, kim])
  m.listInvitations.mockResolvedValue([invitation, { ...invitation, id: 'inv_2', email: 'old@acme.example', role: 'agent', expired: true }])
})

function show(props: Partial<{ inTeam: boolean; canManage: boolean; myId: string; blocked: string }> = {}) {
  render(AgentsSection, { inTeam: true, canManage: true, myId: 'agt_1', ...props })
}

describe('Organization → Agents', () => {
  it('solo: one line on why there is one agent and how teams work', () => {
    show({ inTeam: false })
    expect(screen.getByTestId('agents-solo')).toHaveTextContent(
      'A solo desk has one agent: you. Several agents share an organization through a team server (vouchd): see docs/vouchd.md.',
    )
    expect(m.listTeamAgents).not.toHaveBeenCalled()
  })

  it('lists the agents and the pending invitations, an expired one marked', async () => {
    show()
    const kimRow = await screen.findByTestId('agent-agt_2')
    expect(kimRow).toHaveTextContent('Kim Lee')
    expect(kimRow).toHaveTextContent('kim@acme.example')
    expect(within(kimRow).getByLabelText('Role of Kim Lee')).toHaveValue('agent')
    expect(screen.getByTestId('agent-agt_1')).toHaveTextContent('(you)')
    expect(within(screen.getByTestId('agent-agt_1')).queryByRole('button', { name: 'Deactivate…' })).not.toBeInTheDocument()
    expect(await screen.findByTestId('invitation-inv_1')).toHaveTextContent(/Admin · invited May 3, 2026 · expires May 10, 2026/)
    expect(screen.getByTestId('invitation-inv_2')).toHaveTextContent('Expired')
  })

  it('invites by email and role, and shows a refusal at the form', async () => {
    const user = userEvent.setup()
    show()
    await screen.findByTestId('invitation-inv_1')
    m.inviteAgent.mockRejectedValueOnce(new api.ApiError('already_agent', 'kim@acme.example is already an agent here.'))
    await user.type(screen.getByLabelText('Email'), 'kim@acme.example')
    await user.click(screen.getByRole('button', { name: 'Invite' }))
    expect(await screen.findByText('kim@acme.example is already an agent here.')).toBeInTheDocument()
    expect(screen.getByLabelText('Email')).toHaveAttribute('aria-invalid', 'true')

    const fresh = { ...invitation, id: 'inv_3', email: 'ola@acme.example', role: 'admin' as const }
    m.inviteAgent.mockResolvedValueOnce(fresh)
    await user.clear(screen.getByLabelText('Email'))
    await user.type(screen.getByLabelText('Email'), 'ola@acme.example')
    await user.selectOptions(screen.getByLabelText('Role'), 'admin')
    await user.click(screen.getByRole('button', { name: 'Invite' }))
    expect(m.inviteAgent).toHaveBeenLastCalledWith('ola@acme.example', 'admin')
    expect(await screen.findByTestId('invitation-inv_3')).toHaveTextContent('ola@acme.example')
    expect(screen.getByRole('status')).toHaveTextContent('Invitation sent to ola@acme.example.')
  })

  it('resends and revokes an invitation', async () => {
    const user = userEvent.setup()
    show()
    const row = await screen.findByTestId('invitation-inv_1')
    m.resendInvitation.mockResolvedValue({ ...invitation, expiresAt: '2026-05-20T09:00:00Z' })
    await user.click(within(row).getByRole('button', { name: /^Resend/ }))
    expect(m.resendInvitation).toHaveBeenCalledWith('inv_1')
    expect(await screen.findByText(/A new link went to noor@acme.example/)).toBeInTheDocument()
    expect(screen.getByTestId('invitation-inv_1')).toHaveTextContent('expires May 20, 2026')

    m.revokeInvitation.mockResolvedValue()
    await user.click(within(screen.getByTestId('invitation-inv_1')).getByRole('button', { name: /^Revoke/ }))
    expect(m.revokeInvitation).toHaveBeenCalledWith('inv_1')
    expect(screen.queryByTestId('invitation-inv_1')).not.toBeInTheDocument()
  })

  it('changes a role; a refusal (the last owner) is shown in the server’s words and the role stays', async () => {
    const user = userEvent.setup()
    show()
    const select = within(await screen.findByTestId('agent-agt_2')).getByLabelText('Role of Kim Lee')
    m.setTeamRole.mockResolvedValueOnce({ ...kim, role: 'admin' })
    await user.selectOptions(select, 'admin')
    expect(m.setTeamRole).toHaveBeenCalledWith('agt_2', 'admin')
    expect(await screen.findByText('Kim Lee is now admin.')).toBeInTheDocument()

    const own = within(screen.getByTestId('agent-agt_1')).getByLabelText('Role of Sam Rivera')
    m.setTeamRole.mockRejectedValueOnce(new api.ApiError('last_owner', 'The organization needs at least one owner.'))
    await user.selectOptions(own, 'agent')
    expect(await screen.findByRole('alert')).toHaveTextContent('The organization needs at least one owner.')
    expect(own).toHaveValue('owner')
  })

  it('deactivates after a confirm naming the person and saying their sessions end at once', async () => {
    const user = userEvent.setup()
    show()
    await user.click(within(await screen.findByTestId('agent-agt_2')).getByRole('button', { name: 'Deactivate…' }))
    const dialog = screen.getByRole('dialog', { name: 'Deactivate Kim Lee?' })
    expect(dialog).toHaveTextContent('Kim Lee (kim@acme.example) can no longer sign in, and their sessions end at once')
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }))
    expect(m.deactivateAgent).not.toHaveBeenCalled()

    m.deactivateAgent.mockResolvedValue()
    m.listTeamAgents.mockResolvedValue([sam])
    await user.click(within(screen.getByTestId('agent-agt_2')).getByRole('button', { name: 'Deactivate…' }))
    await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Deactivate' }))
    expect(m.deactivateAgent).toHaveBeenCalledWith('agt_2')
    await vi.waitFor(() => expect(screen.queryByTestId('agent-agt_2')).not.toBeInTheDocument())
  })

  it('shows an agent’s sessions and revokes one', async () => {
    const user = userEvent.setup()
    m.listSessions.mockResolvedValue([
      { id: 'ses_1', agentId: 'agt_2', device: 'Kim’s laptop', method: 'Email code', createdAt: '2026-05-04T09:00:00Z', lastSeenAt: '2026-05-09T09:00:00Z', current: false },
      { id: 'ses_2', agentId: 'agt_2', device: 'Front desk', method: 'Invitation', createdAt: '2026-05-05T09:00:00Z', lastSeenAt: '', current: true },
    ])
    show()
    await user.click(within(await screen.findByTestId('agent-agt_2')).getByRole('button', { name: 'Sessions of Kim Lee' }))
    expect(m.listSessions).toHaveBeenCalledWith('agt_2')
    const list = await screen.findByRole('list', { name: 'Sessions of Kim Lee' })
    expect(within(list).getByTestId('session-ses_1')).toHaveTextContent(/Kim’s laptop.*Email code · signed in May 4, 2026/)
    expect(within(list).getByTestId('session-ses_2')).toHaveTextContent('current')

    m.revokeSession.mockResolvedValue()
    await user.click(within(screen.getByTestId('session-ses_1')).getByRole('button', { name: /^Revoke/ }))
    expect(m.revokeSession).toHaveBeenCalledWith('ses_1')
    expect(screen.queryByTestId('session-ses_1')).not.toBeInTheDocument()
  })

  it('the signed-in agent’s own sessions are asked for without an id', async () => {
    const user = userEvent.setup()
    m.listSessions.mockResolvedValue([])
    show({ canManage: false, myId: 'agt_2' })
    await user.click(within(await screen.findByTestId('agent-agt_2')).getByRole('button', { name: 'Sessions of Kim Lee' }))
    expect(m.listSessions).toHaveBeenCalledWith('')
    expect(await screen.findByText('Kim Lee is not signed in anywhere.')).toBeInTheDocument()
  })

  it('a plain agent sees roles as text, no invite form, and the server’s refusal of the invitations', async () => {
    m.listInvitations.mockRejectedValue(new api.ApiError('forbidden', 'Only owners and admins can see invitations.'))
    show({ canManage: false, myId: 'agt_2' })
    expect(await screen.findByText(/Only owners and admins can see invitations\./)).toBeInTheDocument()
    expect(screen.queryByLabelText('Role of Sam Rivera')).not.toBeInTheDocument()
    expect(screen.getByTestId('agent-agt_1')).toHaveTextContent('Owner')
    expect(screen.queryByRole('button', { name: 'Invite' })).not.toBeInTheDocument()
  })

  it('offline: the changes are disabled with the reason', async () => {
    show({ blocked: 'Needs the team server (offline since 14:32).' })
    const row = await screen.findByTestId('agent-agt_2')
    const deactivate = within(row).getByRole('button', { name: 'Deactivate…' })
    expect(deactivate).toBeDisabled()
    expect(deactivate).toHaveAttribute('title', 'Needs the team server (offline since 14:32).')
    expect(within(row).getByLabelText('Role of Kim Lee')).toBeDisabled()
    expect(screen.getByRole('button', { name: 'Invite' })).toBeDisabled()
  })
})
