/**
 * The chat screen: the message log (acknowledged messages in id order, the customer's unsent
 * ones below them with their sending state), the header line (who answers, the verified
 * badge), the "Reconnecting…" banner, and the composer with its character count. It applies
 * the server's state of the conversation to the panel: composer and End chat only while the
 * chat is open, the agent's request (verify.ts) or the ended box.
 */
import { replace } from './dom'
import { newClientMsgId } from './ids'
import type { OutItem } from './outbox'
import type { Ctx } from './screen'
import type { Message, State } from './types'
import { headerLine, messageEl, setPendingState, settleMessage } from './ui'
import { charCount, messageError } from './validate'
import { VerifyBox } from './verify'

/** How long a socket may stay open after the chat ended, for the last events to arrive. */
const ENDED_GRACE_MS = 5_000

export class ChatView {
  /** Elements of unacknowledged messages by clientMsgId, oldest first. */
  private readonly pendingEls = new Map<string, HTMLElement>()
  private readonly verify: VerifyBox

  constructor(private readonly w: Ctx) {
    this.verify = new VerifyBox(w)
  }

  show(): void {
    const ui = this.w.ui
    this.w.setPhase('chat')
    replace(ui.bodyEl, ui.scrollEl, ui.requestEl, ui.endedEl)
  }

  /** Empties the log for another chat. */
  reset(): void {
    this.pendingEls.clear()
    this.w.ui.logEl.replaceChildren()
    this.verify.reset()
  }

  /** Shows a message unless it is already shown; true when it was new. */
  receive(m: Message, inOrder: boolean): boolean {
    const { chat, net } = this.w
    if (!m || typeof m.id !== 'string' || !chat.msgs.add(m, inOrder)) return false
    const stick = this.nearEnd()
    const pendingEl = m.clientMsgId ? this.pendingEls.get(m.clientMsgId) : undefined
    if (pendingEl) {
      // The customer's own message came back: it becomes an ordinary message in place.
      this.pendingEls.delete(m.clientMsgId)
      net.outbox.remove(m.clientMsgId)
      settleMessage(pendingEl)
      this.insertConfirmed(pendingEl, m.id)
    } else {
      this.insertConfirmed(messageEl(m), m.id)
    }
    if (stick) this.scrollToEnd()
    if (m.from === 'agent' && m.authorName && m.authorName !== chat.lastAgent) {
      chat.lastAgent = m.authorName
      this.header(chat.state)
    }
    return true
  }

  /**
   * Places an acknowledged message in id order (the order the agent sees, whatever way each
   * message arrived), before the unacknowledged ones, which stay at the bottom. An element
   * already in its place is not moved, so screen readers do not hear it again.
   */
  private insertConfirmed(el: HTMLElement, id: string): void {
    const log = this.w.ui.logEl
    el.dataset.id = id
    let before: Element | null = this.pendingEls.values().next().value ?? null
    let prev = before ? before.previousElementSibling : log.lastElementChild
    while (prev && (prev === el || ((prev as HTMLElement).dataset.id ?? '') > id)) {
      if (prev !== el) before = prev
      prev = prev.previousElementSibling
    }
    if (el.parentNode !== log || el.nextElementSibling !== before) log.insertBefore(el, before)
  }

  /** The server's state of the conversation, from whichever answer or event carried it. */
  applyState(s: State): void {
    if (!s || typeof s !== 'object') return
    const { ui, chat } = this.w
    chat.state = s
    const open = s.status === 'open'
    this.header(s)
    ui.endBtn.hidden = !open
    ui.composer.hidden = !open
    ui.endedEl.hidden = open
    ui.countEl.hidden = !open || ui.countEl.hidden
    this.verify.render(open ? s : null)
    if (!open) {
      ui.confirmEl.hidden = true
      this.w.net.ended(ENDED_GRACE_MS)
      // The composer just disappeared: do not leave keyboard focus on nothing.
      const f = this.w.root.activeElement
      if (f && (ui.composer.contains(f) || ui.confirmEl.contains(f) || f === ui.endBtn)) ui.newChatBtn.focus()
    }
  }

  /** The header's second line for state `s` (null: before a chat). */
  header(s: State | null): void {
    replace(this.w.ui.subEl, ...headerLine(this.w.chat.who(s), s?.verified ? s.email : null))
  }

  banner(): void {
    this.w.ui.bannerEl.hidden = !this.w.chat.reconnecting
  }

  // ---- sending ----

  /** The composer's text changed. */
  typed(): void {
    const ui = this.w.ui
    // Grow with the text up to the CSS max-height, then scroll.
    const t = ui.textarea
    t.style.height = 'auto'
    t.style.height = `${t.scrollHeight + 2}px`
    const limit = this.w.chat.limit()
    const n = charCount(t.value.trim())
    // Shown from 80% of the limit: earlier it is noise.
    const show = n >= limit * 0.8
    ui.countEl.hidden = !show
    // Described by the counter only while it shows: a hidden description is still read.
    if (show) t.setAttribute('aria-describedby', 'vd-count')
    else t.removeAttribute('aria-describedby')
    ui.countEl.textContent = `${n.toLocaleString('en')} / ${limit.toLocaleString('en')}`
    ui.countEl.classList.toggle('over', n > limit)
    t.setAttribute('aria-invalid', String(n > limit))
  }

  send(): void {
    const { ui, chat, net } = this.w
    if (!chat.session || chat.state?.status !== 'open') return
    const body = ui.textarea.value.trim()
    if (!body) return
    const bad = messageError(body, chat.limit())
    if (bad) return this.w.say(bad)
    this.w.say('')
    const item = net.outbox.add(newClientMsgId(), body)
    const el = messageEl({ from: 'customer', authorName: '', body }, item)
    this.pendingEls.set(item.clientMsgId, el)
    ui.logEl.appendChild(el)
    this.scrollToEnd()
    ui.textarea.value = ''
    this.typed()
    void net.outbox.flush()
  }

  /** The server stored a message the customer sent. */
  sent(m: Message): void {
    this.w.chat.sendDown = false
    this.banner()
    this.receive(m, false)
  }

  /** An unsent message changed status. */
  outChanged(item: OutItem): void {
    const chat = this.w.chat
    const el = this.pendingEls.get(item.clientMsgId)
    if (el) setPendingState(el, item)
    const e = item.error
    if (item.status === 'waiting' && e?.status === 0) {
      chat.sendDown = true
      this.banner()
    }
    if (item.status !== 'failed' || !e) return
    if (e.code === 'unauthorized') this.w.sessionLost()
    else if (e.code === 'conversation_ended') {
      // Our own failAll for an ended chat comes here too: only tell the server's news.
      if (chat.state?.status === 'open') this.applyState({ ...chat.state, status: 'ended', request: null })
    } else this.w.say(e.message)
  }

  private nearEnd(): boolean {
    const s = this.w.ui.scrollEl
    return s.scrollHeight - s.scrollTop - s.clientHeight < 80
  }

  scrollToEnd(): void {
    this.w.ui.scrollEl.scrollTop = this.w.ui.scrollEl.scrollHeight
  }
}
