import { describe, expect, it } from 'vitest'
import { ApiError } from './api'
import { loader } from './load.svelte'

// A promise the test settles by hand, to finish requests out of order.
function deferred<T>() {
  let resolve!: (value: T) => void
  let reject!: (reason: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

describe('loader', () => {
  it('keeps the answer of the latest request when an older one answers last', async () => {
    const l = loader<string>()
    const older = deferred<string>()
    const newer = deferred<string>()
    const first = l.load(() => older.promise)
    const second = l.load(() => newer.promise)
    expect(l.loading).toBe(true)
    newer.resolve('b')
    await expect(second).resolves.toBe(true)
    older.resolve('a')
    await expect(first).resolves.toBe(false)
    expect(l.data).toBe('b')
    expect(l.loading).toBe(false)
  })

  it('shows the latest request’s error as an ApiError, never an older one’s', async () => {
    const l = loader<string>()
    const older = deferred<string>()
    const newer = deferred<string>()
    void l.load(() => older.promise)
    const second = l.load(() => newer.promise)
    older.reject('{"code":"not_found","message":"Gone."}')
    newer.reject('{"code":"db_locked","message":"Busy."}')
    await second
    await Promise.resolve()
    expect(l.error).toBeInstanceOf(ApiError)
    expect(l.error?.code).toBe('db_locked')
    expect(l.loading).toBe(false)
  })

  it('keeps the data shown when a later request fails, and clears the error on the next success', async () => {
    const l = loader<string>()
    await l.load(() => Promise.resolve('a'))
    await l.load(() => Promise.reject(new Error('offline')))
    expect([l.data, l.error?.message]).toEqual(['a', 'offline'])
    await l.load(() => Promise.resolve('b'))
    expect([l.data, l.error]).toEqual(['b', null])
  })

  it('merges an answer with what is shown', async () => {
    const l = loader<number[]>()
    await l.load(() => Promise.resolve([1, 2]))
    await l.load(() => Promise.resolve([3]), (page, shown) => [...(shown ?? []), ...page])
    expect(l.data).toEqual([1, 2, 3])
  })

  it('set and cancel drop the answer of a load in flight', async () => {
    const l = loader<string>()
    const slow = deferred<string>()
    const pending = l.load(() => slow.promise)
    l.set('saved')
    slow.resolve('stale')
    await expect(pending).resolves.toBe(false)
    expect(l.data).toBe('saved')

    const slower = deferred<string>()
    const again = l.load(() => slower.promise)
    l.cancel()
    expect(l.loading).toBe(false)
    slower.resolve('stale')
    await again
    expect(l.data).toBe('saved')
  })
})
