// Turns what the bindings resolve with into the plain, fully-populated
// shapes in ./types. Go nil pointers and nil slices arrive as null (or the
// field may be missing): they become null and [] here, so views never need
// to guess.
import type {
  Agent,
  Counts,
  Inbox,
  Organization,
  Overview,
  Role,
  SenderEmail,
  SetupState,
  StartupProblem,
} from './types'
import { showText } from '../textrules'

type Raw = Record<string, unknown> | null | undefined

export function obj(value: unknown): Raw {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null
}

export function str(value: unknown): string {
  return typeof value === 'string' ? value : ''
}

/**
 * A string of text people typed (names, message bodies, previews), made safe to show: control
 * characters, direction overrides and invisible format characters removed (showText). Rows
 * stored before the server cleaned input may still hold them. Not for ids or values sent back.
 */
export function text(value: unknown): string {
  return showText(str(value))
}

export function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0
}

const roles: readonly Role[] = ['owner', 'admin', 'agent']

function role(value: unknown): Role {
  return roles.includes(value as Role) ? (value as Role) : 'agent'
}

export function toOrganization(value: unknown): Organization | null {
  const o = obj(value)
  return o ? { id: str(o.id), name: str(o.name) } : null
}

export function toAgent(value: unknown): Agent | null {
  const o = obj(value)
  return o ? { id: str(o.id), name: str(o.name), email: str(o.email), role: role(o.role) } : null
}

export function toProblem(value: unknown): StartupProblem | null {
  const o = obj(value)
  if (!o) return null
  return { code: str(o.code) || 'other', title: str(o.title), detail: str(o.detail), path: str(o.path) }
}

export function toSetupState(value: unknown): SetupState {
  const o = obj(value) ?? {}
  return {
    version: str(o.version),
    dataDir: str(o.dataDir),
    problem: toProblem(o.problem),
    needsSetup: o.needsSetup === true,
    organization: toOrganization(o.organization),
    me: toAgent(o.me),
  }
}

export function toInbox(value: unknown): Inbox | null {
  const o = obj(value)
  if (!o) return null
  return { id: str(o.id), name: str(o.name), kind: o.kind === 'phone' ? 'phone' : 'chat' }
}

function toCounts(value: unknown): Counts {
  const o = obj(value) ?? {}
  return {
    contacts: num(o.contacts),
    pendingContacts: num(o.pendingContacts),
    conversations: num(o.conversations),
    openConversations: num(o.openConversations),
  }
}

function toSenderEmail(value: unknown): SenderEmail | null {
  const o = obj(value)
  if (!o || !str(o.address)) return null
  return { address: str(o.address), status: o.status === 'verified' ? 'verified' : 'unverified' }
}

export function toOverview(value: unknown): Overview {
  const o = obj(value) ?? {}
  const inboxes = Array.isArray(o.inboxes) ? o.inboxes : []
  return {
    organization: toOrganization(o.organization) ?? { id: '', name: '' },
    inboxes: inboxes.map(toInbox).filter((i): i is Inbox => i !== null),
    counts: toCounts(o.counts),
    senderEmail: toSenderEmail(o.senderEmail),
  }
}
