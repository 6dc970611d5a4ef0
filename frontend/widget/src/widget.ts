/**
 * The chat widget: a launcher button and a chat panel in an open shadow root, and the flow
 * of docs/api/widget.md behind them.
 *
 * Flow: on first open (or at page load when a session is stored, so replies can show as
 * unread) the inbox is fetched and a stored session resumed; otherwise the sign-in or the
 * pre-chat form starts one. While a chat is open the live socket delivers messages and state;
 * the customer's messages go through the outbox.
 *
 * This class holds the parts together and moves between screens. The parts: state.ts (what
 * the chat is), transport.ts (HTTP, the live socket and its polling, the outbox), and the
 * screens, which get the widget as their Ctx (screen.ts): start.ts (loading, resuming,
 * unavailable), prechat.ts, signin.ts, chatview.ts (with verify.ts, the email and code
 * requests) and ended.ts. ui.ts builds the long-lived elements; all server and customer text
 * goes into the page as text.
 */
import type { ApiError, FetchLike } from './api'
import { replace } from './dom'
import { askEnd, cancelEnd, endChat } from './ended'
import { loadScript, type ScriptLoader } from './gsi'
import type { LiveStatus, SocketFactory } from './live'
import { ChatView } from './chatview'
import { showPrechat } from './prechat'
import { NETWORK_TEXT, timezone, type Ctx } from './screen'
import { Signin } from './signin'
import { load, refreshInbox } from './start'
import { ChatState, type Phase } from './state'
import { Keys } from './storage'
import css from './styles.css?inline'
import { Transport } from './transport'
import type { LiveEvent, SessionAnswer } from './types'
import { addStyles, buildShell, type Shell } from './ui'

export interface WidgetOptions {
  /** The server's public URL without a trailing slash, e.g. https://desk.example.com */
  base: string
  inbox: string
  position?: 'left' | 'right'
  fetch?: FetchLike
  WebSocket?: SocketFactory
  storage?: Storage | null
  random?: () => number
  /** Loads Google's script for Google Sign-In (tests replace it). */
  loadScript?: ScriptLoader
}

export class Widget implements Ctx {
  readonly host: HTMLDivElement
  readonly root: ShadowRoot
  readonly inboxId: string
  /** The long-lived elements (ui.ts). */
  readonly ui: Shell
  readonly chat: ChatState
  readonly net: Transport
  readonly view: ChatView
  isOpen = false
  private signin: Signin | null = null
  /** Where Google's script draws its button: a light-DOM child of the host, slotted into the
   * sign-in form (gsi.ts says why). */
  private readonly googleEl: HTMLDivElement
  /** Messages from the desk (agent or system) that arrived while the panel was closed. */
  private unread = 0
  private readonly onOnline = () => this.net.reconnectNow()
  /** A tab the customer looks at again takes the live socket back from a newer tab (live.ts). */
  private readonly onVisible = () => document.visibilityState === 'visible' && this.net.reclaim()

  constructor(private readonly o: WidgetOptions) {
    this.inboxId = o.inbox
    this.chat = new ChatState(new Keys(o.inbox, o.storage))
    this.view = new ChatView(this)
    this.net = new Transport(o, this.chat, {
      event: (e) => this.onLive(e),
      status: (s) => this.onLiveStatus(s),
      sent: (m) => this.view.sent(m),
      changed: (item) => this.view.outChanged(item),
      lost: () => this.sessionLost(),
    })

    this.host = document.createElement('div')
    this.host.id = 'vouchdesk-widget'
    // Set through CSSOM, which a strict Content-Security-Policy allows (a style attribute it
    // would block): keeps the page's `div { ... }` rules off the host element.
    this.host.style.setProperty('all', 'initial')
    this.root = this.host.attachShadow({ mode: 'open' })
    addStyles(this.root, css)
    this.googleEl = document.createElement('div')
    this.googleEl.slot = 'vd-google'
    this.googleEl.setAttribute('data-testid', 'google-button-host')
    this.host.appendChild(this.googleEl)

    this.ui = buildShell(o.position, {
      toggle: () => (this.isOpen ? this.close() : this.open()),
      close: () => this.close(),
      askEnd: () => askEnd(this),
      confirmEnd: () => void endChat(this),
      cancelEnd: () => cancelEnd(this),
      newChat: () => this.newChat(),
      send: () => this.view.send(),
      typed: () => this.view.typed(),
      escape: () => {
        if (!this.ui.confirmEl.hidden) cancelEnd(this)
        else this.close()
      },
    })
    this.root.appendChild(this.ui.wrap)
  }

  mount(parent: HTMLElement = document.body): void {
    parent.appendChild(this.host)
    addEventListener('online', this.onOnline)
    document.addEventListener('visibilitychange', this.onVisible)
    // A conversation in progress: reconnect now, so an agent's reply shows as unread on
    // the launcher even before the customer opens the panel on this page.
    if (this.chat.keys.session) void load(this)
  }

  /** Stops the socket and removes the widget (tests, or a site that unmounts it). */
  destroy(): void {
    this.signin?.stop()
    this.net.reset()
    removeEventListener('online', this.onOnline)
    document.removeEventListener('visibilitychange', this.onVisible)
    this.host.remove()
  }

