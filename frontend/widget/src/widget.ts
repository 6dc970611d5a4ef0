/**
 * The chat widget: a launcher button and a chat panel in an open shadow root, and the flow
 * of docs/api/widget.md behind them.
 *
 * Flow: on first open (or at page load when a session is stored, so replies can show as
 * unread) the inbox is fetched and a stored session resumed; otherwise the pre-chat form
 * starts one. While a chat is open the live socket delivers messages and state; the
 * customer's messages go through the Outbox. This module decides what to show when and what
 * to call; the elements come from ui.ts, which puts all server and customer text in the page
 * as text.
 */
import { ApiClient, ApiError, type FetchLike } from './api'
import { h, replace } from './dom'
import { loadScript, type ScriptLoader } from './gsi'
import { newClientMsgId } from './ids'
import { LiveConnection, type LiveStatus, type SocketFactory } from './live'
import { MessageList } from './messages'
import { Outbox, type OutItem } from './outbox'
import { Signin } from './signin'
import { Keys } from './storage'
import css from './styles.css?inline'
import type { Inbox, LiveEvent, Message, SessionAnswer, State } from './types'
import {
  addStyles,
  buildShell,
  codeErrorText,
  codeRequestForm,
  emailRequestForm,
  headerLine,
  messageEl,
  prechatForm,
  setPendingState,
  settleMessage,
  type FormControl,
  type Shell,
} from './ui'
import { charCount, messageError, validatePrechat, type PrechatErrors, type PrechatInput } from './validate'
import { MAX_MESSAGE_CHARS } from '../../src/lib/textrules'

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

type Phase = 'idle' | 'loading' | 'unavailable' | 'prechat' | 'signin' | 'chat'

/** How long a socket may stay open after the chat ended, for the last events to arrive. */
const ENDED_GRACE_MS = 5_000

const NETWORK_TEXT = 'Can’t reach the chat right now. Check your connection and try again.'

export class Widget {
  readonly host: HTMLDivElement
  readonly root: ShadowRoot
  private readonly api: ApiClient
  private readonly keys: Keys
  private readonly msgs = new MessageList()
  private readonly outbox: Outbox
  private live: LiveConnection | null = null
  private signin: Signin | null = null
  /** Where Google's script draws its button: a light-DOM child of the host, slotted into the
   * sign-in form (gsi.ts says why). */
  private readonly googleEl: HTMLDivElement

  private phase: Phase = 'idle'
  private inbox: Inbox | null = null
  private session: string | null = null
  private state: State | null = null
  private isOpen = false
  private unread = 0
  /** The live socket is down, or a send got no answer: show "Reconnecting…". */
  private liveDown = false
  private sendDown = false
  /** The server said consent_required although no email was typed: show the checkbox anyway. */
  private forceConsent = false
  /** Which request form is shown ("email", "code:<email>" or ""), to keep typed input on
   * state events that do not change it. */
  private requestKey = ''
  /** The author of the newest agent message: the header names them before a state event
   * carries agentName (the server sends none for a plain message). */
  private lastAgent = ''
  /** Elements of unacknowledged messages by clientMsgId, oldest first. */
  private readonly pendingEls = new Map<string, HTMLElement>()
  private readonly onOnline = () => this.live?.reconnectNow()
  /** A tab the customer looks at again takes the live socket back from a newer tab (live.ts). */
  private readonly onVisible = () => document.visibilityState === 'visible' && this.live?.reclaim()

  /** The long-lived elements (ui.ts). */
  private readonly ui: Shell

