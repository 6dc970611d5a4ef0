import { describe, expect, it } from 'vitest'
import { ApiError, toApiError } from './errors'

describe('toApiError', () => {
  it('maps the Go JSON error string, keeping the field', () => {
    const err = toApiError(
      '{"code":"invalid_input","message":"Enter the owner\'s email address, like name@example.com.","field":"ownerEmail"}',
    )
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toEqual(
      new ApiError(
        'invalid_input',
        "Enter the owner's email address, like name@example.com.",
        'ownerEmail',
      ),
    )
    expect(err.field).toBe('ownerEmail')
  })

  it('leaves field undefined when the JSON has none', () => {
    const err = toApiError('{"code":"already_set_up","message":"Vouch Desk is already set up."}')
    expect(err.code).toBe('already_set_up')
    expect(err.message).toBe('Vouch Desk is already set up.')
    expect(err.field).toBeUndefined()
  })

  it('turns a plain string into code "unknown"', () => {
    expect(toApiError('database is locked')).toEqual(new ApiError('unknown', 'database is locked'))
  })

  it('turns JSON without code/message into "unknown" with the raw text', () => {
    expect(toApiError('{"error":"x"}')).toEqual(new ApiError('unknown', '{"error":"x"}'))
    expect(toApiError('{"code":"x"}')).toEqual(new ApiError('unknown', '{"code":"x"}'))
    expect(toApiError('[1,2]')).toEqual(new ApiError('unknown', '[1,2]'))
  })

  it('turns broken JSON into "unknown" with the raw text', () => {
    expect(toApiError('{"code": oops')).toEqual(new ApiError('unknown', '{"code": oops'))
  })

  it('reads Error objects, including ones whose message is the JSON', () => {
    expect(toApiError(new TypeError("Cannot read properties of undefined (reading 'services')"))).toEqual(
      new ApiError('unknown', "Cannot read properties of undefined (reading 'services')"),
    )
    expect(toApiError(new Error('{"code":"db_locked","message":"Locked."}'))).toEqual(
      new ApiError('db_locked', 'Locked.'),
    )
  })

  it('accepts an already-shaped object and passes ApiError through', () => {
    expect(toApiError({ code: 'invalid_input', message: 'Bad.', field: 'ownerName' })).toEqual(
      new ApiError('invalid_input', 'Bad.', 'ownerName'),
    )
    const same = new ApiError('x', 'y')
    expect(toApiError(same)).toBe(same)
  })

  it('never returns an empty message', () => {
    expect(toApiError(undefined).code).toBe('unknown')
    expect(toApiError(undefined).message).not.toBe('')
    expect(toApiError(null).message).toBe('null')
    expect(toApiError(42).message).toBe('42')
  })
})
