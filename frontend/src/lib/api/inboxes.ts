// The Inboxes service: per-inbox feature toggles, gated on a verified sender.
import * as Inboxes from '../../../wailsjs/go/services/Inboxes'
import { call } from './call'
import { ApiError } from './errors'
import { toInboxSettings, toInboxSettingsList } from './normalizeMail'
import type { InboxSettings, InboxToggle } from './types'

/** Every inbox with its toggles and mail gate. */
export async function listInboxes(): Promise<InboxSettings[]> {
  return toInboxSettingsList(await call(() => Inboxes.List()))
}

/** Switches one toggle; resolves with the inbox as it now stands. */
export async function setInboxToggle(
  inboxId: string,
  toggle: InboxToggle,
  on: boolean,
): Promise<InboxSettings> {
  const inbox = toInboxSettings(await call(() => Inboxes.SetToggle(inboxId, toggle, on)))
  if (!inbox) throw new ApiError('unknown', 'The inbox settings came back empty.')
  return inbox
}
