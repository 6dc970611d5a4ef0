/**
 * Sign-in at chat start (docs/api/widget.md, "Sign-in"): for an inbox that asks for it, the
 * chat starts only once the customer proved an email, by a code emailed to them or by Google
 * Sign-In. This module is the sign-in screen and its calls; the chat itself starts in
 * widget.ts from the answer (the same as POST /sessions').
 *
 * Two steps for email: the address (with name and consent), then the code, with "Send a new
 * code" (after the server's resendIn) and "Use another email". The step survives a reload:
 * the pending sign-in is kept in localStorage until the code works or expires. Google's button
 * sits above the email form when both are offered; if Google's script cannot be loaded, the
 * customer is told, and email sign-in (if offered) still works.
 */
import { ApiError, type ApiClient } from './api'
import { h, replace } from './dom'
import { renderGoogleButton, type ScriptLoader } from './gsi'
import type { Keys } from './storage'
import type { ChatStart, Inbox, SessionAnswer } from './types'
import { CONSENT_FALLBACK } from './ui'
import { CONSENT_ERROR, emailError, nameError } from './validate'

export interface SigninHost {
  api: ApiClient
  keys: Keys
  inbox: Inbox
  loadScript: ScriptLoader
  /** A light-DOM child of the widget's host, slotted into the form as "vd-google": where
   * Google's script draws its button. */
  googleEl: HTMLElement
  /** Replaces the panel's body; `focus` gets keyboard focus if the panel is open. */
  show(el: HTMLElement, focus?: HTMLElement | null): void
  /** The chat started: the answer of a sign-in call. */
  started(a: SessionAnswer): void
  /** Shows an error that belongs to no field (and waits out a 429 on `button`). */
  report(e: ApiError, button?: HTMLButtonElement): void
  say(text: string): void
  /** The time zone to send, if the browser knows it. */
  timezone(): string | undefined
}

/** An email sign-in waiting for its code, as kept in localStorage. */
interface Pending {
  signin: string
  email: string
  name: string
  consent: boolean
  /** Date.now() when the newest code was sent; resendIn and the code's life count from it. */
  sentAt: number
  resendIn: number
  expiresIn: number
}

interface Values {
  name: string
  email: string
  consent: boolean
}

type Errors = Partial<Record<keyof Values | 'google', string>>

/** The words for the code errors of a sign-in. */
export function signinCodeErrorText(e: ApiError): string | undefined {
  switch (e.code) {
    case 'code_wrong': {
      const n = e.attemptsLeft
      return n == null
        ? 'That code is not right. Please check it and try again.'
        : `That code is not right. ${n} ${n === 1 ? 'attempt' : 'attempts'} left.`
    }
    case 'code_expired':
      return 'That code no longer works. Send a new code.'
    case 'no_code_pending':
      return 'This sign-in has expired. Send a new code.'
    case 'too_many_wrong_codes':
      return e.message || 'Too many wrong codes for this email. Please wait a while before trying again.'
  }
  return undefined
}

export class Signin {
  private timer: ReturnType<typeof setInterval> | undefined
  private consentBox: HTMLInputElement | null = null
  private nameInput: HTMLInputElement | null = null
  private googleBusy = false

  constructor(private readonly o: SigninHost) {}

  /** Shows the right step: the code, when a sign-in of this browser still waits for one. */
  start(): void {
    const p = this.pending()
    if (p && this.o.inbox.signin?.email) this.showCode(p, '', false)
    else this.showEmail()
  }

  /** Stops the resend countdown (the screen is going away). */
  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  // ---- step 1: who (Google's button, or name + email + consent) ----

