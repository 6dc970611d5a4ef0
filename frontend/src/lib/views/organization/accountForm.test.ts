import { describe, expect, it } from 'vitest'
import { formFrom, isDirty, portAfterTlsChange, toRequest, validateAccount } from './accountForm'

describe('accountForm', () => {
  it('starts with 587 + STARTTLS for SMTP and 993 + implicit TLS for IMAP', () => {
    expect(formFrom('smtp', null)).toEqual({ host: '', port: '587', tls: 'starttls', username: '', password: '', address: '' })
    expect(formFrom('imap', null)).toMatchObject({ port: '993', tls: 'implicit' })
  })

  it('fills in a saved account without its password', () => {
    const form = formFrom('smtp', { host: 'smtp.acme.example', port: 2525, tls: 'starttls', username: 'u', hasPassword: true, address: '' })
    expect(form).toEqual({ host: 'smtp.acme.example', port: '2525', tls: 'starttls', username: 'u', password: '', address: '' })
  })

  it('moves an untouched usual port along with the security mode', () => {
    expect(portAfterTlsChange('smtp', '587', 'starttls', 'implicit', false)).toBe('465')
    expect(portAfterTlsChange('imap', '993', 'implicit', 'starttls', false)).toBe('143')
    expect(portAfterTlsChange('smtp', '', 'starttls', 'none', false)).toBe('25')
  })

  it('keeps a port the person chose', () => {
    expect(portAfterTlsChange('smtp', '587', 'starttls', 'implicit', true)).toBe('587')
    expect(portAfterTlsChange('smtp', '2525', 'starttls', 'implicit', false)).toBe('2525')
  })

  it('checks the host and the port', () => {
    const form = formFrom('smtp', null)
    expect(validateAccount({ ...form, host: 'mail.example.com' })).toEqual({})
    expect(validateAccount({ ...form, host: ' ', port: '70000' })).toEqual({
      host: expect.any(String),
      port: 'Enter a port from 1 to 65535.',
    })
    expect(validateAccount({ ...form, host: 'h', port: '58a' }).port).toBeDefined()
    expect(validateAccount({ ...form, host: 'h', port: '0' }).port).toBeDefined()
  })

  it('sends trimmed values, a numeric port and the password as typed', () => {
    const req = toRequest({ host: ' h ', port: ' 465 ', tls: 'implicit', username: ' u ', password: ' p ', address: ' b@x.test ' })
    expect(req).toEqual({ host: 'h', port: 465, tls: 'implicit', username: 'u', password: ' p ', address: 'b@x.test' })
  })

  it('asks the bounce mailbox for its address, and only the bounce mailbox', () => {
    const form = { ...formFrom('bounce', null), host: 'imap.example.com' }
    expect(form).toMatchObject({ port: '993', tls: 'implicit', address: '' })
    expect(validateAccount(form, 'bounce').address).toBeDefined()
    expect(validateAccount({ ...form, address: 'not an address' }, 'bounce').address).toBeDefined()
    expect(validateAccount({ ...form, address: 'bounces@acme.example' }, 'bounce')).toEqual({})
    expect(validateAccount(form, 'imap')).toEqual({})
  })

  it('notices unsaved changes, including a typed password', () => {
    const saved = formFrom('smtp', null)
    expect(isDirty({ ...saved }, saved)).toBe(false)
    expect(isDirty({ ...saved, host: 'x' }, saved)).toBe(true)
    expect(isDirty({ ...saved, password: 'x' }, saved)).toBe(true)
  })
})
