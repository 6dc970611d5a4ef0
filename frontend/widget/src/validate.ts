/**
 * Client-side checks that mirror the server's (docs/api/widget.md, "Limits"), so the customer
 * hears about a mistake before a round trip. The rules themselves are the server's
 * (backend/textrules, generated into src/lib/textrules.gen.ts); the server stays the judge and
 * its errors are shown too. Lengths count Unicode code points, as the Go server counts runes.
 */
import { charCount, isPlausibleEmail, MAX_NAME_CHARS, nameProblem } from '../../src/lib/textrules'
import type { Inbox } from './types'

export { charCount }

/** Only a hint (a missing @, a space, a pasted invisible character): the server decides. */
export function emailError(email: string): string | undefined {
  if (!isPlausibleEmail(email)) return 'Please enter a valid email address.'
  return undefined
}

/** Why the server would refuse this (trimmed) name, or undefined. */
export function nameError(name: string): string | undefined {
  switch (nameProblem(name)) {
    case 'control':
      return 'A name cannot contain control characters or text-direction overrides.'
    case 'too_long':
      return `A name can be at most ${MAX_NAME_CHARS} characters.`
  }
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
  if (inbox.prechat.askName) errors.name = nameError(name)
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
