/**
 * The widget's long-lived DOM: the shell (launcher, panel, header, banner, composer) and the
 * message elements. Builders only: they take data and callbacks and return elements; what to
 * show when, and what to call, is the screens' (chatview.ts and the others) and widget.ts's.
 * Each screen's own form is built in its file (prechat.ts, verify.ts, signin.ts).
 *
 * Everything is made with dom.ts's h(), so server and customer text is always a Text node.
 * `data-testid` attributes are stable hooks for end-to-end tests; ids are unique within the
 * shadow root, which is all that labels and aria-describedby need.
 */
import { ICON_CHAT, ICON_CHECK, ICON_CLOSE, h, icon } from './dom'
import type { OutItem } from './outbox'
import type { Message } from './types'
import { showText } from '../../src/lib/textrules'

/** The consent checkbox's words when the organization set none. */
export const CONSENT_FALLBACK = 'I agree that my email is stored to answer me.'

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
