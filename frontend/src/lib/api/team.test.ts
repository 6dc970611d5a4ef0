// Exercises the real Team bindings in wailsjs/ against a stubbed window.go.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { finishTeamSignin, getTeamState, listTeamAgents, startTeamSignin } from './index'

type Bound = Record<string, (...args: unknown[]) => Promise<unknown>>

function stubTeam(team: Bound) {
  const w = window as unknown as { go?: unknown }
  w.go = { services: { Team: team } }
}

afterEach(() => {
  delete (window as unknown as { go?: unknown }).go
})

describe('team api', () => {
  it('getTeamState: a solo answer with nothing else is filled in as solo', async () => {
    stubTeam({ State: () => Promise.resolve({ mode: 'solo' }) })
    const st = await getTeamState()
    expect(st.mode).toBe('solo')
    expect(st.ended).toBe('')
    expect(st.status.phase).toBe('live')
    expect(st.status.copy.timeLeftKnown).toBe(false)
    expect(st.replica).toEqual({ path: '', bytes: 0, conversations: 0, contacts: 0 })
  })

  it('getTeamState: an ended session reads as ended and offline whatever the phase says', async () => {
    stubTeam({
      State: () =>
        Promise.resolve({ mode: 'team', ended: 'ended', endedMessage: 'Revoked\u202e.', status: { phase: 'live', online: true, kept: -2 } }),
    })
    const st = await getTeamState()
    expect(st.status.phase).toBe('ended')
    expect(st.status.online).toBe(false)
    expect(st.status.kept).toBe(0)
    expect(st.endedMessage).toBe('Revoked.')
  })

  it('startTeamSignin and finishTeamSignin send a SigninRequest; a field error is an ApiError', async () => {
    const StartSignin = vi.fn(() => Promise.resolve({ mode: 'solo', pendingEmail: 'sam@acme.example' }))
    const FinishSignin = vi.fn(() => Promise.reject('{"code":"invalid_input","message":"Wrong code.","field":"code"}'))
    stubTeam({ StartSignin, FinishSignin })
    await expect(startTeamSignin(' https://desk.acme.example ', 'sam@acme.example ')).resolves.toMatchObject({ pendingEmail: 'sam@acme.example' })
    expect(StartSignin).toHaveBeenCalledWith(
      expect.objectContaining({ serverUrl: 'https://desk.acme.example', email: 'sam@acme.example', code: '', link: '', name: '' }),
    )
    await expect(finishTeamSignin('123456')).rejects.toMatchObject({ code: 'invalid_input', field: 'code', message: 'Wrong code.' })
  })

  it('listTeamAgents: null is no agents; an unknown role is the least one', async () => {
    stubTeam({ Agents: () => Promise.resolve(null) })
    await expect(listTeamAgents()).resolves.toEqual([])
    stubTeam({ Agents: () => Promise.resolve([{ id: 'a', name: 'Kim', email: 'k@x', role: 'root', createdAt: '' }]) })
    await expect(listTeamAgents()).resolves.toEqual([{ id: 'a', name: 'Kim', email: 'k@x', role: 'agent', createdAt: '' }])
  })
})