  /** Step 1; focus goes to the first field in error, or with `focus` to the first field. */
  private showEmail(values: Partial<Values> = {}, errors: Errors = {}, focus = false): void {
    this.stop()
    const ib = this.o.inbox
    const si = ib.signin!
    const field = (key: 'name' | 'email', label: string, type: string, optional: boolean) => {
      const input = h('input', { id: `vd-si-${key}`, type, autocomplete: key, 'data-testid': `signin-${key}`, value: values[key] ?? '' })
      const el = h('div', { class: 'field' }, h('label', { for: input.id }, label, optional && h('span', { class: 'opt' }, ' (optional)')), input)
      return { input, el }
    }
    const name = ib.prechat.askName ? field('name', 'Name', 'text', true) : null
    const email = si.email ? field('email', 'Email', 'email', false) : null
    const consent = h('input', { id: 'vd-si-consent', type: 'checkbox', 'data-testid': 'signin-consent' })
    consent.checked = values.consent ?? false
    const consentRow =
      ib.consent.required &&
      h('div', { class: 'field' }, h('div', { class: 'check' }, consent, h('label', { for: consent.id }, ib.consent.text || CONSENT_FALLBACK)))
    this.consentBox = ib.consent.required ? consent : null
    this.nameInput = name?.input ?? null

    const googleStatus = h('p', { class: 'gstatus', id: 'vd-si-google-status', 'aria-live': 'polite', 'data-testid': 'signin-google-status' })
    const google =
      si.google &&
      h(
        'div',
        { class: 'gsi', 'data-testid': 'signin-google' },
        h('slot', { name: 'vd-google' }),
        googleStatus,
      )
    const send = h('button', { type: 'submit', class: 'primary', 'data-testid': 'signin-send' }, 'Email me a code')
    const form = h(
      'form',
      {
        class: 'scroll form',
        novalidate: true,
        'aria-label': 'Sign in to chat',
        onsubmit: (e: Event) => {
          e.preventDefault()
          void this.askCode(
            { name: name?.input.value ?? '', email: email?.input.value ?? '', consent: ib.consent.required ? consent.checked : false },
            send,
          )
        },
      },
      h('p', null, si.google && si.email ? 'Please sign in to start the chat: with Google, or with a code we email you.' : si.google ? 'Please sign in with Google to start the chat.' : 'Please confirm your email to start the chat: we will email you a code.'),
      name?.el,
      consentRow,
      google,
      google && email && h('p', { class: 'or', 'aria-hidden': 'true' }, 'or'),
      email?.el,
      email && h('div', null, send),
    )
    const inputs = { name: name?.input, email: email?.input, consent: ib.consent.required ? consent : undefined }
    let first: HTMLElement | undefined
    for (const k of ['name', 'consent', 'email'] as const) {
      const input = inputs[k]
      const text = errors[k]
      if (!input || !text) continue
      const id = `vd-si-${k}-err`
      input.setAttribute('aria-invalid', 'true')
      input.setAttribute('aria-describedby', id)
      input.closest('.field')!.appendChild(h('p', { class: 'ferr', id }, text))
      first ??= input
    }
    if (errors.google) googleStatus.textContent = errors.google
    this.o.show(form, first ?? (focus ? (name?.input ?? email?.input ?? consent) : null))
    if (si.google) this.drawGoogle(si.google, googleStatus)
  }

  private drawGoogle(g: { clientId: string; scriptUrl: string }, status: HTMLElement): void {
    const withEmail = this.o.inbox.signin?.email
    renderGoogleButton(this.o.loadScript, g.scriptUrl, g.clientId, this.o.googleEl, (credential) => void this.google(credential, status)).catch(
      () => {
        if (!status.isConnected) return
        const retry = h('button', { type: 'button', class: 'linkbtn', 'data-testid': 'signin-google-retry', onclick: () => this.drawGoogle(g, status) }, 'Try again')
        replace(
          status,
          withEmail
            ? 'Google Sign-In could not be loaded (it may be blocked in this browser). You can sign in with your email below, or '
            : 'Google Sign-In could not be loaded (it may be blocked in this browser, or the connection dropped). ',
          retry,
          withEmail ? '.' : '',
        )
        status.classList.add('bad')
      },
    )
  }

