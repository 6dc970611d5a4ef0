// Data a view loads from the Go side and reloads whenever one of the given
// events says it changed. Create it while a component initialises: it loads
// once the component is mounted and stops listening when it is destroyed.
import { subscribe, type ApiError, type AppEvent } from './api'
import { Loader } from './load.svelte'

export class LiveData<T> {
  #loader = new Loader<T>()
  #fetch: () => Promise<T>

  constructor(fetch: () => Promise<T>, events: readonly AppEvent[] = []) {
    this.#fetch = fetch
    $effect(() => {
      void this.reload()
      const offs = events.map((event) => subscribe(event, () => void this.reload()))
      return () => offs.forEach((off) => off())
    })
  }

  /** The last value loaded or set; null until the first load succeeds. */
  get value(): T | null {
    return this.#loader.data
  }

  /** Why the last load failed; cleared by the next success. */
  get error(): ApiError | null {
    return this.#loader.error
  }

  get loading(): boolean {
    return this.#loader.loading
  }

  /** Loads again. A slower, older answer never overwrites a newer one. */
  async reload(): Promise<void> {
    await this.#loader.load(this.#fetch)
  }

  /** Takes a value an action answered with (it is newer than any load in flight). */
  set(value: T): void {
    this.#loader.set(value)
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
