/**
 * The one error shape the views see. The Go side rejects a call with a
 * string holding JSON like
 *   {"code":"invalid_input","message":"Enter …","field":"ownerEmail"}
 * Anything else becomes { code: "unknown", message: <the text> }.
 */
export class ApiError {
  readonly code: string
  readonly message: string
  readonly field?: string

  constructor(code: string, message: string, field?: string) {
    this.code = code
    this.message = message
    if (field) this.field = field
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

function fromRecord(value: Record<string, unknown>): ApiError | null {
  const { code, message, field } = value
  if (typeof code !== 'string' || code === '' || typeof message !== 'string') {
    return null
  }
  return new ApiError(code, message, typeof field === 'string' && field !== '' ? field : undefined)
}

function fromString(text: string): ApiError {
  const trimmed = text.trim()
  if (trimmed.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(trimmed)
      if (isRecord(parsed)) {
        const mapped = fromRecord(parsed)
        if (mapped) return mapped
      }
    } catch {
      // Not JSON after all: fall through to "unknown".
    }
  }
  return new ApiError('unknown', text)
}

/** Turns whatever a binding rejected (or threw) with into an ApiError. */
export function toApiError(reason: unknown): ApiError {
  if (reason instanceof ApiError) return reason
  if (typeof reason === 'string') return fromString(reason)
  if (reason instanceof Error) return fromString(reason.message)
  if (isRecord(reason)) {
    const mapped = fromRecord(reason)
    if (mapped) return mapped
    if (typeof reason.message === 'string') return fromString(reason.message)
  }
  let text: string
  try {
    text = reason === undefined ? '' : JSON.stringify(reason) ?? String(reason)
  } catch {
    text = String(reason)
  }
  return new ApiError('unknown', text || 'Something went wrong.')
}