  constructor(private readonly o: WidgetOptions) {
    this.api = new ApiClient(o.base, o.fetch)
    this.keys = new Keys(o.inbox, o.storage)
    this.outbox = new Outbox({
      send: (item) => this.api.sendMessage(this.session ?? '', item.clientMsgId, item.body),
      sent: (_item, m) => {
        this.sendDown = false
        this.updateBanner()
        this.receive(m, false)
      },
      changed: (item) => this.outChanged(item),
      random: o.random,
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
      askEnd: () => this.askEnd(),
      confirmEnd: () => void this.endChat(),
      cancelEnd: () => this.cancelEnd(),
      newChat: () => this.newChat(),
      send: () => this.send(),
      typed: () => this.composerInput(),
      escape: () => {
        if (!this.ui.confirmEl.hidden) this.cancelEnd()
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
    if (this.keys.session) void this.load()
  }

  /** Stops the socket and removes the widget (tests, or a site that unmounts it). */
  destroy(): void {
    this.signin?.stop()
    this.live?.stop()
    this.outbox.clear()
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
      this.scrollToEnd()
      void this.load()
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

  // ---- loading and resuming ----

  private async load(): Promise<void> {
    if (this.phase !== 'idle' && this.phase !== 'unavailable') return
    this.setPhase('loading')
    replace(this.ui.bodyEl, h('p', { class: 'scroll note' }, 'Loading…'))
    try {
      this.inbox = await this.api.inbox(this.o.inbox)
    } catch (e) {
      return this.showUnavailable(e)
    }
    const title = this.inbox.organization || this.inbox.name || 'Chat'
    this.ui.titleEl.textContent = title
    this.ui.panel.setAttribute('aria-label', `Chat with ${title}`)

    const token = this.keys.session
    if (token) {
      try {
        const c = await this.api.conversation(token)
        this.session = token
        this.showChat()
        for (const m of c.messages) this.receive(m, true)
        // An ended chat is shown read-only once; the next page load starts fresh.
        if (c.state.status === 'ended') this.keys.session = null
        this.applyState(c.state)
        if (c.state.status === 'open') this.connectLive()
        this.focusAfterLoad()
        return
      } catch (e) {
        if (!(e instanceof ApiError && e.status === 401)) return this.showUnavailable(e)
        // The server forgot the session (or it was never valid): start over.
        this.keys.session = null
      }
    }
    this.showStart()
    this.focusAfterLoad()
  }

  /** The way into a new chat: the sign-in the inbox asks for, or the pre-chat form. */
  private showStart(): void {
    if (this.inbox?.signin) this.showSignin()
    else this.showPrechat()
  }

  /** The inbox's settings changed under the widget (sign-in switched on or off): read them
   * again and show the way in they now ask for. */
  private async refreshInbox(): Promise<void> {
    try {
      this.inbox = await this.api.inbox(this.o.inbox)
    } catch (e) {
      return this.showUnavailable(e)
    }
    this.showStart()
  }

  private showUnavailable(e: unknown): void {
    this.setPhase('unavailable')
    const err = asApiError(e)
    if (err.status === 404) {
      // The site owner's mistake (a wrong data-inbox); tell them, not the customer.
      console.warn(`Vouch Desk widget: inbox ${this.o.inbox}: ${err.message}`)
      replace(this.ui.bodyEl, h('p', { class: 'scroll note' }, 'Chat is not available right now.'))
      return
    }
    const retry = h('button', { type: 'button', class: 'primary', onclick: () => void this.load() }, 'Try again')
    replace(
      this.ui.bodyEl,
      h('div', { class: 'scroll form note' }, h('p', null, err.status === 0 ? NETWORK_TEXT : err.message), h('div', null, retry)),
    )
    if (this.isOpen && this.root.activeElement) retry.focus()
  }

  /** After an asynchronous load, move focus from the panel itself to its first control, if
   * the customer is still waiting there. */
  private focusAfterLoad(): void {
    if (this.isOpen && this.root.activeElement === this.ui.panel) this.focusPanel()
  }

  private focusPanel(): void {
    const target =
      this.phase === 'prechat' || this.phase === 'signin'
        ? this.ui.bodyEl.querySelector<HTMLElement>('input, button')
        : this.phase === 'chat'
          ? this.state?.status === 'ended'
            ? this.ui.newChatBtn
            : this.ui.textarea
          : null
    ;(target ?? this.ui.panel).focus()
  }

  private setPhase(p: Phase): void {
    if (p !== 'signin') {
      this.signin?.stop()
      this.signin = null
    }
    this.phase = p
    const chat = p === 'chat'
    this.ui.composer.hidden = !chat || this.state?.status !== 'open'
    this.ui.endBtn.hidden = !chat || this.state?.status !== 'open'
    if (!chat) {
      this.ui.countEl.hidden = true
      this.ui.confirmEl.hidden = true
    }
    this.updateBanner()
  }

  // ---- pre-chat form ----

  private showPrechat(errors: PrechatErrors = {}, values?: PrechatInput): void {
    this.setPhase('prechat')
    this.applyHeader(null)
    const { form, first } = prechatForm(this.inbox!, { values, errors, forceConsent: this.forceConsent }, (v, button) => {
      void this.startChat(v, button)
    })
    replace(this.ui.bodyEl, form)
    if (first && this.isOpen) first.focus()
  }

  private async startChat(v: PrechatInput, button: HTMLButtonElement): Promise<void> {
    const inbox = this.inbox!
    this.say('')
    const errors = validatePrechat(inbox, v, this.forceConsent)
    if (Object.keys(errors).length) return this.showPrechat(errors, v)
    button.disabled = true
    const name = v.name.trim()
    const email = v.email.trim()
    const device = this.keys.device
    const tz = timezone()
    try {
      const a = await this.api.startSession({
        inbox: inbox.id || this.o.inbox,
        ...(name && { name }),
        ...(email && { email }),
        consent: v.consent,
        ...(device && { deviceToken: device }),
        ...(tz && { timezone: tz }),
      })
      this.beginChat(a)
    } catch (e) {
      button.disabled = false
      const err = asApiError(e)
      // The inbox now asks for a sign-in.
      if (err.code === 'signin_required') return void this.refreshInbox()
      const field: keyof PrechatInput | undefined =
        err.code === 'consent_required' ? 'consent' : err.field === 'name' || err.field === 'email' ? err.field : undefined
      if (err.code === 'consent_required') this.forceConsent = true
      if (field) return this.showPrechat({ [field]: err.message }, v)
      this.report(err, button)
    }
  }

  /** A chat was started (POST /sessions or a sign-in): keep its session and device, show it. */
  private beginChat(a: SessionAnswer): void {
    // A device token the server no longer knows (revoked, or another organization's) will
    // never verify anything again.
    if (this.keys.device && a.deviceRecognized === false) this.keys.device = null
    // The server made a device for this browser: the token that later proofs attach to.
    if (a.deviceToken) this.keys.device = a.deviceToken
    this.session = a.session
    this.keys.session = a.session
    this.resetChat()
    this.showChat()
    this.applyState(a.state)
    this.connectLive()
    if (this.isOpen) this.focusPanel()
  }

  // ---- sign-in ----

  private showSignin(): void {
    this.setPhase('signin')
    this.applyHeader(null)
    const inbox = this.inbox!
    this.signin = new Signin({
      api: this.api,
      keys: this.keys,
      inbox: { ...inbox, id: inbox.id || this.o.inbox },
      loadScript: this.o.loadScript ?? loadScript,
      googleEl: this.googleEl,
      show: (el, focus) => {
        replace(this.ui.bodyEl, el)
        if (focus && this.isOpen) focus.focus()
      },
      started: (a) => this.beginChat(a),
      report: (e, button) => {
        if (e.code === 'signin_off' || e.code === 'signin_required') return void this.refreshInbox()
        this.report(e, button)
      },
      say: (text) => this.say(text),
      timezone,
    })
    this.signin.start()
  }

  // ---- the chat ----

  private showChat(): void {
    this.setPhase('chat')
    replace(this.ui.bodyEl, this.ui.scrollEl, this.ui.requestEl, this.ui.endedEl)
  }

  private resetChat(): void {
    this.live?.stop()
    this.live = null
    this.outbox.clear()
    this.msgs.reset()
    this.pendingEls.clear()
    this.ui.logEl.replaceChildren()
    this.state = null
    this.lastAgent = ''
    this.requestKey = ''
    this.liveDown = this.sendDown = false
  }

  private connectLive(): void {
    this.live?.stop()
    const wsBase = this.o.base.replace(/^http/, 'ws')
    this.live = new LiveConnection({
      url: `${wsBase}/api/widget/v1/live`,
      session: this.session!,
      after: () => this.msgs.cursor,
      onEvent: (e) => this.onLive(e),
      onStatus: (s) => this.onLiveStatus(s),
      poll: () => this.poll(),
      WebSocket: this.o.WebSocket,
      random: this.o.random,
    })
    this.live.start()
  }

  private onLive(e: LiveEvent): void {
    switch (e.type) {
      case 'ready':
        this.liveDown = this.sendDown = false
        this.updateBanner()
        this.applyState(e.state)
        // Connected again: what could not be sent goes now, with its clientMsgId.
        void this.outbox.flush()
        break
      case 'message':
        if (this.receive(e.message, true) && !this.isOpen && e.message.from !== 'customer') {
          this.unread++
          this.updateLauncher()
        }
        break
      case 'state':
        this.applyState(e.state)
        break
      case 'error':
        if (e.error?.code === 'unauthorized') this.sessionLost()
        else if (e.error?.message) this.say(e.error.message)
        break
    }
  }

  /** Polling instead of the socket (a cap closed it): what is new, handled as live events. */
  private async poll(): Promise<boolean> {
    const session = this.session
    if (!session) return false
    let c
    try {
      c = await this.api.conversation(session, this.msgs.cursor || undefined)
    } catch (e) {
      if (e instanceof ApiError && e.status === 401 && this.session === session) this.sessionLost()
      throw e
    }
    if (this.session !== session) return false
    let fresh = false
    for (const m of c.messages) {
      fresh = fresh || !this.msgs.has(m.id)
      this.onLive({ type: 'message', message: m })
    }
    this.onLive({ type: 'state', state: c.state })
    return fresh
  }

  private onLiveStatus(s: LiveStatus): void {
    if (s === 'down') this.liveDown = true
    else if (s === 'stopped' || s === 'polling') this.liveDown = false
    this.updateBanner()
  }

  private updateBanner(): void {
    this.ui.bannerEl.hidden = !(this.phase === 'chat' && (this.liveDown || this.sendDown))
  }

  /** Shows a message unless it is already shown; true when it was new. */
  private receive(m: Message, inOrder: boolean): boolean {
    if (!m || typeof m.id !== 'string' || !this.msgs.add(m, inOrder)) return false
    const stick = this.nearEnd()
    const pendingEl = m.clientMsgId ? this.pendingEls.get(m.clientMsgId) : undefined
    if (pendingEl) {
      // The customer's own message came back: it becomes an ordinary message in place.
      this.pendingEls.delete(m.clientMsgId)
      this.outbox.remove(m.clientMsgId)
      settleMessage(pendingEl)
      this.insertConfirmed(pendingEl, m.id)
    } else {
      this.insertConfirmed(messageEl(m), m.id)
    }
    if (stick) this.scrollToEnd()
    if (m.from === 'agent' && m.authorName && m.authorName !== this.lastAgent) {
      this.lastAgent = m.authorName
      this.applyHeader(this.state)
    }
    return true
  }

  /**
   * Places an acknowledged message in id order (the order the agent sees, whatever way each
   * message arrived), before the unacknowledged ones, which stay at the bottom. An element
   * already in its place is not moved, so screen readers do not hear it again.
   */
  private insertConfirmed(el: HTMLElement, id: string): void {
    el.dataset.id = id
    let before: Element | null = this.pendingEls.values().next().value ?? null
    let prev = before ? before.previousElementSibling : this.ui.logEl.lastElementChild
    while (prev && (prev === el || ((prev as HTMLElement).dataset.id ?? '') > id)) {
      if (prev !== el) before = prev
      prev = prev.previousElementSibling
    }
    if (el.parentNode !== this.ui.logEl || el.nextElementSibling !== before) this.ui.logEl.insertBefore(el, before)
  }

  private applyState(s: State): void {
    if (!s || typeof s !== 'object') return
    this.state = s
    const open = s.status === 'open'
    this.applyHeader(s)
    this.ui.endBtn.hidden = !open
    this.ui.composer.hidden = !open
    this.ui.endedEl.hidden = open
    this.ui.countEl.hidden = !open || this.ui.countEl.hidden
    this.renderRequest(open ? s : null)
    if (!open) {
      this.ui.confirmEl.hidden = true
      // No reconnect for an ended chat, but the socket stays a moment for its last events
      // (the agent's closing message may follow the state change).
      this.live?.finish(ENDED_GRACE_MS)
      this.outbox.failAll(new ApiError(409, 'conversation_ended', 'This chat has ended.'))
      // The composer just disappeared: do not leave keyboard focus on nothing.
      const f = this.root.activeElement
      if (f && (this.ui.composer.contains(f) || this.ui.confirmEl.contains(f) || f === this.ui.endBtn))
        this.ui.newChatBtn.focus()
    }
  }

  private applyHeader(s: State | null): void {
    const agent = s ? s.agentName || this.lastAgent : ''
    const who = agent ? `You’re chatting with ${agent}` : this.inbox?.name ?? ''
    replace(this.ui.subEl, ...headerLine(who, s?.verified ? s.email : null))
  }

  // ---- the agent's requests: email and code ----

  private renderRequest(s: State | null): void {
    const r = s?.request
    const key = r?.kind === 'email' ? 'email' : r?.kind === 'code' ? `code:${r.email}` : ''
    if (key === this.requestKey) return
    this.requestKey = key
    this.ui.requestEl.hidden = !key
    if (!r) return this.ui.requestEl.replaceChildren()
    replace(
      this.ui.requestEl,
      r.kind === 'email'
        ? emailRequestForm(this.inbox!, s!.email, (email, consent, c) => void this.giveEmail(email, consent, c))
        : codeRequestForm(r.email, (code, c) => void this.submitCode(code, c)),
    )
  }

  private async giveEmail(email: string, consent: boolean, c: FormControl): Promise<void> {
    this.say('')
    c.button.disabled = true
    try {
      const state = await this.api.giveEmail(this.session!, email, consent)
      c.button.disabled = false
      this.applyState(state)
    } catch (err) {
      c.button.disabled = false
      const e = asApiError(err)
      if (e.field === 'email' || e.code === 'consent_required') c.fail(e.message)
      else this.report(e, c.button)
    }
  }

  private async submitCode(code: string, c: FormControl): Promise<void> {
    this.say('')
    c.button.disabled = true
    try {
      // The proof is recorded against this browser's device on the server (the token from
      // POST /sessions), so the answer is the new state only.
      const a = await this.api.submitCode(this.session!, code)
      c.button.disabled = false
      this.applyState(a.state)
    } catch (err) {
      c.button.disabled = false
      const e = asApiError(err)
      const text = codeErrorText(e)
      if (!text) return this.report(e, c.button)
      c.fail(text)
      c.input.select()
    }
  }

  // ---- sending ----

  private composerInput(): void {
    // Grow with the text up to the CSS max-height, then scroll.
    const t = this.ui.textarea
    t.style.height = 'auto'
    t.style.height = `${t.scrollHeight + 2}px`
    const limit = this.limit()
    const n = charCount(t.value.trim())
    // Shown from 80% of the limit: earlier it is noise.
    const show = n >= limit * 0.8
    this.ui.countEl.hidden = !show
    // Described by the counter only while it shows: a hidden description is still read.
    if (show) t.setAttribute('aria-describedby', 'vd-count')
    else t.removeAttribute('aria-describedby')
    this.ui.countEl.textContent = `${n.toLocaleString('en')} / ${limit.toLocaleString('en')}`
    this.ui.countEl.classList.toggle('over', n > limit)
    t.setAttribute('aria-invalid', String(n > limit))
  }

  private limit(): number {
    const l = this.inbox?.limits?.messageChars
    return typeof l === 'number' && l > 0 ? l : MAX_MESSAGE_CHARS
  }

  private send(): void {
    if (!this.session || this.state?.status !== 'open') return
    const body = this.ui.textarea.value.trim()
    if (!body) return
    const bad = messageError(body, this.limit())
    if (bad) return this.say(bad)
    this.say('')
    const item = this.outbox.add(newClientMsgId(), body)
    const el = messageEl({ from: 'customer', authorName: '', body }, item)
    this.pendingEls.set(item.clientMsgId, el)
    this.ui.logEl.appendChild(el)
    this.scrollToEnd()
    this.ui.textarea.value = ''
    this.composerInput()
    void this.outbox.flush()
  }

  private outChanged(item: OutItem): void {
    const el = this.pendingEls.get(item.clientMsgId)
    if (el) setPendingState(el, item)
    const e = item.error
    if (item.status === 'waiting' && e?.status === 0) {
      this.sendDown = true
      this.updateBanner()
    }
    if (item.status !== 'failed' || !e) return
    if (e.code === 'unauthorized') this.sessionLost()
    else if (e.code === 'conversation_ended') {
      // Our own failAll for an ended chat comes here too: only tell the server's news.
      if (this.state?.status === 'open') this.applyState({ ...this.state, status: 'ended', request: null })
    } else this.say(e.message)
  }

  // ---- ending ----

  private askEnd(): void {
    this.ui.confirmEl.hidden = false
    this.ui.confirmBtn.focus()
  }

  private cancelEnd(): void {
    this.ui.confirmEl.hidden = true
    this.ui.endBtn.focus()
  }

  private async endChat(): Promise<void> {
    const btn = this.ui.confirmBtn
    btn.disabled = true
    this.say('')
    try {
      const state = await this.api.end(this.session!)
      btn.disabled = false
      this.ui.confirmEl.hidden = true
      this.applyState(state)
    } catch (e) {
      btn.disabled = false
      this.report(asApiError(e), btn)
    }
  }

  /** "Start a new chat": forget the session (the device token stays: it still proves the
   * email) and show the pre-chat form. */
  private newChat(): void {
    this.keys.session = null
    this.session = null
    this.resetChat()
    this.say('')
    this.showStart()
    if (this.isOpen) this.focusPanel()
  }

  /** The server no longer knows the session (revoked, expired). */
  private sessionLost(): void {
    this.keys.session = null
    this.session = null
    this.resetChat()
    this.showStart()
    this.say('This chat is no longer available. Please start a new one.')
  }

  // ---- small helpers ----

  /** Shows an error of a call: session and ended errors change the view, others are said. */
  private report(e: ApiError, button?: HTMLButtonElement): void {
    if (e.code === 'unauthorized' && this.session) return this.sessionLost()
    if (e.code === 'conversation_ended' && this.state) return this.applyState({ ...this.state, status: 'ended', request: null })
    this.say(e.status === 0 ? NETWORK_TEXT : e.message)
    // Throttled: the button that caused it waits as long as the server asked.
    if (e.status === 429 && button) {
      button.disabled = true
      setTimeout(() => (button.disabled = false), (e.retryAfter ?? 1) * 1000)
    }
  }

  /** Puts text in the polite live region ("" clears it). */
  private say(text: string): void {
    this.ui.errEl.textContent = text
  }

  private updateLauncher(): void {
    const n = this.unread
    this.ui.unreadEl.hidden = n === 0
    this.ui.unreadEl.textContent = n > 9 ? '9+' : String(n)
    this.ui.launcher.setAttribute('aria-label', n ? `Chat with us (${n} new ${n === 1 ? 'message' : 'messages'})` : 'Chat with us')
  }

  private nearEnd(): boolean {
    const s = this.ui.scrollEl
    return s.scrollHeight - s.scrollTop - s.clientHeight < 80
  }

  private scrollToEnd(): void {
    this.ui.scrollEl.scrollTop = this.ui.scrollEl.scrollHeight
  }
}

function timezone(): string | undefined {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone
  } catch {
    return undefined // no Intl time zone support: the server does without
  }
}

function asApiError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError(0, 'network', NETWORK_TEXT)
}
