import { describe, expect, it } from 'vitest'
import { cleanSetupRequest, isPlausibleEmail, validateSetup } from './validation'

describe('validateSetup', () => {
  const good = { organizationName: 'Acme', ownerName: 'Sam Rivera', ownerEmail: 'sam@acme.example' }

  it('accepts good input', () => {
    expect(validateSetup(good)).toEqual({})
  })

  it('requires every field', () => {
    const errors = validateSetup({ organizationName: '', ownerName: '', ownerEmail: '' })
    expect(Object.keys(errors).sort()).toEqual(['organizationName', 'ownerEmail', 'ownerName'])
  })

  it('refuses names with control characters or direction overrides', () => {
    expect(validateSetup({ ...good, ownerName: 'Sam\u0000' }).ownerName).toMatch(/control characters/)
    expect(validateSetup({ ...good, organizationName: 'Acme\u202eevil' }).organizationName).toMatch(/direction/)
  })

  it('refuses an owner email with a zero-width space', () => {
    expect(validateSetup({ ...good, ownerEmail: 'sam\u200b@acme.example' }).ownerEmail).toBeDefined()
  })

  it('limits names to 200 characters', () => {
    expect(validateSetup({ ...good, ownerName: 'a'.repeat(200) })).toEqual({})
    expect(validateSetup({ ...good, ownerName: 'a'.repeat(201) }).ownerName).toMatch(/200/)
    expect(validateSetup({ ...good, organizationName: 'a'.repeat(201) }).organizationName).toMatch(/200/)
  })

  it('checks the email is plausible', () => {
    for (const ok of ['a@b.co', 'first.last+tag@mail.example.org']) expect(isPlausibleEmail(ok)).toBe(true)
    for (const bad of ['a', 'a@b', '@b.co', 'a b@c.de', 'a@b..co', 'a@@b.co']) {
      expect(isPlausibleEmail(bad)).toBe(false)
    }
  })

  it('trims before sending', () => {
    expect(cleanSetupRequest({ organizationName: ' Acme ', ownerName: '\tSam ', ownerEmail: ' s@a.io ' })).toEqual({
      organizationName: 'Acme',
      ownerName: 'Sam',
      ownerEmail: 's@a.io',
    })
  })
})
