import { beforeEach, describe, expect, it, vi } from 'vitest'
import { render, screen } from '@testing-library/svelte'
import userEvent from '@testing-library/user-event'
import ConversationView from './ConversationView.svelte'
import * as api from '../../api'
import { fakeEvents } from '../../../test/apiMock'
import { conversationDetail } from '../../../test/fixtures'

vi.mock('../../api', async (importOriginal) =>
  (await import('../../../test/apiMock')).mockCalls(await importOriginal()),
)

const m = vi.mocked(api)

beforeEach(() => {
  fakeEvents(m.subscribe)
  m.getTranscriptSendings.mockResolvedValue({ sendings: [], canResend: false, resendBlocked: '' })
  m.getTranscriptDocument.mockResolvedValue({ html: '<!doctype html><p>Transcript</p>', title: 'Your chat with Acme', fileName: 't.html' })
})

function show(detail: api.ConversationDetail) {
  render(ConversationView, { detail, now: new Date(), onSent: vi.fn(), onChanged: vi.fn(), onShowContact: vi.fn() })
}

describe('ConversationView transcript', () => {
  it('an open chat has no transcript strip', () => {
    show(conversationDetail())
    expect(screen.queryByRole('heading', { name: 'Transcript' })).not.toBeInTheDocument()
    expect(m.getTranscriptSendings).not.toHaveBeenCalled()
  })

  it('an ended chat shows its transcript emails and opens the transcript view', async () => {
    const user = userEvent.setup()
    show(conversationDetail({ summary: { status: 'ended' } }))
    expect(await screen.findByRole('heading', { name: 'Transcript' })).toBeInTheDocument()
    await user.click(screen.getByRole('button', { name: 'View transcript' }))
    expect(await screen.findByTitle('Transcript')).toHaveAttribute('sandbox', '')
    await user.click(screen.getByRole('button', { name: 'Close' }))
    expect(screen.queryByTitle('Transcript')).not.toBeInTheDocument()
  })

  it('a call shows the caller’s number, its status and length, and no reply box or End chat', () => {
    show(
      conversationDetail({
        summary: { kind: 'call', title: '+1 202-555-0143', email: '', phone: '+1 202-555-0143', callStatus: 'completed', durationSeconds: 192, status: 'ended' },
        messages: [],
      }),
    )
    expect(screen.getAllByText('+1 202-555-0143').length).toBeGreaterThan(0)
    expect(screen.getByTestId('call-note')).toHaveTextContent('Phone call · Completed · 3m 12s')
    expect(screen.queryByRole('textbox')).not.toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'End chat' })).not.toBeInTheDocument()
  })
})
