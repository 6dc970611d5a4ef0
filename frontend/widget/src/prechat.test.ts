/** Pre-chat form: which fields show, client-side validation, and the server's field errors. */
import { afterEach, describe, expect, it } from 'vitest'
import { boot, defaultRoutes, settle, typeInto } from './harness'
import { err, inbox } from './testkit'
import { charCount, messageError, validatePrechat } from './validate'

let current: ReturnType<typeof boot> | null = null
async function open(o?: Parameters<typeof boot>[0]) {
  current = boot(o)
  current.w.open()
  await settle()
  return current
}
afterEach(() => {
  current?.w.destroy()
  current = null
})

const sessions = (t: ReturnType<typeof boot>) => t.calls.filter((c) => c.path === '/sessions')
const fieldError = (t: ReturnType<typeof boot>, key: string) => t.root.getElementById(`vd-${key}-err`)?.textContent

describe('validatePrechat', () => {
  const ib = inbox()
  it('accepts an empty form: every field is optional', () => {
    expect(validatePrechat(ib, { name: '', email: '', consent: false })).toEqual({})
  })
  it('checks the email only when one is typed, loosely', () => {
    expect(validatePrechat(ib, { name: '', email: 'ada@example.com', consent: true })).toEqual({})
    expect(validatePrechat(ib, { name: '', email: 'first.last+tag@mail.example.co.uk', consent: true })).toEqual({})
    for (const bad of ['ada', 'ada@', '@example.com', 'ada@example', 'a da@example.com', 'ada@@example.com'])
      expect(validatePrechat(ib, { name: '', email: bad, consent: true }).email, bad).toMatch(/valid email/)
  })
  it('asks for consent only with an email, when the inbox requires it', () => {
    expect(validatePrechat(ib, { name: '', email: 'ada@example.com', consent: false }).consent).toMatch(/agree/)
    expect(validatePrechat(ib, { name: '', email: '', consent: false }).consent).toBeUndefined()
    const noConsent = inbox({ consent: { required: false, text: '' } })
    expect(validatePrechat(noConsent, { name: '', email: 'ada@example.com', consent: false })).toEqual({})
    // After the server insisted (consent_required without an email).
    expect(validatePrechat(ib, { name: '', email: '', consent: false }, true).consent).toMatch(/agree/)
  })
  it('limits names to 200 characters without control characters', () => {
    expect(validatePrechat(ib, { name: 'x'.repeat(200), email: '', consent: false })).toEqual({})
    expect(validatePrechat(ib, { name: 'x'.repeat(201), email: '', consent: false }).name).toMatch(/200/)
    expect(validatePrechat(ib, { name: 'Ada\u0007', email: '', consent: false }).name).toMatch(/control/)
    expect(validatePrechat(ib, { name: 'Ada\u202egnp.exe', email: '', consent: false }).name).toMatch(/direction/)
    expect(validatePrechat(ib, { name: 'Ada\u2067', email: '', consent: false }).name).toMatch(/direction/)
    // Counted in code points, like the server: 200 emoji are 200 characters.
    expect(validatePrechat(ib, { name: '😀'.repeat(200), email: '', consent: false })).toEqual({})
  })
  it('refuses an email with an invisible character (a hint: the server decides)', () => {
    for (const c of ['\u200b', '\u2060', '\ufeff', '\u202e', '\u0000'])
      expect(validatePrechat(ib, { name: '', email: `ad${c}a@example.com`, consent: true }).email, JSON.stringify(c)).toMatch(/valid email/)
    expect(validatePrechat(ib, { name: '', email: 'ada@example.com', consent: true })).toEqual({})
  })
  it('counts message length in code points and refuses empty or overlong messages', () => {
    expect(charCount('😀a')).toBe(2)
    expect(messageError('', 10)).toBeDefined()
    expect(messageError('x'.repeat(10), 10)).toBeUndefined()
    expect(messageError('x'.repeat(11), 10)).toMatch(/at most 10/)
  })
})

