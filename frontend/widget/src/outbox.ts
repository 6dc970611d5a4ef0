/**
 * The customer's unsent messages, sent one at a time in the order typed.
 *
 * A send that got no answer (offline, timeout), a server failure or throttling keeps the
 * message queued as "waiting" and is tried again with the same clientMsgId, which the server
 * turns into one stored message however often it arrives. Retries happen when the live
 * connection is back (the caller calls flush() on `ready`) and, as a safety net for a socket
 * that never noticed the outage, on a timer. A rejection that would repeat (a too-long
 * message, an ended chat) marks the message failed and drops it from the queue.
 */
import { ApiError } from './api'
import { backoffDelay } from './live'
import type { Message } from './types'

export type OutStatus = 'sending' | 'waiting' | 'failed'

export interface OutItem {
  clientMsgId: string
  body: string
  status: OutStatus
  error?: ApiError
}

export interface OutboxHooks {
  /** POST /messages; must throw ApiError on failure. */
  send(item: OutItem): Promise<Message>
  /** The server stored the message. */
  sent(item: OutItem, m: Message): void
  /** The item's status changed (waiting or failed). */
  changed(item: OutItem): void
  random?: () => number
}

export class Outbox {
  private queue: OutItem[] = []
  private running = false
  private again = false
  private failures = 0
  private timer: ReturnType<typeof setTimeout> | undefined

  constructor(private readonly hooks: OutboxHooks) {}

  get items(): readonly OutItem[] {
    return this.queue
  }

  add(clientMsgId: string, body: string): OutItem {
    const item: OutItem = { clientMsgId, body, status: 'sending' }
    this.queue.push(item)
    return item
  }

  /** Forgets a message the server confirmed by another way (its live echo). */
  remove(clientMsgId: string): void {
    this.queue = this.queue.filter((i) => i.clientMsgId !== clientMsgId)
  }

  /** Marks everything still queued as failed (the chat ended or the session is gone). */
  failAll(error: ApiError): void {
    clearTimeout(this.timer)
    const left = this.queue
    this.queue = []
    for (const i of left) {
      i.status = 'failed'
      i.error = error
      this.hooks.changed(i)
    }
  }

  clear(): void {
    clearTimeout(this.timer)
    this.queue = []
  }

  /** Sends what is queued, in order; a second call while sending runs once more afterwards. */
  async flush(): Promise<void> {
    clearTimeout(this.timer)
    if (this.running) {
      this.again = true
      return
    }
    this.running = true
    try {
      do {
        this.again = false
        await this.drain()
      } while (this.again)
    } finally {
      this.running = false
    }
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      const item = this.queue[0]
      if (item.status !== 'sending') {
        item.status = 'sending'
        this.hooks.changed(item)
      }
      let m: Message
      try {
        m = await this.hooks.send(item)
      } catch (err) {
        const e = err instanceof ApiError ? err : new ApiError(0, 'network', String(err))
        // Removed meanwhile (confirmed by its live echo, or failAll/clear): nothing to do.
        if (this.queue[0] !== item) continue
        if (e.transient) {
          item.status = 'waiting'
          item.error = e
          this.hooks.changed(item)
          const wait =
            e.status === 429
              ? (e.retryAfter ?? 1) * 1000
              : backoffDelay(this.failures++ + 2, this.hooks.random)
          this.timer = setTimeout(() => void this.flush(), wait)
          return
        }
        this.queue.shift()
        item.status = 'failed'
        item.error = e
        this.hooks.changed(item)
        continue
      }
      this.failures = 0
      if (this.queue[0] === item) this.queue.shift()
      this.hooks.sent(item, m)
    }
  }
}
