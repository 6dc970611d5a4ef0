import { beforeEach, describe, expect, it, vi } from 'vitest'
import { render, screen, within } from '@testing-library/svelte'
import userEvent from '@testing-library/user-event'
import TranscriptEmails from './TranscriptEmails.svelte'
import * as api from '../../api'
import { fakeEvents } from '../../../test/apiMock'

vi.mock('../../api', async (importOriginal) =>
  (await import('../../../test/apiMock')).mockCalls(await importOriginal()),
)

const m = vi.mocked(api)
let events: ReturnType<typeof fakeEvents>

beforeEach(() => {
  events = fakeEvents(m.subscribe)
})

function sending(over: Partial<api.TranscriptSending> = {}): api.TranscriptSending {
  return {
    id: 'o1',
    number: 1,
    status: 'sent',
    attempts: 1,
    error: '',
    reason: '',
    to: 'ada@example.com',
    requestedBy: '',
    createdAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
    sentAt: new Date().toISOString(),
    nextAttemptAt: '',
    bouncedAt: '',
    ...over,
  }
}

function state(sendings: api.TranscriptSending[], canResend = true, resendBlocked = ''): api.TranscriptSendings {
  return { sendings, canResend, resendBlocked }
}

function show() {
  const onView = vi.fn()
  render(TranscriptEmails, { conversationId: 'cnv_1', now: new Date(), onView })
  return { onView }
}

const lines = () => within(screen.getByRole('list')).getAllByRole('listitem').map((li) => li.textContent?.replace(/\s+/g, ' ').trim())

describe('TranscriptEmails', () => {
  it('shows each sending and follows the outbox live: retrying, then sent', async () => {
    m.getTranscriptSendings.mockResolvedValueOnce(
      state([sending({ status: 'retrying', attempts: 3, error: '451 4.7.0 Try again later', sentAt: '', nextAttemptAt: new Date().toISOString() })], false, 'The transcript is still being sent. Wait until it is sent or has failed.'),
    )
    show()
    expect(await screen.findByText(/Retrying \(3\) for a…@example\.com: 451 4\.7\.0 Try again later/)).toBeInTheDocument()
    // The retrying line says why there is no "Send again" already.
    expect(screen.queryByText(/still being sent/)).not.toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'Send again' })).not.toBeInTheDocument()
    expect(m.getTranscriptSendings).toHaveBeenCalledWith('cnv_1')

    m.getTranscriptSendings.mockResolvedValueOnce(state([sending({ attempts: 4 })]))
    events.emit('outbox:changed')
    expect(await screen.findByText('Sent to a…@example.com')).toBeInTheDocument()
    expect(screen.getByRole('listitem')).toHaveAttribute('title', 'ada@example.com')
    expect(screen.getByRole('button', { name: 'Send again' })).toBeEnabled()
  })

  it('a failed sending shows the reason; "Send again" queues a new one, shown at once', async () => {
    const user = userEvent.setup()
    m.getTranscriptSendings.mockResolvedValue(state([sending({ status: 'failed', error: '550 5.1.1 mailbox unavailable', sentAt: '' })]))
    m.resendTranscript.mockResolvedValue(
      state([sending({ status: 'failed', error: '550 5.1.1 mailbox unavailable', sentAt: '' }), sending({ id: 'o2', number: 2, status: 'queued', sentAt: '', requestedBy: 'Sam Rivera' })], false, 'The transcript is still being sent. Wait until it is sent or has failed.'),
    )
    show()
    expect(await screen.findByText('Failed: 550 5.1.1 mailbox unavailable')).toBeInTheDocument()
    await user.click(screen.getByRole('button', { name: 'Send again' }))
    expect(m.resendTranscript).toHaveBeenCalledWith('cnv_1')
    expect(await screen.findByText('Queued for a…@example.com')).toBeInTheDocument()
    expect(lines()[1]).toContain('re-sent by Sam Rivera')
    expect(screen.queryByRole('button', { name: 'Send again' })).not.toBeInTheDocument()
  })

  it('a refused re-send says why', async () => {
    const user = userEvent.setup()
    m.getTranscriptSendings.mockResolvedValue(state([sending()]))
    m.resendTranscript.mockRejectedValue(
      new api.ApiError('rate_limited', 'The transcript was re-sent 3 times in the last hour. Try again later.'),
    )
    show()
    await user.click(await screen.findByRole('button', { name: 'Send again' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('The transcript was re-sent 3 times in the last hour. Try again later.')
  })

  it('not sent: the recorded reason, no re-send, and the transcript can still be viewed', async () => {
    const user = userEvent.setup()
    m.getTranscriptSendings.mockResolvedValue(
      state(
        [sending({ status: 'not_sent', number: 0, to: '', reason: 'email_unverified', error: 'Not sent: the customer\'s email is not verified.' })],
        false,
        'The customer\'s email was not verified in this chat, so the transcript can only be viewed and saved here.',
      ),
    )
    const { onView } = show()
    expect(await screen.findByText("Not sent: the customer's email is not verified.")).toBeInTheDocument()
    // The same reason is not said twice.
    expect(screen.queryByText(/can only be viewed and saved here/)).not.toBeInTheDocument()
    expect(screen.queryByRole('button', { name: /Send again|Email transcript/ })).not.toBeInTheDocument()
    await user.click(screen.getByRole('button', { name: 'View transcript' }))
    expect(onView).toHaveBeenCalled()
  })

  it('nothing emailed yet but allowed: "Email transcript"', async () => {
    m.getTranscriptSendings.mockResolvedValue(state([]))
    show()
    expect(await screen.findByText('No transcript was emailed for this chat.')).toBeInTheDocument()
    expect(screen.getByRole('button', { name: 'Email transcript' })).toBeInTheDocument()
  })

  it('the limit reached: says why there is no "Send again"', async () => {
    m.getTranscriptSendings.mockResolvedValue(
      state([sending(), sending({ id: 'o2', number: 2 })], false, 'The transcript was re-sent 3 times in the last hour. Try again later.'),
    )
    show()
    expect(await screen.findByText('The transcript was re-sent 3 times in the last hour. Try again later.')).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'Send again' })).not.toBeInTheDocument()
  })

  it('shows the newest three and counts the rest', async () => {
    m.getTranscriptSendings.mockResolvedValue(
      state([1, 2, 3, 4, 5].map((n) => sending({ id: `o${n}`, number: n, requestedBy: n > 1 ? `Agent ${n}` : '' }))),
    )
    show()
    expect(await screen.findByText('2 earlier not shown')).toBeInTheDocument()
    expect(lines()).toHaveLength(4)
    expect(lines()[3]).toContain('re-sent by Agent 5')
  })

  it('stops listening when it goes away', async () => {
    m.getTranscriptSendings.mockResolvedValue(state([]))
    const { unmount } = render(TranscriptEmails, { conversationId: 'cnv_1', now: new Date(), onView: vi.fn() })
    await screen.findByText('No transcript was emailed for this chat.')
    expect(events.listeners('outbox:changed')).toBe(1)
    unmount()
    expect(events.listeners('outbox:changed')).toBe(0)
  })
})
