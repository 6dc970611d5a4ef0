/**
 * The localStorage values the widget keeps per inbox (docs/api/widget.md, "Embedding"):
 * `vouchdesk:<inbox>:session`, `vouchdesk:<inbox>:device`, and while an email sign-in waits
 * for its code, `vouchdesk:<inbox>:signin`.
 *
 * localStorage can be missing or throw (Safari private mode, storage disabled, a sandboxed
 * iframe). The chat must still work then, only without surviving a reload, so every access
 * is guarded and, once storage fails, the values live in memory.
 */
export class Keys {
  private readonly memory = new Map<string, string>()

  constructor(
    private readonly inbox: string,
    private store: Storage | null = safeLocalStorage(),
  ) {}

  get session(): string | null {
    return this.get(`vouchdesk:${this.inbox}:session`)
  }
  set session(v: string | null) {
    this.set(`vouchdesk:${this.inbox}:session`, v)
  }

  get device(): string | null {
    return this.get(`vouchdesk:${this.inbox}:device`)
  }
  set device(v: string | null) {
    this.set(`vouchdesk:${this.inbox}:device`, v)
  }

  /** An email sign-in waiting for its code (JSON, see signin.ts), so a reload or another page
   * of the site keeps the code step. */
  get signin(): string | null {
    return this.get(`vouchdesk:${this.inbox}:signin`)
  }
  set signin(v: string | null) {
    this.set(`vouchdesk:${this.inbox}:signin`, v)
  }

  private get(k: string): string | null {
    if (this.store) {
      try {
        return this.store.getItem(k)
      } catch {
        this.store = null // unusable from now on: keep to memory
      }
    }
    return this.memory.get(k) ?? null
  }

  private set(k: string, v: string | null): void {
    if (this.store) {
      try {
        if (v) this.store.setItem(k, v)
        else this.store.removeItem(k)
        return
      } catch {
        this.store = null // quota or disabled storage: keep to memory
      }
    }
    if (v) this.memory.set(k, v)
    else this.memory.delete(k)
  }
}

function safeLocalStorage(): Storage | null {
  try {
    return globalThis.localStorage ?? null
  } catch {
    return null // a SecurityError on access itself
  }
}
