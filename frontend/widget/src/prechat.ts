/**
 * The pre-chat form, the way into a chat for an inbox without sign-in: name and email when
 * the inbox asks for them, consent when an email is given, then POST /sessions. Errors the
 * server ties to a field are shown under it; a server that now asks for a sign-in sends the
 * customer back to the start (widget.ts shows the sign-in instead).
 */
import { h, replace } from './dom'
import { asApiError, timezone, type Ctx } from './screen'
import { refreshInbox } from './start'
import type { Inbox } from './types'
import { CONSENT_FALLBACK } from './ui'
import { consentNeeded, validatePrechat, type PrechatErrors, type PrechatInput } from './validate'

export function showPrechat(w: Ctx, errors: PrechatErrors = {}, values?: PrechatInput): void {
  w.setPhase('prechat')
  w.view.header(null)
  const { form, first } = prechatForm(w.chat.inbox!, { values, errors, forceConsent: w.chat.forceConsent }, (v, button) => {
    void startChat(w, v, button)
  })
  replace(w.ui.bodyEl, form)
  if (first && w.isOpen) first.focus()
}

async function startChat(w: Ctx, v: PrechatInput, button: HTMLButtonElement): Promise<void> {
  const chat = w.chat
  const inbox = chat.inbox!
  w.say('')
  const errors = validatePrechat(inbox, v, chat.forceConsent)
  if (Object.keys(errors).length) return showPrechat(w, errors, v)
  button.disabled = true
  const name = v.name.trim()
  const email = v.email.trim()
  const device = chat.keys.device
  const tz = timezone()
  try {
    const a = await w.net.api.startSession({
      inbox: inbox.id || w.inboxId,
      ...(name && { name }),
      ...(email && { email }),
      consent: v.consent,
      ...(device && { deviceToken: device }),
      ...(tz && { timezone: tz }),
    })
    w.beginChat(a)
  } catch (e) {
    button.disabled = false
    const err = asApiError(e)
    // The inbox now asks for a sign-in.
    if (err.code === 'signin_required') return void refreshInbox(w)
    const field: keyof PrechatInput | undefined =
      err.code === 'consent_required' ? 'consent' : err.field === 'name' || err.field === 'email' ? err.field : undefined
    if (err.code === 'consent_required') chat.forceConsent = true
    if (field) return showPrechat(w, { [field]: err.message }, v)
    w.report(err, button)
  }
}

/**
 * The pre-chat form: name and email when the inbox asks for them (both optional, as in the
 * API), the consent checkbox once an email is typed (or always, after the server insisted),
 * and Start. `errors` are shown under their fields; `first` is the first invalid field.
 */
export function prechatForm(
  inbox: Inbox,
  o: { values?: PrechatInput; errors: PrechatErrors; forceConsent: boolean },
  submit: (v: PrechatInput, button: HTMLButtonElement) => void,
): { form: HTMLFormElement; first?: HTMLInputElement } {
  const field = (key: 'name' | 'email', label: string, type: string) => {
    const input = h('input', { id: `vd-${key}`, type, autocomplete: key, 'data-testid': `prechat-${key}`, value: o.values?.[key] ?? '' })
    const el = h('div', { class: 'field' }, h('label', { for: input.id }, label, h('span', { class: 'opt' }, ' (optional)')), input)
    return { input, el }
  }
  const name = inbox.prechat.askName ? field('name', 'Name', 'text') : null
  const email = inbox.prechat.askEmail ? field('email', 'Email', 'email') : null
  const consent = h('input', { id: 'vd-consent', type: 'checkbox', 'data-testid': 'prechat-consent' })
  consent.checked = o.values?.consent ?? false
  const consentRow = h(
    'div',
    { class: 'field' },
    h('div', { class: 'check' }, consent, h('label', { for: consent.id }, inbox.consent.text || CONSENT_FALLBACK)),
  )
  const syncConsent = () => (consentRow.hidden = !consentNeeded(inbox, email?.input.value ?? '', o.forceConsent))
  email?.input.addEventListener('input', syncConsent)
  syncConsent()

  const start = h('button', { type: 'submit', class: 'primary', 'data-testid': 'prechat-start' }, 'Start chat')
  const form = h(
    'form',
    {
      class: 'scroll form',
      novalidate: true,
      'aria-label': 'Start a chat',
      onsubmit: (e: Event) => {
        e.preventDefault()
        const values = { name: name?.input.value ?? '', email: email?.input.value ?? '', consent: !consentRow.hidden && consent.checked }
        submit(values, start)
      },
    },
    h('p', null, 'Hi! Send us a message and we will answer here.'),
    name?.el,
    email?.el,
    consentRow,
    h('div', null, start),
  )

  // Field errors sit under their field and are tied to it, so a screen reader reads them
  // when the field gets focus.
  const inputs = { name: name?.input, email: email?.input, consent }
  let first: HTMLInputElement | undefined
  for (const k of ['name', 'email', 'consent'] as const) {
    const input = inputs[k]
    const text = o.errors[k]
    if (!input || !text) continue
    const id = `vd-${k}-err`
    input.setAttribute('aria-invalid', 'true')
    input.setAttribute('aria-describedby', id)
    input.closest('.field')!.appendChild(h('p', { class: 'ferr', id }, text))
    first ??= input
  }
  return { form, first }
}
