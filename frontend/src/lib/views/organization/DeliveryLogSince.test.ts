import { beforeEach, describe, expect, it, vi } from 'vitest'
import { render, screen } from '@testing-library/svelte'
import DeliveryLogSection from './DeliveryLogSection.svelte'
import * as api from '../../api'
import { fakeEvents } from '../../../test/apiMock'
import { deliveryLog } from '../../../test/fixtures'

vi.mock('../../api', async (importOriginal) =>
  (await import('../../../test/apiMock')).mockCalls(await importOriginal()),
)

const m = vi.mocked(api)

describe('Delivery log: since when the relay fails', () => {
  beforeEach(() => {
    fakeEvents(m.subscribe)
  })

  it('the banner says since when delivery fails and when it was last tried', async () => {
    const since = new Date(Date.now() - 2 * 3600_000).toISOString()
    const at = new Date(Date.now() - 5 * 60_000).toISOString()
    m.getDeliveryLog.mockResolvedValue(
      deliveryLog({ workerError: 'cannot reach the SMTP server', failingSince: since, workerErrorAt: at }),
    )
    render(DeliveryLogSection, {})
    const alert = await screen.findByRole('alert')
    expect(alert).toHaveTextContent('Failing since 2 hours ago; last tried 5 minutes ago.')
    expect(alert.querySelector(`time[datetime="${since}"]`)).not.toBeNull()
  })

  it('without a start time, only the error', async () => {
    m.getDeliveryLog.mockResolvedValue(deliveryLog({ workerError: 'cannot reach the SMTP server' }))
    render(DeliveryLogSection, {})
    expect(await screen.findByRole('alert')).not.toHaveTextContent('Failing since')
  })
})
