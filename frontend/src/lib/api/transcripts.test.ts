// The Transcripts calls, against a stubbed window.go the way the Wails window provides it.
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  ApiError,
  getTranscriptDocument,
  getTranscriptSendings,
  resendTranscript,
  saveTranscriptHtml,
} from './index'
import { transcriptSendings } from './clean'

type Bound = Record<string, (...args: unknown[]) => unknown>
type W = { go?: unknown }

function stubGo(transcripts: Bound) {
  ;(window as unknown as W).go = { services: { Transcripts: transcripts } }
}

afterEach(() => {
  delete (window as unknown as W).go
})

const raw = {
  sendings: [
    { id: 'o1', number: 1, status: 'failed', attempts: 5, error: '550 no', reason: '', to: 'ada@example.com', requestedBy: '' },
    { id: 'o2', number: 2, status: 'launched', attempts: 0, error: '', reason: '', to: 'ada@example.com', requestedBy: 'Olive' },
  ].map((s) => ({ createdAt: '', updatedAt: '', sentAt: '', nextAttemptAt: '', bouncedAt: '', ...s })),
  canResend: false,
  resendBlocked: 'The transcript is still being sent.',
}

describe('transcripts api', () => {
  it('normalizes sendings: unknown statuses never read as sent, a nil list is []', () => {
    const s = transcriptSendings(raw)
    expect(s.sendings.map((x) => [x.id, x.status])).toEqual([
      ['o1', 'failed'],
      ['o2', 'queued'],
    ])
    expect(s.sendings[1].createdAt).toBe('')
    expect(s.canResend).toBe(false)
    expect(transcriptSendings({ sendings: null as never, canResend: false, resendBlocked: '' })).toEqual({ sendings: [], canResend: false, resendBlocked: '' })
  })

  it('calls the bound methods with the conversation id', async () => {
    const Sendings = vi.fn().mockResolvedValue(raw)
    const Resend = vi.fn().mockResolvedValue({ sendings: [], canResend: true, resendBlocked: '' })
    const Document = vi.fn().mockResolvedValue({ html: '<!doctype html><p>hi', title: 'Your chat', fileName: 'chat-transcript.html' })
    const SaveHTML = vi.fn().mockResolvedValue({ saved: true, path: '/home/sam/t.html' })
    stubGo({ Sendings, Resend, Document, SaveHTML })
    expect((await getTranscriptSendings('c1')).sendings).toHaveLength(2)
    expect((await resendTranscript('c1')).canResend).toBe(true)
    expect(await getTranscriptDocument('c1')).toEqual({ html: '<!doctype html><p>hi', title: 'Your chat', fileName: 'chat-transcript.html' })
    expect(await saveTranscriptHtml('c1')).toEqual({ saved: true, path: '/home/sam/t.html' })
    for (const fn of [Sendings, Resend, Document, SaveHTML]) expect(fn).toHaveBeenCalledWith('c1')
  })

  it('turns a refusal into an ApiError with the Go side’s code and message', async () => {
    stubGo({
      Resend: vi.fn().mockRejectedValue('{"code":"rate_limited","message":"The transcript was re-sent 3 times in the last hour. Try again later."}'),
      Document: vi.fn().mockResolvedValue({ html: '' }),
    })
    await expect(resendTranscript('c1')).rejects.toMatchObject({ code: 'rate_limited' })
    await expect(getTranscriptDocument('c1')).rejects.toBeInstanceOf(ApiError)
  })
})
