/**
 * The messages the widget has, deduplicated, and the replay cursor.
 *
 * A message can reach the widget up to three times: in the POST /messages answer, as a live
 * event (the server echoes the customer's own messages so several tabs agree), and again in
 * the replay after a reconnect. It must be shown once, so arrivals are deduplicated by id and,
 * for the customer's messages, by clientMsgId.
 *
 * The cursor sent as hello.after is the newest id (ids are UUIDv7: they sort by time as
 * strings) among messages received *in order*, i.e. from the conversation history or the live
 * stream. A POST answer is not in order: an agent
 * message created just before it may still be on its way over the socket, and moving the
 * cursor past it would make a reconnect skip it.
 */
import type { Message } from './types'

export class MessageList {
  private readonly ids = new Set<string>()
  private readonly clientIds = new Set<string>()
  /** hello.after: "" until a message arrived in order. */
  cursor = ''

  /** Records a message; false when it is already known (then nothing is to be shown). */
  add(m: Message, inOrder: boolean): boolean {
    // Never backwards: the server may send a message twice (once queued before `ready`, once
    // in the backlog), and it replays `id > after` comparing ids as strings, as here.
    if (inOrder && m.id > this.cursor) this.cursor = m.id
    if (this.ids.has(m.id) || (m.clientMsgId && this.clientIds.has(m.clientMsgId))) return false
    this.ids.add(m.id)
    if (m.clientMsgId) this.clientIds.add(m.clientMsgId)
    return true
  }

  has(id: string): boolean {
    return this.ids.has(id)
  }

  get size(): number {
    return this.ids.size
  }

  reset(): void {
    this.ids.clear()
    this.clientIds.clear()
    this.cursor = ''
  }
}
