import { EventsOn } from '../../../wailsjs/runtime/runtime'
import type { AppEvent } from './models'

/**
 * Calls `handler` each time the Go side emits `event`. Returns the function
 * that stops listening. Outside the Wails window there are no events, and
 * subscribing does nothing.
 */
export function subscribe(event: AppEvent, handler: () => void): () => void {
  try {
    const off: unknown = EventsOn(event, () => handler())
    return typeof off === 'function' ? (off as () => void) : () => {}
  } catch {
    return () => {}
  }
}
