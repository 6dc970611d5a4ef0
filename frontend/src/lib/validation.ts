import type { SetupField, SetupRequest } from './api'

export const MAX_NAME_LENGTH = 200
export const MAX_EMAIL_LENGTH = 254

export type FieldErrors = Partial<Record<SetupField, string>>

// Something@something.tld with no spaces: plausible, not RFC-complete.
// The Go side has the final say.
const EMAIL_PATTERN = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/

export function isPlausibleEmail(value: string): boolean {
  return value.length <= MAX_EMAIL_LENGTH && EMAIL_PATTERN.test(value)
}

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
  if ([...value].length > MAX_NAME_LENGTH) {
    return `Keep this to ${MAX_NAME_LENGTH} characters or fewer.`
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
