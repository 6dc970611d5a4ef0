/**
 * The agent's verification requests inside a chat (docs/verification.md): share your email,
 * then type the code the agent had emailed to it. The box under the log shows the form the
 * server's state asks for, keeps what the customer typed while the request does not change,
 * and sends the answer; the new state it gets back is applied by the chat view.
 */
import type { ApiError } from './api'
import { h, replace } from './dom'
import { asApiError, type Ctx } from './screen'
import type { Inbox, State } from './types'
import { CONSENT_FALLBACK } from './ui'
import { CONSENT_ERROR, emailError } from './validate'

export class VerifyBox {
  /** Which form is shown ("email", "code:<email>" or ""), to keep typed input on state
   * events that do not change it. */
  private key = ''

  constructor(private readonly w: Ctx) {}

  reset(): void {
    this.key = ''
  }

  /** Shows the form the request of `s` asks for (none for null or no request). */
  render(s: State | null): void {
    const el = this.w.ui.requestEl
    const r = s?.request
    const key = r?.kind === 'email' ? 'email' : r?.kind === 'code' ? `code:${r.email}` : ''
    if (key === this.key) return
    this.key = key
    el.hidden = !key
    if (!r) return el.replaceChildren()
    replace(
      el,
      r.kind === 'email'
        ? emailRequestForm(this.w.chat.inbox!, s!.email, (email, consent, c) => void this.giveEmail(email, consent, c))
        : codeRequestForm(r.email, (code, c) => void this.submitCode(code, c)),
    )
  }

  private async giveEmail(email: string, consent: boolean, c: FormControl): Promise<void> {
    const w = this.w
    w.say('')
    c.button.disabled = true
    try {
      const state = await w.net.api.giveEmail(w.chat.session!, email, consent)
      c.button.disabled = false
      w.view.applyState(state)
    } catch (err) {
      c.button.disabled = false
      const e = asApiError(err)
      if (e.field === 'email' || e.code === 'consent_required') c.fail(e.message)
      else w.report(e, c.button)
    }
  }

  private async submitCode(code: string, c: FormControl): Promise<void> {
    const w = this.w
    w.say('')
    c.button.disabled = true
    try {
      // The proof is recorded against this browser's device on the server (the token from
      // POST /sessions), so the answer is the new state only.
      const a = await w.net.api.submitCode(w.chat.session!, code)
      c.button.disabled = false
      w.view.applyState(a.state)
    } catch (err) {
      c.button.disabled = false
      const e = asApiError(err)
      const text = codeErrorText(e)
      if (!text) return w.report(e, c.button)
      c.fail(text)
      c.input.select()
    }
  }
}

/** What a request form hands its submit callback: its button, and a way to show an error
 * under the field (a polite live region of its own, so it is announced without also going
 * to the panel's error line). */
export interface FormControl {
  button: HTMLButtonElement
  input: HTMLInputElement
  fail(text: string): void
}

/** The answer to the agent's email request: email (+ consent when the inbox requires it). */
export function emailRequestForm(
  inbox: Inbox,
  current: string,
  submit: (email: string, consent: boolean, c: FormControl) => void,
): HTMLFormElement {
  const input = h('input', {
    id: 'vd-req-email',
    type: 'email',
    autocomplete: 'email',
    value: current,
    'aria-describedby': 'vd-req-email-err',
    'data-testid': 'email-request-input',
  })
  const consent = h('input', { id: 'vd-req-consent', type: 'checkbox', 'aria-describedby': 'vd-req-email-err', 'data-testid': 'email-request-consent' })
  const ferr = h('p', { class: 'ferr', id: 'vd-req-email-err', 'aria-live': 'polite' })
  const button = h('button', { type: 'submit', class: 'primary', 'data-testid': 'email-request-submit' }, 'Share email')
  const fail = (text: string) => (ferr.textContent = text)
  return h(
    'form',
    {
      class: 'form',
      novalidate: true,
      'aria-label': 'Your email',
      onsubmit: (e: Event) => {
        e.preventDefault()
        const email = input.value.trim()
        const badEmail = emailError(email)
        const badConsent = inbox.consent.required && !consent.checked
        fail(badEmail ?? (badConsent ? CONSENT_ERROR : ''))
        input.setAttribute('aria-invalid', String(!!badEmail))
        consent.setAttribute('aria-invalid', String(!badEmail && badConsent))
        if (badEmail) return input.focus()
        if (badConsent) return consent.focus()
        submit(email, consent.checked, { button, input, fail })
      },
    },
    h('p', null, 'Please share your email address so we can reach you.'),
    h('div', { class: 'field' }, h('label', { for: input.id }, 'Your email'), h('div', { class: 'row' }, input, button)),
    inbox.consent.required && h('div', { class: 'check' }, consent, h('label', { for: consent.id }, inbox.consent.text || CONSENT_FALLBACK)),
    ferr,
  )
}

/** The one-time code the agent had emailed to `email`. */
export function codeRequestForm(email: string, submit: (code: string, c: FormControl) => void): HTMLFormElement {
  const input = h('input', {
    id: 'vd-code',
    type: 'text',
    inputmode: 'numeric',
    autocomplete: 'one-time-code',
    'aria-describedby': 'vd-code-err',
    'data-testid': 'code-input',
  })
  const ferr = h('p', { class: 'ferr', id: 'vd-code-err', 'aria-live': 'polite' })
  const button = h('button', { type: 'submit', class: 'primary', 'data-testid': 'code-submit' }, 'Confirm')
  const fail = (text: string) => {
    ferr.textContent = text
    input.setAttribute('aria-invalid', String(!!text))
  }
  return h(
    'form',
    {
      class: 'form',
      novalidate: true,
      'aria-label': 'Confirm your email',
      onsubmit: (e: Event) => {
        e.preventDefault()
        // People paste "123 456", or a trailing space from the email.
        const code = input.value.replace(/\s+/g, '')
        if (!code) return fail('Type the code from the email.')
        fail('')
        submit(code, { button, input, fail })
      },
    },
    h('p', null, 'We emailed a code to ', h('span', { class: 'em' }, email), '. Type it here to confirm your address.'),
    h('div', { class: 'field' }, h('label', { for: input.id }, 'Code'), h('div', { class: 'row' }, input, button)),
    ferr,
  )
}

/** The words for the code errors, which need more than the server's generic sentence. */
export function codeErrorText(e: ApiError): string | undefined {
  switch (e.code) {
    case 'code_wrong': {
      const n = e.attemptsLeft
      return n == null
        ? 'That code is not right. Please check it and try again.'
        : n > 0
          ? `That code is not right. ${n} ${n === 1 ? 'attempt' : 'attempts'} left.`
          : 'That code is not right, and no attempts are left. Ask for a new code.'
    }
    case 'code_expired':
      return 'That code has expired or can no longer be used. Ask for a new code.'
    case 'no_code_pending':
      return 'There is no code waiting for this chat. Ask the agent to send one.'
    case 'too_many_wrong_codes':
      return 'Too many wrong codes for this email. Please wait a while before trying again.'
  }
  return undefined
}
