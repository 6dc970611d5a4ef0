// The mail account form: defaults, the port that follows the security mode,
// client-side checks and the request sent to the Go side.
import type { AccountField, AccountRequest, AccountView, TlsMode } from '../../api'

export type AccountKind = 'smtp' | 'imap' | 'bounce'

export interface AccountForm {
  host: string
  /** As typed; checked and turned into a number on save. */
  port: string
  tls: TlsMode
  username: string
  password: string
  /** The bounce mailbox's email address ('' for the other accounts). */
  address: string
}

export type AccountErrors = Partial<Record<AccountField, string>>

/** The usual port of each security mode. */
export const DEFAULT_PORTS: Record<AccountKind, Record<TlsMode, number>> = {
  smtp: { implicit: 465, starttls: 587, none: 25 },
  imap: { implicit: 993, starttls: 143, none: 143 },
  bounce: { implicit: 993, starttls: 143, none: 143 },
}

export const DEFAULT_TLS: Record<AccountKind, TlsMode> = { smtp: 'starttls', imap: 'implicit', bounce: 'implicit' }

export const TLS_OPTIONS: readonly { value: TlsMode; label: string }[] = [
  { value: 'implicit', label: 'Implicit TLS' },
  { value: 'starttls', label: 'STARTTLS (required)' },
  { value: 'none', label: 'None — only for a server on this computer' },
]

export const ACCOUNT_FIELDS: readonly AccountField[] = ['address', 'host', 'port', 'tls', 'username', 'password']

export function isAccountField(value: string | undefined): value is AccountField {
  return value !== undefined && (ACCOUNT_FIELDS as readonly string[]).includes(value)
}

/** The form for a saved account, or sensible defaults when there is none. */
export function formFrom(kind: AccountKind, account: AccountView | null): AccountForm {
  if (!account) {
    const tls = DEFAULT_TLS[kind]
    return { host: '', port: String(DEFAULT_PORTS[kind][tls]), tls, username: '', password: '', address: '' }
  }
  return {
    host: account.host,
    port: account.port > 0 ? String(account.port) : String(DEFAULT_PORTS[kind][account.tls]),
    tls: account.tls,
    username: account.username,
    password: '',
    address: account.address,
  }
}

/**
 * The port after switching security from `from` to `to`: the new mode's
 * usual port, unless the person chose a port of their own (typed one, or
 * the saved port is not the usual one for the old mode).
 */
export function portAfterTlsChange(
  kind: AccountKind,
  port: string,
  from: TlsMode,
  to: TlsMode,
  typed: boolean,
): string {
  const usual = port.trim() === '' || port.trim() === String(DEFAULT_PORTS[kind][from])
  return !typed && usual ? String(DEFAULT_PORTS[kind][to]) : port
}

/** Client-side checks; the Go side checks again and has the final say. */
export function validateAccount(form: AccountForm, kind: AccountKind = 'smtp'): AccountErrors {
  const errors: AccountErrors = {}
  if (kind === 'bounce' && !/^[^\s@]+@[^\s@]+$/.test(form.address.trim())) {
    errors.address = 'Enter the bounce mailbox’s email address, like bounces@example.com.'
  }
  if (form.host.trim() === '') errors.host = 'Enter the server’s host name, like mail.example.com.'
  const port = form.port.trim()
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
    errors.port = 'Enter a port from 1 to 65535.'
  }
  return errors
}

/** What is sent: trimmed, except the password, which is sent exactly as typed. */
export function toRequest(form: AccountForm): AccountRequest {
  return {
    host: form.host.trim(),
    port: Number(form.port.trim()),
    tls: form.tls,
    username: form.username.trim(),
    password: form.password,
    address: form.address.trim(),
  }
}

/** Whether the form differs from what is saved. */
export function isDirty(form: AccountForm, saved: AccountForm): boolean {
  return (
    form.password !== '' ||
    form.host.trim() !== saved.host ||
    form.port.trim() !== saved.port ||
    form.tls !== saved.tls ||
    form.username.trim() !== saved.username ||
    form.address.trim() !== saved.address
  )
}
