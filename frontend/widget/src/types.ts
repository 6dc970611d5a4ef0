/**
 * The objects of the widget API (docs/api/widget.md, "Objects" and "Calls"), as the server
 * sends them. Only the fields the widget reads are typed; the server may add more.
 */

export type From = 'customer' | 'agent' | 'system'

export interface Message {
  id: string
  from: From
  authorName: string
  /** Plain text exactly as typed; never HTML. */
  body: string
  /** Echoed for the customer's own messages, "" otherwise. */
  clientMsgId: string
  createdAt: string
}

export type Request = { kind: 'email' } | { kind: 'code'; email: string } | null

export interface State {
  status: 'open' | 'ended'
  email: string
  verified: boolean
  request: Request
  agentName: string
}

export interface Inbox {
  id: string
  name: string
  organization: string
  prechat: { askName: boolean; askEmail: boolean }
  consent: { required: boolean; text: string }
  limits: { messageChars: number }
  /** The sign-in a chat starts with; absent or null: the pre-chat form. */
  signin?: InboxSignin | null
}

/** Which sign-ins the inbox offers (at least one). */
export interface InboxSignin {
  /** A one-time code emailed to the customer. */
  email: boolean
  /** Google Sign-In: Google's button, drawn by the script at scriptUrl. */
  google: { clientId: string; scriptUrl: string } | null
}

/** The answer of POST /signin/email: a code is on its way. */
export interface SigninEmailAnswer {
  /** The sign-in handle: send it back with the code, and with a request for a new one. */
  signin: string
  email: string
  codeExpiresIn: number
  resendIn: number
}

/** What a sign-in sends for the chat it starts (as POST /sessions). */
export interface ChatStart {
  inbox: string
  name?: string
  deviceToken?: string
  timezone?: string
}

export interface SessionAnswer {
  session: string
  conversation: string
  deviceRecognized: boolean
  state: State
  /** Not in the doc's answer, but sent by the server when it made a new device for this
   * browser (no token, or an unrecognized one): the token proofs attach to. */
  deviceToken?: string
}

export interface ConversationAnswer {
  conversation: string
  state: State
  messages: Message[]
}

export interface StartSession {
  inbox: string
  name?: string
  email?: string
  consent?: boolean
  deviceToken?: string
  timezone?: string
}

/** Server events on the live WebSocket. */
export type LiveEvent =
  | { type: 'ready'; state: State }
  | { type: 'message'; message: Message }
  | { type: 'state'; state: State }
  | { type: 'error'; error: { code: string; message: string } }
