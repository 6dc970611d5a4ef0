// The shapes the views work with. They mirror the Go structs in package
// `services` (the JSON field names are the contract) but are plain objects
// with nullable fields made explicit, whatever the generated classes say.

export type Role = 'owner' | 'admin' | 'agent'

export type StartupProblemCode =
  | 'data_dir_unwritable'
  | 'db_locked'
  | 'db_too_new'
  | 'db_corrupt'
  | 'other'

export interface StartupProblem {
  /** One of StartupProblemCode; unknown codes are treated as 'other'. */
  code: string
  title: string
  detail: string
  path: string
}

export interface Organization {
  id: string
  name: string
}

export interface Agent {
  id: string
  name: string
  email: string
  role: Role
}

export interface SetupState {
  version: string
  dataDir: string
  problem: StartupProblem | null
  needsSetup: boolean
  organization: Organization | null
  me: Agent | null
}

export interface SetupRequest {
  organizationName: string
  ownerName: string
  ownerEmail: string
}

/** Field names the Go side may name in an invalid_input error. */
export type SetupField = keyof SetupRequest

export type InboxKind = 'chat' | 'phone'

export interface Inbox {
  id: string
  name: string
  kind: InboxKind
}

export interface Counts {
  contacts: number
  pendingContacts: number
  conversations: number
  openConversations: number
}

export interface SenderEmail {
  address: string
  status: 'unverified' | 'verified'
}

export interface Overview {
  organization: Organization
  inboxes: Inbox[]
  counts: Counts
  senderEmail: SenderEmail | null
}
