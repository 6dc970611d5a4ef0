import { describe, expect, it } from 'vitest'
import type { TranscriptSending } from '../../api'
import { maskEmail, sendingLine } from './transcriptFormat'

const now = new Date('2026-05-08T12:00:00Z')

function sending(over: Partial<TranscriptSending> = {}): TranscriptSending {
  return {
    id: 'o1',
    number: 1,
    status: 'sent',
    attempts: 1,
    error: '',
    reason: '',
    to: 'ada@example.com',
    requestedBy: '',
    createdAt: '2026-05-08T10:41:00Z',
    updatedAt: '2026-05-08T10:42:00Z',
    sentAt: '2026-05-08T10:42:00Z',
    nextAttemptAt: '',
    bouncedAt: '',
    ...over,
  }
}

describe('maskEmail', () => {
  it.each([
    ['ada@example.com', 'a…@example.com'],
    ['😀x@example.com', '😀…@example.com'],
    ['@example.com', '…'],
    ['', ''],
  ])('%s → %s', (address, want) => {
    expect(maskEmail(address)).toBe(want)
  })
})

describe('sendingLine', () => {
  it('sent: masked address and the time it went', () => {
    const line = sendingLine(sending(), now)
    expect(line.tone).toBe('ok')
    expect(line.text).toBe('Sent to a…@example.com')
    expect(line.time).not.toBe('')
    expect(line.by).toBe('')
  })

  it('a re-send says who asked', () => {
    expect(sendingLine(sending({ number: 2, requestedBy: 'Olive Owner' }), now).by).toBe('re-sent by Olive Owner')
  })

  it('retrying: the attempts, the relay’s answer and the next try', () => {
    const line = sendingLine(
      sending({ status: 'retrying', attempts: 3, error: '451 4.7.0 Try again later', nextAttemptAt: '2026-05-08T11:05:00Z', sentAt: '' }),
      now,
    )
    expect(line.tone).toBe('pending')
    expect(line.text).toBe('Retrying (3) for a…@example.com: 451 4.7.0 Try again later')
    expect(line.time).toMatch(/^next try /)
  })

  it('failed: the reason', () => {
    const line = sendingLine(sending({ status: 'failed', error: '550 5.1.1 mailbox unavailable', sentAt: '' }), now)
    expect(line).toMatchObject({ tone: 'danger', text: 'Failed: 550 5.1.1 mailbox unavailable' })
  })

  it('bounced: the reason the report gave, at the time it came back', () => {
    const line = sendingLine(
      sending({ status: 'bounced', error: 'mailbox unknown (5.1.1)', bouncedAt: '2026-05-08T11:30:00Z' }),
      now,
    )
    expect(line).toMatchObject({ tone: 'danger', text: 'Bounced at a…@example.com: mailbox unknown (5.1.1)' })
    expect(line.time).toBe(sendingLine(sending({ sentAt: '2026-05-08T11:30:00Z' }), now).time)
    expect(line.time).not.toBe(sendingLine(sending(), now).time)
  })

  it('not sent: the recorded sentence, no address', () => {
    const line = sendingLine(
      sending({ status: 'not_sent', to: '', number: 0, error: 'Not sent: the customer’s email is not verified.' }),
      now,
    )
    expect(line).toMatchObject({ tone: 'muted', text: 'Not sent: the customer’s email is not verified.', by: '' })
  })

  it('queued and sending', () => {
    expect(sendingLine(sending({ status: 'queued', sentAt: '' }), now).text).toBe('Queued for a…@example.com')
    expect(sendingLine(sending({ status: 'sending', sentAt: '' }), now).text).toBe('Sending to a…@example.com')
  })
})
