// The Contacts service: search as you type, a contact with its timeline,
// Manage Contact Information (preview and save), removing a verification,
// undoing a merge. The Go side emits "chat:changed" after each write.
import * as Contacts from '../../../wailsjs/go/services/Contacts'
import { contacts, services } from '../../../wailsjs/go/models'
import { call } from './call'
import { ApiError } from './errors'
import { contactDetail, contactSearch, editPreview, timelinePage } from './clean'
import type { ContactDetail, ContactEdit, ContactSearch, EditPreview, TimelinePage } from './models'

/** Contacts whose name, email or phone contains `query` (at most 50); '' lists by name. */
export async function searchContacts(query: string): Promise<ContactSearch> {
  return contactSearch(await call(() => Contacts.Search(query)))
}

function detail(value: contacts.ContactDetail | null): ContactDetail {
  if (!value?.id) throw new ApiError('unknown', 'The contact came back empty.')
  return contactDetail(value)
}

/** One contact with its fields, verifications and merges. */
export async function getContact(id: string): Promise<ContactDetail> {
  return detail(await call(() => Contacts.Get(id)))
}

/** A page (50) of the contact's timeline, newest first; cursor '' for the first. */
export async function getTimeline(id: string, cursor = ''): Promise<TimelinePage> {
  return timelinePage(await call(() => Contacts.Timeline(id, cursor)))
}

function toGo(edit: ContactEdit): services.ContactEdit {
  return services.ContactEdit.createFrom({
    contactId: edit.contactId,
    conversationId: edit.conversationId,
    name: edit.name,
    add: edit.add.map((f) => ({ kind: f.kind, value: f.value, verify: f.verify })),
    verify: edit.verify,
  })
}

/** What Save would do: each new value checked, and the contacts it would merge. */
export async function previewContactEdit(edit: ContactEdit): Promise<EditPreview> {
  return editPreview(await call(() => Contacts.PreviewEdit(toGo(edit))))
}

/** Saves the edit in one transaction; rejects with the reason when a value is refused. */
export async function saveContactEdit(edit: ContactEdit): Promise<ContactDetail> {
  return detail(await call(() => Contacts.Save(toGo(edit))))
}

/** Withdraws a field's verification; browsers that proved it are no longer recognised. */
export async function removeVerification(fieldId: string): Promise<ContactDetail> {
  return detail(await call(() => Contacts.RemoveVerification(fieldId)))
}

/** Splits a merged contact back out; resolves with the survivor. */
export async function undoMerge(mergeId: string): Promise<ContactDetail> {
  return detail(await call(() => Contacts.UndoMerge(mergeId)))
}
