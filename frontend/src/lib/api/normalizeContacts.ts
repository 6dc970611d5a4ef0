// Turns what the Contacts bindings resolve with into the plain shapes of
// ./contactTypes: missing strings become '', nil slices [].
import type {
  ContactDetail,
  ContactField,
  ContactSearch,
  ContactSummary,
  EditPreview,
  FieldKind,
  MergeRecord,
  TimelineItem,
  TimelineKind,
  TimelinePage,
} from './contactTypes'
import { num, obj, str, text } from './normalize'
import { showText } from '../textrules'

const kinds: readonly TimelineKind[] = ['chat', 'call', 'transcript', 'verification', 'unverification', 'merge', 'unmerge']

function strs(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
}

function list<T>(value: unknown, each: (v: unknown) => T | null): T[] {
  return Array.isArray(value) ? value.map(each).filter((v): v is T => v !== null) : []
}

function fieldKind(value: unknown): FieldKind {
  return value === 'phone' ? 'phone' : 'email'
}

export function toContactSummary(value: unknown): ContactSummary | null {
  const o = obj(value)
  if (!o || !str(o.id)) return null
  return { id: str(o.id), name: text(o.name), emails: strs(o.emails), phones: strs(o.phones), verified: o.verified === true, status: str(o.status) }
}

export function toContactSearch(value: unknown): ContactSearch {
  const o = obj(value) ?? {}
  return { query: str(o.query), contacts: list(o.contacts, toContactSummary), more: o.more === true }
}

function toField(value: unknown): ContactField | null {
  const o = obj(value)
  if (!o || !str(o.id)) return null
  return {
    id: str(o.id),
    kind: fieldKind(o.kind),
    value: str(o.value),
    norm: str(o.norm),
    verified: o.verified === true,
    verifiedLabel: str(o.verifiedLabel) || 'Not verified',
    method: str(o.method),
    verifiedAt: str(o.verifiedAt),
    verifiedBy: str(o.verifiedBy),
    removedNote: str(o.removedNote),
  }
}

function toMerge(value: unknown): MergeRecord | null {
  const o = obj(value)
  if (!o || !str(o.id)) return null
  return {
    id: str(o.id),
    mergedId: str(o.mergedId),
    mergedName: text(o.mergedName),
    reason: str(o.reason),
    actorName: str(o.actorName),
    at: str(o.at),
    conversations: num(o.conversations),
    fields: num(o.fields),
    undoneAt: str(o.undoneAt),
    undoneBy: str(o.undoneBy),
  }
}

export function toContactDetail(value: unknown): ContactDetail | null {
  const o = obj(value)
  if (!o || !str(o.id)) return null
  return {
    id: str(o.id),
    name: text(o.name),
    status: str(o.status),
    fields: list(o.fields, toField),
    otherNames: strs(o.otherNames).map(showText),
    mergedInto: str(o.mergedInto),
    merges: list(o.merges, toMerge),
    conversations: num(o.conversations),
    createdAt: str(o.createdAt),
  }
}

function toTimelineItem(value: unknown): TimelineItem | null {
  const o = obj(value)
  if (!o || !str(o.id) || !kinds.includes(o.kind as TimelineKind)) return null
  return {
    id: str(o.id),
    kind: o.kind as TimelineKind,
    at: str(o.at),
    title: text(o.title),
    detail: text(o.detail),
    channel: str(o.channel),
    method: str(o.method),
    conversationId: str(o.conversationId),
    status: str(o.status),
    durationSeconds: num(o.durationSeconds),
    mergeId: str(o.mergeId),
    canUndo: o.canUndo === true,
  }
}

export function toTimelinePage(value: unknown): TimelinePage {
  const o = obj(value) ?? {}
  return { items: list(o.items, toTimelineItem), next: str(o.next) }
}

export function toEditPreview(value: unknown): EditPreview {
  const o = obj(value) ?? {}
  return {
    fields: list(o.fields, (v) => {
      const f = obj(v)
      return f
        ? { kind: fieldKind(f.kind), input: str(f.input), value: str(f.value), norm: str(f.norm), problem: str(f.problem) }
        : null
    }),
    merges: list(o.merges, (v) => {
      const m = obj(v)
      return m && str(m.contactId)
        ? {
            contactId: str(m.contactId),
            name: text(m.name),
            because: str(m.because),
            conversations: num(m.conversations),
            fields: num(m.fields),
            nameConflict: m.nameConflict === true,
          }
        : null
    }),
    ok: o.ok === true,
  }
}