  /** What the form says about name and consent before a sign-in call. */
  private check(v: Values, needEmail: boolean): Errors {
    const errors: Errors = {}
    const name = v.name.trim()
    errors.name = nameError(name)
    if (needEmail) errors.email = v.email.trim() ? emailError(v.email.trim()) : 'Enter your email address.'
    if (this.o.inbox.consent.required && !v.consent) errors.consent = CONSENT_ERROR
    for (const k of Object.keys(errors) as (keyof Errors)[]) if (!errors[k]) delete errors[k]
    return errors
  }

  private async askCode(v: Values, button: HTMLButtonElement): Promise<void> {
    this.o.say('')
    const errors = this.check(v, true)
    if (Object.keys(errors).length) return this.showEmail(v, errors)
    button.disabled = true
    try {
      const a = await this.o.api.signinEmail({ inbox: this.inboxId(), email: v.email.trim(), consent: v.consent })
      const p = this.remember(a, v)
      this.showCode(p)
    } catch (e) {
      button.disabled = false
      const err = asApiError(e)
      if (err.code === 'consent_required') return this.showEmail(v, { consent: err.message })
      if (err.field === 'email' || err.field === 'name') return this.showEmail(v, { [err.field]: err.message })
      this.o.report(err, button)
    }
  }

  private remember(a: { signin: string; email: string; resendIn: number; codeExpiresIn: number }, v: Values): Pending {
    const p: Pending = {
      signin: a.signin,
      email: a.email || v.email.trim(),
      name: v.name.trim(),
      consent: v.consent,
      sentAt: Date.now(),
      resendIn: num(a.resendIn, 30),
      expiresIn: num(a.codeExpiresIn, 600),
    }
    this.o.keys.signin = JSON.stringify(p)
    return p
  }

  private pending(): Pending | null {
    try {
      const p = JSON.parse(this.o.keys.signin ?? 'null') as Pending | null
      if (p && typeof p.signin === 'string' && typeof p.email === 'string' && Date.now() - p.sentAt < p.expiresIn * 1000) return p
    } catch {
      // unreadable: start over
    }
    this.o.keys.signin = null
    return null
  }

  // ---- step 2: the code ----

  /** Step 2; `focus` puts keyboard focus in the code field (not when a reload brings it back). */
  private showCode(p: Pending, error = '', focus = true): void {
    this.stop()
    const input = h('input', {
      id: 'vd-si-code',
      type: 'text',
      inputmode: 'numeric',
      autocomplete: 'one-time-code',
      'aria-describedby': 'vd-si-code-err',
      'data-testid': 'signin-code',
    })
    const ferr = h('p', { class: 'ferr', id: 'vd-si-code-err', 'aria-live': 'polite' }, error)
    const fail = (text: string) => {
      ferr.textContent = text
      input.setAttribute('aria-invalid', String(!!text))
    }
    if (error) fail(error)
    const submit = h('button', { type: 'submit', class: 'primary', 'data-testid': 'signin-submit' }, 'Sign in')
    const resend = h('button', { type: 'button', class: 'linkbtn', 'data-testid': 'signin-resend', onclick: () => void this.resend(p, resend, fail) })
    const other = h(
      'button',
      {
        type: 'button',
        class: 'linkbtn',
        'data-testid': 'signin-change-email',
        onclick: () => {
          this.o.keys.signin = null
          this.o.say('')
          this.showEmail({ name: p.name, email: p.email, consent: p.consent }, {}, true)
        },
      },
      'Use another email',
    )
    const form = h(
      'form',
      {
        class: 'scroll form',
        novalidate: true,
        'aria-label': 'Type the code from the email',
        onsubmit: (e: Event) => {
          e.preventDefault()
          const code = input.value.replace(/[\s-]+/g, '')
          if (!code) return fail('Type the code from the email.')
          fail('')
          void this.typeCode(p, code, submit, input, fail)
        },
      },
      h('p', null, 'We emailed a code to ', h('span', { class: 'em' }, p.email), '. Type it here to start the chat. It works for 10 minutes.'),
      h('div', { class: 'field' }, h('label', { for: input.id }, 'Code'), h('div', { class: 'row' }, input, submit)),
      ferr,
      h('div', { class: 'actions' }, resend, other),
    )
    // "Send a new code" waits for the server's resendIn, counting down.
    const tick = () => {
      const left = Math.ceil((p.sentAt + p.resendIn * 1000 - Date.now()) / 1000)
      resend.disabled = left > 0
      resend.textContent = left > 0 ? `Send a new code (${left} s)` : 'Send a new code'
      if (left <= 0) this.stop()
    }
    tick()
    if (resend.disabled) this.timer = setInterval(tick, 1000)
    this.o.show(form, focus ? input : null)
  }

