import { describe, expect, it, vi } from 'vitest'
import { render, screen, within } from '@testing-library/svelte'
import userEvent from '@testing-library/user-event'
import ConversationList from './ConversationList.svelte'
import type { ConversationSummary } from '../../api'
import { conversation } from '../../../test/fixtures'

const NOW = new Date('2026-05-09T12:00:00Z')

function show(conversations: ConversationSummary[] | null, overrides: Record<string, unknown> = {}) {
  const props = {
    conversations,
    filter: 'open' as const,
    selectedId: null,
    now: NOW,
    onFilter: vi.fn(),
    onSelect: vi.fn(),
    onRetry: vi.fn(),
    ...overrides,
  }
  render(ConversationList, props)
  return props
}

const rows = () => within(screen.getByRole('list', { name: 'Conversations' })).getAllByRole('button')

describe('ConversationList', () => {
  it('shows title, state badge, preview, time and unread count in each row, in the given order', () => {
    show([
      conversation({ id: 'a', title: 'Ada Byron', panel: 'verified', unread: 2, lastActivityAt: '2026-05-09T11:57:00Z' }),
      conversation({ id: 'b', title: 'Visitor', panel: 'none', email: '', lastMessage: 'Hi', lastActivityAt: '2026-05-09T09:00:00Z' }),
      conversation({ id: 'c', title: 'Grace', panel: 'pending', status: 'ended', lastActivityAt: '2026-05-08T12:00:00Z' }),
    ])
    const [a, b, c] = rows()
    expect(rows().map((r) => r.querySelector('.title')?.textContent)).toEqual(['Ada Byron', 'Visitor', 'Grace'])
    expect(a).toHaveTextContent('Verified')
    expect(a).toHaveTextContent('3 minutes ago')
    expect(a).toHaveTextContent('2 unread')
    expect(a).toHaveClass('unread')
    expect(b).toHaveTextContent('No email')
    expect(b).toHaveTextContent('Hi')
    expect(b).toHaveTextContent('3 hours ago')
    expect(b).not.toHaveTextContent('unread')
    expect(c).toHaveTextContent('Awaiting confirmation')
    expect(c).toHaveTextContent('Ended')
    expect(c).toHaveTextContent('yesterday')
  })

  it('flags a verified chat whose customer typed another email than the proven one', () => {
    show([
      conversation({ id: 'a', panel: 'verified', email: 'ada@example.com', typedEmail: 'bob@example.com' }),
      conversation({ id: 'b', panel: 'verified', email: 'ada@example.com' }),
    ])
    const [a, b] = rows()
    expect(within(a).getByText('Typed another email')).toHaveAttribute('title', 'Typed in the chat, not proven: bob@example.com')
    expect(b).not.toHaveTextContent('Typed another email')
  })

  it('marks the selected row with aria-current and opens a row on click', async () => {
    const user = userEvent.setup()
    const props = show([conversation({ id: 'a', title: 'Ada' }), conversation({ id: 'b', title: 'Bob' })], {
      selectedId: 'b',
    })
    const [a, b] = rows()
    expect(b).toHaveAttribute('aria-current', 'true')
    expect(a).not.toHaveAttribute('aria-current')
    await user.click(a)
    expect(props.onSelect).toHaveBeenCalledWith('a')
  })

  it('moves between rows with the arrow keys and opens with Enter', async () => {
    const user = userEvent.setup()
    const props = show([
      conversation({ id: 'a', title: 'Ada' }),
      conversation({ id: 'b', title: 'Bob' }),
      conversation({ id: 'c', title: 'Cy' }),
    ])
    const [a, b, c] = rows()
    a.focus()
    await user.keyboard('{ArrowDown}')
    expect(b).toHaveFocus()
    await user.keyboard('{End}')
    expect(c).toHaveFocus()
    await user.keyboard('{ArrowUp}{Enter}')
    expect(props.onSelect).toHaveBeenCalledExactlyOnceWith('b')
    await user.tab({ shift: true })
    expect(a).toHaveFocus()
  })

  it('has Open / Ended / All tabs that switch the filter by click and by arrow keys', async () => {
    const user = userEvent.setup()
    const props = show([])
    const tabs = screen.getAllByRole('tab')
    expect(tabs.map((t) => t.textContent)).toEqual(['Open', 'Ended', 'All'])
    expect(screen.getByRole('tab', { name: 'Open' })).toHaveAttribute('aria-selected', 'true')
    expect(screen.getByRole('tabpanel')).toHaveAccessibleName('Open')
    await user.click(screen.getByRole('tab', { name: 'Ended' }))
    expect(props.onFilter).toHaveBeenLastCalledWith('ended')
    screen.getByRole('tab', { name: 'Open' }).focus()
    await user.keyboard('{ArrowLeft}')
    expect(props.onFilter).toHaveBeenLastCalledWith('all')
    expect(screen.getByRole('tab', { name: 'All' })).toHaveFocus()
  })

  it('says when a filter has nothing, while loading, and when loading failed', async () => {
    const user = userEvent.setup()
    show([], { filter: 'ended' })
    expect(screen.getByText('No ended conversations.')).toBeInTheDocument()
    document.body.innerHTML = ''

    show(null)
    expect(screen.getByRole('status')).toHaveTextContent('Loading conversations…')
    document.body.innerHTML = ''

    const { ApiError } = await import('../../api')
    const props = show(null, { error: new ApiError('unknown', 'engine stopped') })
    expect(screen.getByRole('alert')).toHaveTextContent('engine stopped')
    await user.click(screen.getByRole('button', { name: 'Try again' }))
    expect(props.onRetry).toHaveBeenCalledOnce()
  })

  it('shows customer text as text and keeps long strings from widening the row', () => {
    const long = 'x'.repeat(500)
    show([conversation({ title: '<script>x</script>', lastMessage: `<img src=x onerror=alert(1)>${long}` })])
    expect(document.querySelector('script, img')).toBeNull()
    expect(screen.getByText('<script>x</script>')).toHaveClass('title')
    expect(screen.getByText(/^<img src=x onerror=alert\(1\)>x+$/)).toHaveClass('preview')
  })
})
