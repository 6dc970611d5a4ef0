/**
 * Opening a chat: the inbox is read (its name, its way in), then a stored session is resumed
 * (its history, its state, the live socket) or the way into a new chat is shown. When the
 * server cannot be reached, the unavailable screen says so with "Try again"; a wrong inbox id
 * is told to the site owner in the console, not to the customer.
 */
import { ApiError } from './api'
import { h, replace } from './dom'
import { asApiError, NETWORK_TEXT, type Ctx } from './screen'

/** Loads the inbox and resumes or starts; does nothing while loading or once loaded. */
export async function load(w: Ctx): Promise<void> {
  const { chat, ui, net } = w
  if (chat.phase !== 'idle' && chat.phase !== 'unavailable') return
  w.setPhase('loading')
  replace(ui.bodyEl, h('p', { class: 'scroll note' }, 'Loading…'))
  try {
    chat.inbox = await net.api.inbox(w.inboxId)
  } catch (e) {
    return showUnavailable(w, e)
  }
  const title = chat.inbox.organization || chat.inbox.name || 'Chat'
  ui.titleEl.textContent = title
  ui.panel.setAttribute('aria-label', `Chat with ${title}`)

  const token = chat.keys.session
  if (token) {
    try {
      const c = await net.api.conversation(token)
      chat.session = token
      w.view.show()
      for (const m of c.messages) w.view.receive(m, true)
      // An ended chat is shown read-only once; the next page load starts fresh.
      if (c.state.status === 'ended') chat.keys.session = null
      w.view.applyState(c.state)
      if (c.state.status === 'open') net.connect()
      focusAfterLoad(w)
      return
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) return showUnavailable(w, e)
      // The server forgot the session (or it was never valid): start over.
      chat.keys.session = null
    }
  }
  w.showStart()
  focusAfterLoad(w)
}

/** The inbox's settings changed under the widget (sign-in switched on or off): read them
 * again and show the way in they now ask for. */
export async function refreshInbox(w: Ctx): Promise<void> {
  try {
    w.chat.inbox = await w.net.api.inbox(w.inboxId)
  } catch (e) {
    return showUnavailable(w, e)
  }
  w.showStart()
}

function showUnavailable(w: Ctx, e: unknown): void {
  const ui = w.ui
  w.setPhase('unavailable')
  const err = asApiError(e)
  if (err.status === 404) {
    // The site owner's mistake (a wrong data-inbox); tell them, not the customer.
    console.warn(`Vouch Desk widget: inbox ${w.inboxId}: ${err.message}`)
    replace(ui.bodyEl, h('p', { class: 'scroll note' }, 'Chat is not available right now.'))
    return
  }
  const retry = h('button', { type: 'button', class: 'primary', onclick: () => void load(w) }, 'Try again')
  replace(
    ui.bodyEl,
    h('div', { class: 'scroll form note' }, h('p', null, err.status === 0 ? NETWORK_TEXT : err.message), h('div', null, retry)),
  )
  if (w.isOpen && w.root.activeElement) retry.focus()
}

/** After an asynchronous load, move focus from the panel itself to its first control, if
 * the customer is still waiting there. */
function focusAfterLoad(w: Ctx): void {
  if (w.isOpen && w.root.activeElement === w.ui.panel) w.focusPanel()
}
