// Data a view loads from the Go side and reloads whenever one of the given
// events says it changed. Create it while a component initialises: it loads
// once the component is mounted and stops listening when it is destroyed.
import { subscribe, toApiError, type ApiError, type AppEvent } from './api'

export class LiveData<T> {
  /** The last value loaded or set; null until the first load succeeds. */
  value = $state<T | null>(null)
  /** Why the last load failed; cleared by the next success. */
  error = $state<ApiError | null>(null)
  loading = $state(false)

  #fetch: () => Promise<T>
  #seq = 0

  constructor(fetch: () => Promise<T>, events: readonly AppEvent[] = []) {
    this.#fetch = fetch
    $effect(() => {
      void this.reload()
      const offs = events.map((event) => subscribe(event, () => void this.reload()))
      return () => offs.forEach((off) => off())
    })
  }

  /** Loads again. A slower, older answer never overwrites a newer one. */
  async reload(): Promise<void> {
    const mine = ++this.#seq
    this.loading = true
    try {
      const value = await this.#fetch()
      if (mine === this.#seq) {
        this.value = value
        this.error = null
      }
    } catch (e) {
      if (mine === this.#seq) this.error = toApiError(e)
    } finally {
      if (mine === this.#seq) this.loading = false
    }
  }

  /** Takes a value an action answered with (it is newer than any load in flight). */
  set(value: T): void {
    this.#seq++
    this.loading = false
    this.value = value
    this.error = null
  }
}

/** The current time, refreshed every `ms`, for "3 minutes ago" texts. */
export function currentTime(ms = 30_000): { readonly value: Date } {
  let now = $state(new Date())
  $effect(() => {
    const timer = setInterval(() => (now = new Date()), ms)
    return () => clearInterval(timer)
  })
  return {
    get value() {
      return now
    },
  }
}
