import { describe, expect, it } from 'vitest'
import { formatDate, formatDateTime, parseTime, relativeTime } from './time'

const now = new Date('2026-05-09T12:00:00Z')

describe('time', () => {
  it('reads RFC 3339 and rejects empty or broken values', () => {
    expect(parseTime('2026-05-09T11:58:00Z')?.toISOString()).toBe('2026-05-09T11:58:00.000Z')
    expect(parseTime('')).toBeNull()
    expect(parseTime('yesterday')).toBeNull()
  })

  it('says how long ago, in words', () => {
    expect(relativeTime('2026-05-09T11:59:50Z', now)).toBe('just now')
    expect(relativeTime('2026-05-09T12:00:20Z', now)).toBe('just now')
    expect(relativeTime('2026-05-09T11:57:00Z', now)).toBe('3 minutes ago')
    expect(relativeTime('2026-05-09T09:00:00Z', now)).toBe('3 hours ago')
    expect(relativeTime('2026-05-08T12:00:00Z', now)).toBe('yesterday')
    expect(relativeTime('2026-04-18T12:00:00Z', now)).toBe('3 weeks ago')
    expect(relativeTime('2024-05-09T12:00:00Z', now)).toBe('2 years ago')
    expect(relativeTime('', now)).toBe('')
  })

  it('formats dates, and nothing for no date', () => {
    expect(formatDate('2026-05-09T12:00:00Z')).toMatch(/2026/)
    expect(formatDateTime('2026-05-09T12:00:00Z')).toMatch(/2026/)
    expect(formatDate('')).toBe('')
    expect(formatDateTime('nope')).toBe('')
  })
})
