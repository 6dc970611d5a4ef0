/**
 * The widget's DOM: the shell (launcher, panel, header, banner, composer), the forms and the
 * message elements. Builders only: they take data and callbacks and return elements; the flow
 * (what to show when, what to call) is widget.ts's.
 *
 * Everything is made with dom.ts's h(), so server and customer text is always a Text node.
 * `data-testid` attributes are stable hooks for end-to-end tests; ids are unique within the
 * shadow root, which is all that labels and aria-describedby need.
 */
import { ICON_CHAT, ICON_CHECK, ICON_CLOSE, h, icon } from './dom'
import type { ApiError } from './api'
import type { OutItem } from './outbox'
import type { Inbox, Message } from './types'
import { CONSENT_ERROR, consentNeeded, emailError, type PrechatErrors, type PrechatInput } from './validate'
import { showText } from '../../src/lib/textrules'

const CONSENT_FALLBACK = 'I agree that my email is stored to answer me.'

export interface ShellActions {
  toggle(): void
  close(): void
  askEnd(): void
  confirmEnd(): void
  cancelEnd(): void
  newChat(): void
  send(): void
  typed(): void
  escape(): void
}

/** Builds the long-lived elements. */
export function buildShell(position: 'left' | 'right' | undefined, on: ShellActions) {
  const unreadEl = h('span', { class: 'unread', hidden: true, 'aria-hidden': 'true' })
  const launcher = h(
    'button',
    {
      type: 'button',
      class: 'launcher',
      'aria-label': 'Chat with us',
      'aria-expanded': 'false',
      'aria-controls': 'vd-panel',
      'data-testid': 'launcher',
      onclick: () => on.toggle(),
    },
    withClass(icon(ICON_CHAT, 26), 'i-chat'),
    withClass(icon(ICON_CLOSE, 24, true), 'i-close'),
    unreadEl,
  )

  const titleEl = h('h2', { class: 'title' }, 'Chat')
  const subEl = h('p', { class: 'sub' })
  const endBtn = h('button', { type: 'button', class: 'hbtn', hidden: true, 'data-testid': 'end-chat', onclick: () => on.askEnd() }, 'End chat')
  const closeBtn = h(
    'button',
    { type: 'button', class: 'hbtn x', 'aria-label': 'Close chat', 'data-testid': 'close', onclick: () => on.close() },
    icon(ICON_CLOSE, 18, true),
  )
  const confirmBtn = h('button', { type: 'button', class: 'primary', 'data-testid': 'end-chat-confirm', onclick: () => on.confirmEnd() }, 'End chat')
  const confirmEl = h(
    'div',
    { class: 'confirm', role: 'group', 'aria-labelledby': 'vd-confirm-q', hidden: true },
    h('p', { id: 'vd-confirm-q' }, 'End this chat? You can start a new one afterwards.'),
    confirmBtn,
    h('button', { type: 'button', class: 'hbtn', 'data-testid': 'end-chat-cancel', onclick: () => on.cancelEnd() }, 'Cancel'),
  )
  const bannerEl = h('div', { class: 'banner', role: 'status', hidden: true, 'data-testid': 'banner' }, 'Reconnecting…')
  const bodyEl = h('div', { class: 'body' })
  // Polite: errors are announced without interrupting what a screen reader is saying.
  const errEl = h('div', { class: 'err', 'aria-live': 'polite', 'data-testid': 'error' })

  const logEl = h('div', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-label': 'Messages' })
  const scrollEl = h('div', { class: 'scroll' }, logEl)
  const requestEl = h('div', { class: 'box', hidden: true })
  const newChatBtn = h('button', { type: 'button', class: 'primary', 'data-testid': 'new-chat', onclick: () => on.newChat() }, 'Start a new chat')
  const endedEl = h('div', { class: 'box form', hidden: true }, h('p', null, 'This chat has ended.'), newChatBtn)

  const textarea = h('textarea', {
    id: 'vd-text',
    rows: 1,
    placeholder: 'Type your message…',
    'data-testid': 'composer',
    onkeydown: ((e: KeyboardEvent) => {
      // Enter sends, Shift+Enter is a newline; never while an IME is composing a word.
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault()
        on.send()
      }
    }) as EventListener,
    oninput: () => on.typed(),
  })
  const countEl = h('div', { class: 'count', id: 'vd-count', hidden: true })
  const composer = h(
    'form',
    {
      class: 'composer',
      hidden: true,
      onsubmit: (e: Event) => {
        e.preventDefault()
        on.send()
      },
    },
    h('label', { class: 'sr', for: 'vd-text' }, 'Message'),
    textarea,
    h('button', { type: 'submit', class: 'primary', 'data-testid': 'send' }, 'Send'),
  )

  const panel = h(
    'div',
    { class: 'panel', id: 'vd-panel', role: 'dialog', 'aria-label': 'Chat', tabindex: -1, hidden: true, 'data-testid': 'panel' },
    h('div', { class: 'hdr' }, h('div', { class: 'hdr-text' }, titleEl, subEl), endBtn, closeBtn),
    confirmEl,
    bannerEl,
    bodyEl,
    errEl,
    countEl,
    composer,
  )

  const wrap = h('div', { class: position === 'left' ? 'vd left' : 'vd' }, panel, launcher)
  wrap.addEventListener('keydown', (e) => e.key === 'Escape' && on.escape())
  // Keys typed in the widget must not reach the page: outside the shadow root the event's
  // target is the host <div>, so a site's "is the user typing in a field?" check fails and
  // its keyboard shortcuts would fire on every letter of a message.
  for (const t of ['keydown', 'keyup', 'keypress']) wrap.addEventListener(t, (e) => e.stopPropagation())

  return {
    wrap, launcher, unreadEl, panel, titleEl, subEl, endBtn, confirmEl, confirmBtn, bannerEl, bodyEl,
    errEl, logEl, scrollEl, requestEl, endedEl, newChatBtn, countEl, composer, textarea,
  }
}

