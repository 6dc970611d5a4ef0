// The Inboxes service: per-inbox feature toggles, gated on a verified sender.
import * as Inboxes from '../../../wailsjs/go/services/Inboxes'
import { call } from './call'
import { ApiError } from './errors'
import type { services } from '../../../wailsjs/go/models'
import { inboxSettings } from './clean'
import type { InboxSettings, InboxToggle } from './models'

// one is the inbox a setter answers with; an empty answer is an error.
function one(value: services.InboxSettings | null): InboxSettings {
  if (!value?.id) throw new ApiError('unknown', 'The inbox settings came back empty.')
  return inboxSettings(value)
}

/** Every inbox with its toggles and mail gate. */
export async function listInboxes(): Promise<InboxSettings[]> {
  return (await call(() => Inboxes.List()) ?? []).map(inboxSettings)
}

/** Switches one toggle; resolves with the inbox as it now stands. */
export async function setInboxToggle(
  inboxId: string,
  toggle: InboxToggle,
  on: boolean,
): Promise<InboxSettings> {
  return one(await call(() => Inboxes.SetToggle(inboxId, toggle, on)))
}

/** The organization's OAuth client ID for Google Sign-In ('' when none is set). */
export async function getGoogleClientId(): Promise<string> {
  const id = await call(() => Inboxes.GoogleClientID())
  return typeof id === 'string' ? id : ''
}

/** Saves the Google client ID ('' removes it); resolves with it as saved (trimmed). A malformed
 * one is refused with field "clientId". */
export async function setGoogleClientId(clientId: string): Promise<string> {
  const id = await call(() => Inboxes.SetGoogleClientID(clientId))
  return typeof id === 'string' ? id : ''
}

/** Sets after how many minutes without a message a chat of the inbox ends (0: never, up to
 * 1440). An out-of-range value is refused with field "idleEndMinutes". */
export async function setInboxIdleEnd(inboxId: string, minutes: number): Promise<InboxSettings> {
  return one(await call(() => Inboxes.SetIdleEnd(inboxId, minutes)))
}

/** Adds a phone inbox for a number with the telephony provider's auth token (kept in the OS
 * keyring). Refused with field "name", "number" or "authToken". */
export async function createPhoneInbox(name: string, number: string, authToken: string): Promise<InboxSettings> {
  return one(await call(() => Inboxes.CreatePhoneInbox(name, number, authToken)))
}

/** Replaces a phone inbox's auth token. */
export async function setPhoneAuthToken(inboxId: string, authToken: string): Promise<InboxSettings> {
  return one(await call(() => Inboxes.SetPhoneAuthToken(inboxId, authToken)))
}

/** Sets the number a phone inbox's calls are forwarded to ('' stops forwarding). Refused with
 * field "forwardTo". */
export async function setPhoneForward(inboxId: string, number: string): Promise<InboxSettings> {
  return one(await call(() => Inboxes.SetPhoneForward(inboxId, number)))
}

/** The organization's country (ISO 3166 code, '' when not set) for national phone numbers. */
export async function getCountry(): Promise<string> {
  const c = await call(() => Inboxes.Country())
  return typeof c === 'string' ? c : ''
}

/** Sets the organization's country ('' clears it); resolves with it as saved. */
export async function setCountry(code: string): Promise<string> {
  const c = await call(() => Inboxes.SetCountry(code))
  return typeof c === 'string' ? c : ''
}
