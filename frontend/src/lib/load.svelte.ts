// The one way a view reads from the Go side: a Loader keeps the answer to the
// latest request only. A slower answer to an older request (the query typed
// before the last keystroke, the contact chosen before this one) never
// overwrites a newer one, and its error is not shown either.
import { toApiError, type ApiError } from './api'

export class Loader<T> {
  /** The last answer that landed, or the last value set; null until then. */
  data = $state<T | null>(null)
  /** Why the latest request failed; cleared when one succeeds. */
  error = $state<ApiError | null>(null)
  /** A request is in flight. */
  loading = $state(false)

  #seq = 0

  /**
   * Runs `fetch`. Its answer lands in `data` only if no later load, set or
   * cancel came since; `merge` combines it with what is shown (a next page
   * onto the earlier ones). Resolves with whether it landed.
   */
  async load(fetch: () => Promise<T>, merge?: (answer: T, shown: T | null) => T): Promise<boolean> {
    const mine = ++this.#seq
    this.loading = true
    try {
      const answer = await fetch()
      if (mine !== this.#seq) return false
      this.data = merge ? merge(answer, this.data) : answer
      this.error = null
      return true
    } catch (e) {
      if (mine === this.#seq) this.error = toApiError(e)
      return false
    } finally {
      if (mine === this.#seq) this.loading = false
    }
  }

  /** Takes a value an action answered with: it is newer than any load in flight. */
  set(value: T | null): void {
    this.cancel()
    this.data = value
    this.error = null
  }

  /** Drops the answer of any load in flight. */
  cancel(): void {
    this.#seq++
    this.loading = false
  }
}

/** A Loader for a component's script: `const contact = loader<ContactDetail>()`. */
export function loader<T>(): Loader<T> {
  return new Loader<T>()
}
