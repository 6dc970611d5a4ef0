import { beforeEach, describe, expect, it, vi } from 'vitest'
import { render, screen, within } from '@testing-library/svelte'
import userEvent from '@testing-library/user-event'
import DeliveryLogSection from './DeliveryLogSection.svelte'
import * as api from '../../api'
import { fakeEvents } from '../../../test/apiMock'
import { deliveryEntry, deliveryLog } from '../../../test/fixtures'
import { deliveryKindLabel } from './delivery'
import { formatDateTime } from '../../time'

vi.mock('../../api', async (importOriginal) =>
  (await import('../../../test/apiMock')).mockCalls(await importOriginal()),
)

const m = vi.mocked(api)

function rowTexts(): string[][] {
  const [, ...rows] = screen.getAllByRole('row')
  return rows.map((row) => within(row).getAllByRole('cell').map((c) => c.textContent?.replace(/\s+/g, ' ').trim() ?? ''))
}

describe('Delivery log', () => {
  let events: ReturnType<typeof fakeEvents>

  beforeEach(() => {
    events = fakeEvents(m.subscribe)
  })

  it('lists the emails: kind in words, recipient, status badge with attempts, last error', async () => {
    m.getDeliveryLog.mockResolvedValue(
      deliveryLog({
        entries: [
          deliveryEntry(),
          deliveryEntry({
            id: 'out_2',
            kind: 'transcript',
            to: 'ana@customer.example',
            subject: 'Your chat with Acme Support',
            status: 'failed',
            attempts: 5,
            lastError: '550 mailbox unavailable',
            sentAt: '',
          }),
          deliveryEntry({ id: 'out_3', kind: 'signin_code', status: 'retrying', attempts: 2, lastError: 'timeout', sentAt: '' }),
        ],
      }),
    )
    render(DeliveryLogSection, {})
    const table = await screen.findByRole('table')
    expect(within(table).getAllByRole('columnheader').map((h) => h.textContent?.trim())).toEqual([
      'Email',
      'To',
      'Status',
      'Last error',
      'Time',
    ])
    const rows = rowTexts()
    expect(rows).toHaveLength(3)
    expect(rows[0].slice(0, 4)).toEqual([
      'Sender verification Confirm your sender email',
      'support@acme.example',
      'Sent 1 attempt',
      '—',
    ])
    expect(rows[1].slice(0, 4)).toEqual([
      'Transcript Your chat with Acme Support',
      'ana@customer.example',
      'Failed 5 attempts',
      '550 mailbox unavailable',
    ])
    expect(rows[2][2]).toBe('Retrying 2 attempts')
    expect(screen.getByText('550 mailbox unavailable')).toHaveClass('has-error')
    expect(screen.queryByRole('alert')).not.toBeInTheDocument()
  })

  it('shows what came back: a bounce with its reason and date, a delay as a warning', async () => {
    m.getDeliveryLog.mockResolvedValue(
      deliveryLog({
        entries: [
          deliveryEntry({
            id: 'out_b',
            kind: 'chat_code',
            to: 'ghost@customer.example',
            status: 'bounced',
            bounceKind: 'hard',
            bounceReason: 'mailbox unknown (5.1.1)',
            bouncedAt: '2026-05-09T10:02:00Z',
          }),
          deliveryEntry({
            id: 'out_s',
            status: 'bounced',
            bounceKind: 'soft',
            bounceReason: 'mailbox full (5.2.2)',
            bouncedAt: '2026-05-09T10:03:00Z',
          }),
          deliveryEntry({
            id: 'out_d',
            bounceKind: 'delayed',
            bounceReason: 'delayed: network or routing problem (4.4.1)',
            bouncedAt: '2026-05-09T14:00:00Z',
          }),
        ],
      }),
    )
    render(DeliveryLogSection, {})
    await screen.findByRole('table')
    const rows = rowTexts()
    expect(rows[0][2]).toBe('Bounced 1 attempt')
    expect(rows[0][3]).toBe(`Bounced: mailbox unknown (5.1.1) on ${formatDateTime('2026-05-09T10:02:00Z')}`)
    expect(rows[1][3]).toBe(
      `Bounced: mailbox full (5.2.2) on ${formatDateTime('2026-05-09T10:03:00Z')}. The address may work later.`,
    )
    expect(rows[2][2]).toBe('Sent 1 attempt')
    expect(rows[2][3]).toBe(
      `Delayed: network or routing problem (4.4.1) on ${formatDateTime('2026-05-09T14:00:00Z')}. The mail server is still trying.`,
    )
    expect(screen.getByText(/^Bounced: mailbox unknown/)).toHaveClass('has-error')
    expect(screen.getByText(/^Delayed:/)).not.toHaveClass('has-error')
  })

  it('names every kind of email in words', () => {
    expect(deliveryKindLabel('sender_verify')).toBe('Sender verification')
    expect(deliveryKindLabel('transcript')).toBe('Transcript')
    expect(deliveryKindLabel('double_opt_in')).toBe('Double opt-in confirmation')
    expect(deliveryKindLabel('something_new')).toBe('Something new')
  })

  it('empty: says what will appear here', async () => {
    m.getDeliveryLog.mockResolvedValue(deliveryLog())
    render(DeliveryLogSection, {})
    expect(await screen.findByRole('heading', { name: 'No emails yet' })).toBeInTheDocument()
    expect(screen.queryByRole('table')).not.toBeInTheDocument()
  })

  it('shows the worker’s problem as a banner, with a way to the settings', async () => {
    const user = userEvent.setup()
    const onOpenMailAccounts = vi.fn()
    m.getDeliveryLog.mockResolvedValue(deliveryLog({ workerError: 'The relay refused the password.' }))
    render(DeliveryLogSection, { onOpenMailAccounts })
    const alert = await screen.findByRole('alert')
    expect(alert).toHaveTextContent('Email can’t be sent right now')
    expect(alert).toHaveTextContent('The relay refused the password.')
    await user.click(within(alert).getByRole('button', { name: 'Mail accounts' }))
    expect(onOpenMailAccounts).toHaveBeenCalledOnce()
  })

  it('reloads when the outbox changes', async () => {
    m.getDeliveryLog.mockResolvedValueOnce(deliveryLog())
    m.getDeliveryLog.mockResolvedValueOnce(deliveryLog({ entries: [deliveryEntry({ status: 'queued', sentAt: '' })] }))
    render(DeliveryLogSection, {})
    await screen.findByRole('heading', { name: 'No emails yet' })
    events.emit('outbox:changed')
    expect(await screen.findByText('Queued')).toBeInTheDocument()
    expect(m.getDeliveryLog).toHaveBeenCalledTimes(2)
  })
})