export type Shell = ReturnType<typeof buildShell>

/** The header's second line: who is answering, and the verified badge. */
export function headerLine(text: string, verifiedEmail: string | null): (Node | false)[] {
  return [
    h('span', null, text),
    verifiedEmail !== null &&
      h(
        'span',
        { class: 'verified', 'data-testid': 'verified-badge', title: verifiedEmail ? `Verified: ${verifiedEmail}` : null },
        icon(ICON_CHECK, 14, true),
        'Verified',
      ),
  ]
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

/** One message; `pending` for the customer's own message not yet acknowledged. */
export function messageEl(m: Pick<Message, 'from' | 'authorName' | 'body'>, pending?: OutItem): HTMLElement {
  const from = m.from === 'agent' || m.from === 'system' ? m.from : 'customer'
  const el = h(
    'div',
    { class: `msg ${from}`, 'data-testid': 'message', 'data-from': from },
    // Who said it: visible for agents, for screen readers only for the customer.
    // Text from people is cleaned of hidden characters (older rows may hold them) and isolated
    // (dir="auto"), so right-to-left text cannot reorder the widget around it.
    from === 'agent' && h('span', { class: 'who', dir: 'auto' }, showText(m.authorName ?? '') || 'Agent'),
    from === 'customer' && h('span', { class: 'sr' }, 'You: '),
    h('p', { class: 'bubble', dir: 'auto', 'data-testid': 'message-body' }, showText(String(m.body ?? ''))),
  )
  if (pending) setPendingState(el, pending)
  return el
}

/** Shows a customer message's sending state under its bubble. */
export function setPendingState(el: HTMLElement, item: OutItem): void {
  el.classList.add('pending')
  el.classList.toggle('failed', item.status === 'failed')
  let line = el.querySelector<HTMLElement>('.state')
  if (!line) el.appendChild((line = h('span', { class: 'state' })))
  line.textContent =
    item.status === 'sending'
      ? 'Sending…'
      : item.status === 'waiting'
        ? 'Not sent yet: will retry'
        : `Not sent: ${item.error?.message ?? 'error'}`
}

/** The message was acknowledged: an ordinary message from now on. */
export function settleMessage(el: HTMLElement): void {
  el.classList.remove('pending', 'failed')
  el.querySelector('.state')?.remove()
}

/** Constructable stylesheets where supported: a page's strict CSP (no 'unsafe-inline'
 * styles) does not block them, while it would block a <style> element. */
export function addStyles(root: ShadowRoot, text: string): void {
  try {
    if ('adoptedStyleSheets' in root && typeof CSSStyleSheet === 'function') {
      const sheet = new CSSStyleSheet()
      sheet.replaceSync(text)
      root.adoptedStyleSheets = [sheet]
      return
    }
  } catch {
    // fall back below
  }
  root.appendChild(h('style', null, text))
}

function withClass<E extends Element>(el: E, cls: string): E {
  el.setAttribute('class', cls)
  return el
}