  private async resend(p: Pending, button: HTMLButtonElement, fail: (t: string) => void): Promise<void> {
    this.o.say('')
    button.disabled = true
    try {
      const a = await this.o.api.signinEmail({ inbox: this.inboxId(), email: p.email, consent: p.consent, signin: p.signin })
      this.showCode(this.remember(a, { name: p.name, email: p.email, consent: p.consent }))
      this.o.say(`A new code is on its way to ${p.email}.`)
    } catch (e) {
      const err = asApiError(e)
      button.disabled = false
      if (err.status === 429 || err.status === 0 || err.status >= 500) return this.o.report(err, button)
      fail(err.message)
    }
  }

  private async typeCode(p: Pending, code: string, button: HTMLButtonElement, input: HTMLInputElement, fail: (t: string) => void): Promise<void> {
    this.o.say('')
    button.disabled = true
    try {
      const a = await this.o.api.signinCode({ ...this.chatStart(p.name), signin: p.signin, code })
      this.o.keys.signin = null
      this.o.started(a)
    } catch (e) {
      button.disabled = false
      const err = asApiError(e)
      const text = signinCodeErrorText(err)
      if (!text) return this.o.report(err, button)
      fail(text)
      input.select()
      if (err.code === 'too_many_wrong_codes' && err.retryAfter) {
        button.disabled = true
        setTimeout(() => (button.disabled = false), err.retryAfter * 1000)
      }
    }
  }

  // ---- Google ----

  private async google(credential: string, status: HTMLElement): Promise<void> {
    if (this.googleBusy || !status.isConnected) return
    this.o.say('')
    const v = { name: this.nameInput?.value ?? '', email: '', consent: this.consentBox?.checked ?? false }
    const errors = this.check(v, false)
    if (Object.keys(errors).length) return this.showEmail(v, errors)
    this.googleBusy = true
    status.classList.remove('bad')
    status.textContent = 'Signing in with Google…'
    try {
      const a = await this.o.api.signinGoogle({ ...this.chatStart(v.name), credential, consent: v.consent })
      this.o.keys.signin = null
      this.o.started(a)
    } catch (e) {
      const err = asApiError(e)
      if (err.field === 'name' || err.code === 'consent_required') {
        return this.showEmail(v, { [err.code === 'consent_required' ? 'consent' : 'name']: err.message })
      }
      status.classList.add('bad')
      // google_token_*, google_email_unverified, signin_unavailable: the server's words are
      // meant for the customer; a network failure or a throttle gets the usual treatment.
      status.textContent = err.status === 0 ? 'Can’t reach the chat right now. Check your connection and try again.' : err.message
      if (err.status === 429) this.o.report(err)
    } finally {
      this.googleBusy = false
    }
  }

  private chatStart(name: string): ChatStart {
    const device = this.o.keys.device
    const tz = this.o.timezone()
    const n = name.trim()
    return { inbox: this.inboxId(), ...(n && { name: n }), ...(device && { deviceToken: device }), ...(tz && { timezone: tz }) }
  }

  private inboxId(): string {
    return this.o.inbox.id
  }
}

function num(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : fallback
}

function asApiError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError(0, 'network', 'Can’t reach the chat right now.')
}
