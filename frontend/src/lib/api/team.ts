// The Team service: joining a team server (by an emailed code or an invitation link), the
// state of this desktop's link to it, signing out and removing the local copy, and
// Organization → Agents (agents, invitations, sessions). The Go side emits "team:changed"
// whenever the state changes (online/offline, copying progress, the session ended). In team
// mode, calls that need the server reject with "offline", "signed_out" or "copying".
import * as Team from '../../../wailsjs/go/services/Team'
import { services } from '../../../wailsjs/go/models'
import { call } from './call'
import { ApiError } from './errors'
import { teamAgents, teamInvitation, teamSessions, teamState } from './clean'
import type { Role, SigninRequest, TeamAgent, TeamInvitation, TeamSession, TeamState } from './models'

function signin(request: Partial<SigninRequest>) {
  return services.SigninRequest.createFrom({
    serverUrl: request.serverUrl?.trim() ?? '',
    email: request.email?.trim() ?? '',
    code: request.code?.trim() ?? '',
    link: request.link?.trim() ?? '',
    name: request.name?.trim() ?? '',
  })
}

/** Whether this desktop is in a team, and how its link to the server is. */
export async function getTeamState(): Promise<TeamState> {
  return teamState(await call(() => Team.State()))
}

/**
 * Asks the server at `serverUrl` to email a sign-in code to `email`. Rejects with field
 * "serverUrl" (not https, or no team server answers there) or "email".
 */
export async function startTeamSignin(serverUrl: string, email: string): Promise<TeamState> {
  return teamState(await call(() => Team.StartSignin(signin({ serverUrl, email }))))
}

/** Signs in with the emailed code (field "code" when it is wrong or expired). */
export async function finishTeamSignin(code: string): Promise<TeamState> {
  return teamState(await call(() => Team.FinishSignin(signin({ code }))))
}

/** Joins with an invitation link (field "link" or "name"). */
export async function acceptInvitation(link: string, name: string): Promise<TeamState> {
  return teamState(await call(() => Team.AcceptInvitation(signin({ link, name }))))
}

/** Ends this desktop's session; what was copied stays readable. */
export async function signOutOfTeam(): Promise<TeamState> {
  return teamState(await call(() => Team.SignOut()))
}

/** Deletes the local copy and forgets the team (after signing out). */
export async function removeReplica(): Promise<TeamState> {
  return teamState(await call(() => Team.RemoveReplica()))
}

/** The organization's agents. */
export async function listTeamAgents(): Promise<TeamAgent[]> {
  return teamAgents(await call(() => Team.Agents()))
}

/** Changes an agent's role; rejects with forbidden or last_owner. */
export async function setTeamRole(agentId: string, role: Role): Promise<TeamAgent> {
  const agent = await call(() => Team.SetRole(agentId, role))
  if (!agent) throw new ApiError('unknown', 'The agent came back empty.')
  return teamAgents([agent])[0]
}

/** Ends an agent's access: their sessions end at once. */
export async function deactivateAgent(agentId: string): Promise<void> {
  await call(() => Team.Deactivate(agentId))
}

/** The invitations nobody has used yet. */
export async function listInvitations(): Promise<TeamInvitation[]> {
  return ((await call(() => Team.Invitations())) ?? []).map(teamInvitation)
}

/** Emails an invitation link; rejects with already_agent or invalid_input (field "email"). */
export async function inviteAgent(email: string, role: Role): Promise<TeamInvitation> {
  return teamInvitation(await call(() => Team.Invite(email.trim(), role)))
}

/** Emails a fresh link (the old one stops working). */
export async function resendInvitation(id: string): Promise<TeamInvitation> {
  return teamInvitation(await call(() => Team.ResendInvitation(id)))
}

/** Withdraws an invitation. */
export async function revokeInvitation(id: string): Promise<void> {
  await call(() => Team.RevokeInvitation(id))
}

/** An agent's sessions ('' for the signed-in agent's own). */
export async function listSessions(agentId: string): Promise<TeamSession[]> {
  return teamSessions(await call(() => Team.Sessions(agentId)))
}

/** Ends one session. */
export async function revokeSession(id: string): Promise<void> {
  await call(() => Team.RevokeSession(id))
}
