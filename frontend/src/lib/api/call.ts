import { toApiError } from './errors'

/** Runs a binding call; a throw or a rejection becomes an ApiError. */
export async function call<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (reason) {
    throw toApiError(reason)
  }
}
