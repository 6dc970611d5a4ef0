// The shapes of the Contacts service (backend/services/contacts_types.go).
// Times are RFC 3339 strings; '' means none.

export type FieldKind = 'email' | 'phone'

export interface ContactSummary {
  id: string
  name: string
  emails: string[]
  phones: string[]
  verified: boolean
  status: string
}

export interface ContactSearch {
  query: string
  contacts: ContactSummary[]
  more: boolean
}

export interface ContactField {
  id: string
  kind: FieldKind
  value: string
  norm: string
  verified: boolean
  /** "Verified by Email OTP", "Verified by system", "Verified by Olive Owner", "Not verified", … */
  verifiedLabel: string
  method: string
  verifiedAt: string
  verifiedBy: string
  /** Set when the latest verification was removed: who and when. */
  removedNote: string
}

export interface MergeRecord {
  id: string
  mergedId: string
  mergedName: string
  reason: string
  actorName: string
  at: string
  conversations: number
  fields: number
  undoneAt: string
  undoneBy: string
}

export interface ContactDetail {
  id: string
  name: string
  status: string
  fields: ContactField[]
  otherNames: string[]
  mergedInto: string
  merges: MergeRecord[]
  conversations: number
  createdAt: string
}

export type TimelineKind = 'chat' | 'call' | 'transcript' | 'verification' | 'unverification' | 'merge' | 'unmerge'

export interface TimelineItem {
  id: string
  kind: TimelineKind
  at: string
  title: string
  detail: string
  channel: string
  method: string
  conversationId: string
  status: string
  durationSeconds: number
  mergeId: string
  canUndo: boolean
}

export interface TimelinePage {
  items: TimelineItem[]
  next: string
}

export interface NewContactField {
  kind: FieldKind
  value: string
  verify: boolean
}

export interface ContactEdit {
  contactId: string
  conversationId: string
  name: string
  add: NewContactField[]
  verify: string[]
}

export interface FieldCheck {
  kind: FieldKind
  input: string
  value: string
  norm: string
  problem: string
}

export interface MergePreview {
  contactId: string
  name: string
  because: string
  conversations: number
  fields: number
  nameConflict: boolean
}

export interface EditPreview {
  fields: FieldCheck[]
  merges: MergePreview[]
  ok: boolean
}
