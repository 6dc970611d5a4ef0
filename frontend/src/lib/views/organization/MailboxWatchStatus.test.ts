import { describe, expect, it } from 'vitest'
import { render, screen } from '@testing-library/svelte'
import MailboxWatchStatus from './MailboxWatchStatus.svelte'

const base = { configured: true, connected: false, lastError: '', lastPoll: '', mode: '', lastErrorAt: '', retryingSince: '' }

describe('Mailbox watch status', () => {
  it('connected: says IDLE or polling', () => {
    const now = new Date()
    const { unmount } = render(MailboxWatchStatus, { mailbox: { ...base, connected: true, mode: 'idle' }, now })
    expect(screen.getByText(/Connected to the mailbox/)).toHaveTextContent('Connected to the mailbox (IDLE: new mail is noticed at once).')
    unmount()
    render(MailboxWatchStatus, { mailbox: { ...base, connected: true, mode: 'polling' }, now })
    expect(screen.getByText(/Connected to the mailbox/)).toHaveTextContent('Connected to the mailbox (checked every 30 seconds).')
  })

  it('a problem says since when the watcher retries', () => {
    const now = new Date()
    const since = new Date(now.getTime() - 10 * 60_000).toISOString()
    render(MailboxWatchStatus, {
      mailbox: { ...base, lastError: 'cannot reach imap.acme.example:993', retryingSince: since, lastErrorAt: since },
      now,
    })
    expect(screen.getByRole('alert')).toHaveTextContent(
      'Can’t check the mailbox: cannot reach imap.acme.example:993 (retrying since 10 minutes ago)',
    )
  })
})
