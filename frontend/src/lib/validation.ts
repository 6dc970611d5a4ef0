import type { SetupField, SetupRequest } from './api'
import { isPlausibleEmail, MAX_NAME_CHARS, nameProblem } from './textrules'

// Something@something.tld with no spaces or hidden characters: a hint, not RFC-complete. The Go
// side (NormalizeEmail) has the final say.
export { isPlausibleEmail }

export type FieldErrors = Partial<Record<SetupField, string>>

/** Trims every field; the trimmed values are what gets sent. */
export function cleanSetupRequest(input: SetupRequest): SetupRequest {
  return {
    organizationName: input.organizationName.trim(),
    ownerName: input.ownerName.trim(),
    ownerEmail: input.ownerEmail.trim(),
  }
}

function checkName(value: string, empty: string): string | undefined {
  if (value === '') return empty
  switch (nameProblem(value)) {
    case 'too_long':
      return `Keep this to ${MAX_NAME_CHARS} characters or fewer.`
    case 'control':
      return 'Use ordinary text: no control characters or text-direction overrides.'
  }
  return undefined
}

/** Client-side checks for the first-run form (expects trimmed input). */
export function validateSetup(req: SetupRequest): FieldErrors {
  const errors: FieldErrors = {}
  const org = checkName(req.organizationName, "Enter your organization's name.")
  if (org) errors.organizationName = org
  const name = checkName(req.ownerName, 'Enter your name.')
  if (name) errors.ownerName = name
  if (req.ownerEmail === '') {
    errors.ownerEmail = 'Enter your email address, like name@example.com.'
  } else if (!isPlausibleEmail(req.ownerEmail)) {
    errors.ownerEmail = 'That doesn’t look like an email address. Use the form name@example.com.'
  }
  return errors
}

export const SETUP_FIELDS: readonly SetupField[] = ['organizationName', 'ownerName', 'ownerEmail']

export function isSetupField(value: string | undefined): value is SetupField {
  return value !== undefined && (SETUP_FIELDS as readonly string[]).includes(value)
}
