// The api folder is the only code that talks to the Go side (this file and
// ./mail, ./inboxes, ./chat, ./events). Views import from here and never from
// wailsjs/ directly; every failure comes out as an ApiError.
import * as Setup from '../../../wailsjs/go/services/Setup'
import * as Workspace from '../../../wailsjs/go/services/Workspace'
import { services } from '../../../wailsjs/go/models'
import { Quit } from '../../../wailsjs/runtime/runtime'
import { call } from './call'
import { overview, setupState } from './clean'
import type { Overview, SetupRequest, SetupState } from './models'

export { ApiError, toApiError } from './errors'
export type * from './models'
export * from './mail'
export * from './inboxes'
export * from './chat'
export * from './transcripts'
export * from './contacts'
export * from './data'
export * from './team'
export { subscribe } from './events'

/** Where the engine stands: a startup problem, first run, or ready. */
export async function getSetupState(): Promise<SetupState> {
  return setupState(await call(() => Setup.State()))
}

/**
 * Creates the organization and its owner. Rejects with an ApiError whose
 * `field` names the bad input (organizationName, ownerName or ownerEmail).
 */
export async function completeSetup(request: SetupRequest): Promise<SetupState> {
  const req = services.SetupRequest.createFrom({
    organizationName: request.organizationName,
    ownerName: request.ownerName,
    ownerEmail: request.ownerEmail,
  })
  return setupState(await call(() => Setup.Complete(req)))
}

/** The organization's inboxes, counts and sender email. */
export async function getOverview(): Promise<Overview> {
  return overview(await call(() => Workspace.Overview()))
}

/** Closes the application window and stops the engine. */
export function quitApp(): void {
  try {
    Quit()
  } catch {
    // Outside the Wails window (a plain browser) there is nothing to quit.
  }
}
