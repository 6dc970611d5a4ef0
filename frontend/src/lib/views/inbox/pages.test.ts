import { describe, expect, it } from 'vitest'
import { message } from '../../../test/fixtures'
import { withEarlier, withNewest } from './pages'

const msgs = (...ids: number[]) => ids.map((i) => message({ id: `m${String(i).padStart(4, '0')}`, body: `message ${i}` }))
const ids = (list: { id: string }[]) => list.map((m) => Number(m.id.slice(1)))

describe('message pages', () => {
  it('puts an older page in front, each message once, and takes its hasEarlier', () => {
    const shown = { messages: msgs(5, 6, 7), hasEarlier: true }
    const out = withEarlier(shown, { messages: msgs(2, 3, 4, 5), hasEarlier: false })
    expect(ids(out.messages)).toEqual([2, 3, 4, 5, 6, 7])
    expect(out.hasEarlier).toBe(false)
  })

  it('a reload keeps the older messages the agent paged back to', () => {
    const shown = { messages: msgs(1, 2, 3, 4, 5), hasEarlier: false }
    const out = withNewest(shown, { messages: msgs(4, 5, 6), hasEarlier: true })
    expect(ids(out.messages)).toEqual([1, 2, 3, 4, 5, 6])
    expect(out.hasEarlier).toBe(false)
  })

  it('a reload that does not reach what is shown replaces it, rather than hide a gap', () => {
    const shown = { messages: msgs(1, 2), hasEarlier: false }
    const out = withNewest(shown, { messages: msgs(8, 9), hasEarlier: true })
    expect(ids(out.messages)).toEqual([8, 9])
    expect(out.hasEarlier).toBe(true)
  })
})
