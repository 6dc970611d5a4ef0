// Exercises the real bindings in wailsjs/ against a stubbed window.go,
// the way the Wails window provides it.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError, completeSetup, getOverview, getSetupState, quitApp } from './index'

type Bound = Record<string, (...args: unknown[]) => Promise<unknown>>

function stubGo(setup: Bound = {}, workspace: Bound = {}) {
  const w = window as unknown as { go?: unknown; runtime?: unknown }
  w.go = { services: { Setup: setup, Workspace: workspace } }
}

afterEach(() => {
  const w = window as unknown as { go?: unknown; runtime?: unknown }
  delete w.go
  delete w.runtime
})

describe('api', () => {
  it('getSetupState turns Go nil pointers into null', async () => {
    stubGo({
      State: () => Promise.resolve({ version: '0.1.0', dataDir: '/data', needsSetup: true, problem: null }),
    })
    await expect(getSetupState()).resolves.toEqual({
      version: '0.1.0',
      dataDir: '/data',
      problem: null,
      needsSetup: true,
      organization: null,
      me: null,
    })
  })

  it('getSetupState passes a startup problem through', async () => {
    const problem = { code: 'db_locked', title: 'Locked', detail: 'In use', path: '/data/vouch.db' }
    stubGo({ State: () => Promise.resolve({ version: '1', dataDir: '/data', problem, needsSetup: false }) })
    expect((await getSetupState()).problem).toEqual(problem)
  })

  it('completeSetup sends the request and maps a field error', async () => {
    const Complete = vi.fn(() =>
      Promise.reject(
        '{"code":"invalid_input","message":"Enter the owner\'s email address, like name@example.com.","field":"ownerEmail"}',
      ),
    )
    stubGo({ Complete })
    const req = { organizationName: 'Acme', ownerName: 'Sam', ownerEmail: 'nope' }
    const err = await completeSetup(req).catch((e: unknown) => e)
    expect(Complete).toHaveBeenCalledWith(expect.objectContaining(req))
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({ code: 'invalid_input', field: 'ownerEmail' })
  })

  it('getOverview turns a nil slice and nil sender into [] and null', async () => {
    stubGo(
      {},
      {
        Overview: () =>
          Promise.resolve({
            organization: { id: 'o', name: 'Acme' },
            inboxes: null,
            counts: { contacts: 1, pendingContacts: 2, conversations: 3, openConversations: 0 },
            senderEmail: null,
          }),
      },
    )
    await expect(getOverview()).resolves.toEqual({
      organization: { id: 'o', name: 'Acme' },
      inboxes: [],
      counts: { contacts: 1, pendingContacts: 2, conversations: 3, openConversations: 0 },
      senderEmail: null,
    })
  })

  it('a missing Wails bridge becomes an ApiError, not a crash', async () => {
    const err = await getOverview().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).code).toBe('unknown')
  })

  it('quitApp calls the runtime Quit, and is harmless without it', () => {
    expect(() => quitApp()).not.toThrow()
    const Quit = vi.fn()
    ;(window as unknown as { runtime: unknown }).runtime = { Quit }
    quitApp()
    expect(Quit).toHaveBeenCalledOnce()
  })
})