describe('the pre-chat form', () => {
  it('has labelled name and email fields and shows consent only once an email is typed', async () => {
    const t = await open()
    for (const id of ['prechat-name', 'prechat-email', 'prechat-consent']) {
      const input = t.q<HTMLInputElement>(id)!
      const label = t.root.querySelector(`label[for="${input.id}"]`)
      expect(label, id).not.toBeNull()
    }
    expect(t.root.querySelector('label[for="vd-consent"]')!.textContent).toBe('We store your email to answer you.')
    const consentRow = t.q('prechat-consent')!.closest('.field') as HTMLElement
    expect(consentRow.hidden).toBe(true)
    typeInto(t.q<HTMLInputElement>('prechat-email')!, 'ada@example.com')
    expect(consentRow.hidden).toBe(false)
    typeInto(t.q<HTMLInputElement>('prechat-email')!, '')
    expect(consentRow.hidden).toBe(true)
  })

  it('leaves out the fields the inbox does not ask for', async () => {
    const t = await open({ routes: defaultRoutes({ inbox: { prechat: { askName: false, askEmail: false } } }) })
    expect(t.q('prechat-name')).toBeNull()
    expect(t.q('prechat-email')).toBeNull()
    t.q('prechat-start')!.click()
    await settle()
    expect(sessions(t)[0].body).toEqual({ inbox: 'inbox-1', consent: false, timezone: expect.any(String) })
  })

  it('blocks a bad email or missing consent, marking the field and focusing it', async () => {
    const t = await open()
    typeInto(t.q<HTMLInputElement>('prechat-name')!, 'Ada')
    typeInto(t.q<HTMLInputElement>('prechat-email')!, 'ada@example')
    t.q('prechat-start')!.click()
    await settle()
    expect(sessions(t)).toHaveLength(0)
    const email = t.q<HTMLInputElement>('prechat-email')!
    expect(email.getAttribute('aria-invalid')).toBe('true')
    expect(email.getAttribute('aria-describedby')).toBe('vd-email-err')
    expect(fieldError(t, 'email')).toMatch(/valid email/)
    expect(t.root.activeElement).toBe(email)
    // What was typed survives the re-render.
    expect(t.q<HTMLInputElement>('prechat-name')!.value).toBe('Ada')

    typeInto(email, 'ada@example.com')
    t.q('prechat-start')!.click()
    await settle()
    expect(sessions(t)).toHaveLength(0)
    expect(fieldError(t, 'consent')).toMatch(/agree/)
    expect(t.root.activeElement).toBe(t.q('prechat-consent'))

    t.q<HTMLInputElement>('prechat-consent')!.click()
    t.q('prechat-start')!.click()
    await settle()
    expect(sessions(t)[0].body).toMatchObject({ name: 'Ada', email: 'ada@example.com', consent: true })
  })

  it('blocks an overlong name', async () => {
    const t = await open()
    typeInto(t.q<HTMLInputElement>('prechat-name')!, 'n'.repeat(201))
    t.q('prechat-start')!.click()
    await settle()
    expect(sessions(t)).toHaveLength(0)
    expect(fieldError(t, 'name')).toMatch(/200/)
  })

  it('puts the server’s field errors under the field, and shows consent when the server insists', async () => {
    const replies = [
      { status: 400, body: { error: { code: 'invalid_email', message: 'Enter a valid email address, like name@example.com.', field: 'email' } } },
      err(400, 'consent_required', 'Please agree to how we use your email first.'),
    ]
    const routes = defaultRoutes()
    const ok = routes['POST /sessions']
    routes['POST /sessions'] = (c) => replies.shift() ?? ok(c)
    const t = await open({ routes })
    typeInto(t.q<HTMLInputElement>('prechat-email')!, 'ada@exämple.com')
    t.q<HTMLInputElement>('prechat-consent')!.click()
    t.q('prechat-start')!.click()
    await settle()
    expect(fieldError(t, 'email')).toBe('Enter a valid email address, like name@example.com.')

    typeInto(t.q<HTMLInputElement>('prechat-email')!, '')
    t.q('prechat-start')!.click()
    await settle()
    const consentRow = t.q('prechat-consent')!.closest('.field') as HTMLElement
    expect(consentRow.hidden).toBe(false)
    expect(fieldError(t, 'consent')).toBe('Please agree to how we use your email first.')
    t.q<HTMLInputElement>('prechat-consent')!.click()
    t.q('prechat-start')!.click()
    await settle()
    expect(sessions(t).at(-1)!.body.consent).toBe(true)
    expect(t.q('composer')).not.toBeNull()
  })

  it('shows other errors in the polite live region and lets the customer try again', async () => {
    const routes = defaultRoutes()
    routes['POST /sessions'] = () => err(500, 'internal', 'Something went wrong on our side. Please try again.')
    const t = await open({ routes })
    t.q('prechat-start')!.click()
    await settle()
    const region = t.q('error')!
    expect(region.getAttribute('aria-live')).toBe('polite')
    expect(region.textContent).toBe('Something went wrong on our side. Please try again.')
    expect(t.q<HTMLButtonElement>('prechat-start')!.disabled).toBe(false)
  })
})
