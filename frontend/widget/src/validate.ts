/**
 * Client-side checks that mirror the server's (docs/api/widget.md, "Limits"), so the customer
 * hears about a mistake before a round trip. The server stays the judge: its errors are shown
 * too. Lengths count Unicode code points, as the Go server counts runes, so an emoji is one
 * character here and there (String.length would count two).
 */
import type { Inbox } from './types'

export const NAME_MAX = 200

export function charCount(s: string): number {
  let n = 0
  for (const _ of s) n++
  return n
}

// C0 and C1 control characters and DEL, which the server refuses in names.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/

// Deliberately loose: one @, something on both sides, a dot in the domain, no spaces. The
// server decides what is deliverable; this only catches typos like a missing @.
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/

export function emailError(email: string): string | undefined {
  if (!EMAIL.test(email) || charCount(email) > 254) return 'Please enter a valid email address.'
  return undefined
}

export interface PrechatInput {
  name: string
  email: string
  consent: boolean
}

export const CONSENT_ERROR = 'Please agree so we can keep your email to answer you.'

export type PrechatErrors = Partial<Record<keyof PrechatInput, string>>

/** Whether the consent checkbox applies: the inbox asks for it and an email was entered
 * (or the server insisted, see `forceConsent`). */
export function consentNeeded(inbox: Inbox, email: string, forceConsent = false): boolean {
  return inbox.consent.required && (email.trim() !== '' || forceConsent)
}

export function validatePrechat(inbox: Inbox, v: PrechatInput, forceConsent = false): PrechatErrors {
  const errors: PrechatErrors = {}
  const name = v.name.trim()
  const email = v.email.trim()
  if (inbox.prechat.askName) {
    if (charCount(name) > NAME_MAX) errors.name = `A name can be at most ${NAME_MAX} characters.`
    else if (CONTROL.test(name)) errors.name = 'A name cannot contain control characters.'
  }
  if (inbox.prechat.askEmail && email) errors.email = emailError(email)
  if (consentNeeded(inbox, email, forceConsent) && !v.consent)
    errors.consent = CONSENT_ERROR
  for (const k of Object.keys(errors) as (keyof PrechatErrors)[]) if (!errors[k]) delete errors[k]
  return errors
}

/** Why a message cannot be sent, or undefined; `body` is already trimmed. */
export function messageError(body: string, limit: number): string | undefined {
  if (!body) return 'Type a message first.'
  const n = charCount(body)
  if (n > limit) return `A message can be at most ${limit.toLocaleString('en')} characters (this one has ${n.toLocaleString('en')}).`
  return undefined
}