  /** Opens the panel; `focus` moves keyboard focus into it (not on an automatic open at
   * page load, which must not steal focus from the page). */
  open(focus = true): void {
    if (!this.isOpen) {
      this.isOpen = true
      this.ui.panel.hidden = false
      this.ui.wrap.classList.add('open')
      this.ui.launcher.setAttribute('aria-expanded', 'true')
      this.unread = 0
      this.updateLauncher()
      this.view.scrollToEnd()
      void load(this)
    }
    if (focus) this.focusPanel()
  }

  close(): void {
    if (!this.isOpen) return
    const hadFocus = this.root.activeElement != null
    this.isOpen = false
    this.ui.panel.hidden = true
    this.ui.wrap.classList.remove('open')
    this.ui.confirmEl.hidden = true
    this.ui.launcher.setAttribute('aria-expanded', 'false')
    // Only give focus back when it was ours: a close() called by the page keeps the page's.
    if (hadFocus) this.ui.launcher.focus()
  }

  // ---- which screen ----

  /** The way into a new chat: the sign-in the inbox asks for, or the pre-chat form. */
  showStart(): void {
    if (this.chat.inbox?.signin) this.showSignin()
    else showPrechat(this)
  }

  focusPanel(): void {
    const phase = this.chat.phase
    const target =
      phase === 'prechat' || phase === 'signin'
        ? this.ui.bodyEl.querySelector<HTMLElement>('input, button')
        : phase === 'chat'
          ? this.chat.state?.status === 'ended'
            ? this.ui.newChatBtn
            : this.ui.textarea
          : null
    ;(target ?? this.ui.panel).focus()
  }

  setPhase(p: Phase): void {
    if (p !== 'signin') {
      this.signin?.stop()
      this.signin = null
    }
    this.chat.phase = p
    const chat = p === 'chat'
    const open = chat && this.chat.state?.status === 'open'
    this.ui.composer.hidden = !open
    this.ui.endBtn.hidden = !open
    if (!chat) {
      this.ui.countEl.hidden = true
      this.ui.confirmEl.hidden = true
    }
    this.view.banner()
  }

  beginChat(a: SessionAnswer): void {
    this.chat.begin(a)
    this.resetChat()
    this.view.show()
    this.view.applyState(a.state)
    this.net.connect()
    if (this.isOpen) this.focusPanel()
  }

  private showSignin(): void {
    this.setPhase('signin')
    this.view.header(null)
    const inbox = this.chat.inbox!
    this.signin = new Signin({
      api: this.net.api,
      keys: this.chat.keys,
      inbox: { ...inbox, id: inbox.id || this.inboxId },
      loadScript: this.o.loadScript ?? loadScript,
      googleEl: this.googleEl,
      show: (el, focus) => {
        replace(this.ui.bodyEl, el)
        if (focus && this.isOpen) focus.focus()
      },
      started: (a) => this.beginChat(a),
      report: (e, button) => {
        if (e.code === 'signin_off' || e.code === 'signin_required') return void refreshInbox(this)
        this.report(e, button)
      },
      say: (text) => this.say(text),
      timezone,
    })
    this.signin.start()
  }

  // ---- what the transport brings ----

  private onLive(e: LiveEvent): void {
    switch (e.type) {
      case 'ready':
        this.chat.liveDown = this.chat.sendDown = false
        this.view.banner()
        this.view.applyState(e.state)
        break
      case 'message':
        if (this.view.receive(e.message, true) && !this.isOpen && e.message.from !== 'customer') {
          this.unread++
          this.updateLauncher()
        }
        break
      case 'state':
        this.view.applyState(e.state)
        break
      case 'error':
        if (e.error?.code === 'unauthorized') this.sessionLost()
        else if (e.error?.message) this.say(e.error.message)
        break
    }
  }

  private onLiveStatus(s: LiveStatus): void {
    if (s === 'down') this.chat.liveDown = true
    else if (s === 'stopped' || s === 'polling') this.chat.liveDown = false
    this.view.banner()
  }

  // ---- leaving a chat ----

  /** Drops the previous chat: its socket, unsent messages, messages and elements. */
  private resetChat(): void {
    this.net.reset()
    this.chat.reset()
    this.view.reset()
  }

  /** "Start a new chat": forget the session (the device token stays: it still proves the
   * email) and show the way in. */
  private newChat(): void {
    this.chat.forget()
    this.resetChat()
    this.say('')
    this.showStart()
    if (this.isOpen) this.focusPanel()
  }

  sessionLost(): void {
    this.chat.forget()
    this.resetChat()
    this.showStart()
    this.say('This chat is no longer available. Please start a new one.')
  }

  // ---- small helpers ----

  report(e: ApiError, button?: HTMLButtonElement): void {
    const s = this.chat.state
    if (e.code === 'unauthorized' && this.chat.session) return this.sessionLost()
    if (e.code === 'conversation_ended' && s) return this.view.applyState({ ...s, status: 'ended', request: null })
    this.say(e.status === 0 ? NETWORK_TEXT : e.message)
    // Throttled: the button that caused it waits as long as the server asked.
    if (e.status === 429 && button) {
      button.disabled = true
      setTimeout(() => (button.disabled = false), (e.retryAfter ?? 1) * 1000)
    }
  }

  say(text: string): void {
    this.ui.errEl.textContent = text
  }

  private updateLauncher(): void {
    const n = this.unread
    this.ui.unreadEl.hidden = n === 0
    this.ui.unreadEl.textContent = n > 9 ? '9+' : String(n)
    this.ui.launcher.setAttribute('aria-label', n ? `Chat with us (${n} new ${n === 1 ? 'message' : 'messages'})` : 'Chat with us')
  }
}
