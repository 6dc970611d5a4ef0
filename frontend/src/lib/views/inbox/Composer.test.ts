import { describe, expect, it, vi } from 'vitest'
import { fireEvent, render, screen } from '@testing-library/svelte'
import userEvent from '@testing-library/user-event'
import Composer from './Composer.svelte'
import { ApiError } from '../../api'

function show(props: { ended?: boolean; onSend?: (body: string) => Promise<void> } = {}) {
  const onSend = props.onSend ?? vi.fn((_body: string) => Promise.resolve())
  render(Composer, { label: 'Message to Ada', ended: props.ended ?? false, onSend })
  return { onSend, box: screen.getByRole('textbox', { name: 'Message to Ada' }) }
}

describe('Composer', () => {
  it('Enter sends the trimmed text and clears the box; Shift+Enter adds a line', async () => {
    const user = userEvent.setup()
    const { onSend, box } = show()
    await user.type(box, 'First line{Shift>}{Enter}{/Shift}second line')
    expect(box).toHaveValue('First line\nsecond line')
    expect(onSend).not.toHaveBeenCalled()
    await user.type(box, '  {Enter}')
    expect(onSend).toHaveBeenCalledExactlyOnceWith('First line\nsecond line')
    expect(box).toHaveValue('')
    expect(box).toHaveFocus()
  })

  it('the Send button sends too, and nothing is sent while the box is blank', async () => {
    const user = userEvent.setup()
    const { onSend, box } = show()
    const send = screen.getByRole('button', { name: 'Send' })
    expect(send).toBeDisabled()
    await user.type(box, '   {Enter}')
    expect(onSend).not.toHaveBeenCalled()
    await user.type(box, 'Hello')
    await user.click(send)
    expect(onSend).toHaveBeenCalledWith('Hello')
  })

  it('keeps the text and shows why when the send fails', async () => {
    const user = userEvent.setup()
    const { box } = show({
      onSend: () => Promise.reject(new ApiError('conversation_ended', 'This chat has ended.')),
    })
    await user.type(box, 'Are you still there?{Enter}')
    expect(await screen.findByRole('alert')).toHaveTextContent('This chat has ended.')
    expect(box).toHaveValue('Are you still there?')
    expect(box).toHaveAttribute('aria-invalid', 'true')
  })

  it('counts characters near the 4000 limit and refuses a longer message', async () => {
    const user = userEvent.setup()
    const { onSend, box } = show()
    expect(screen.queryByText(/\/ 4,000/)).not.toBeInTheDocument()
    await fireEvent.input(box, { target: { value: 'a'.repeat(3600) } })
    expect(screen.getByText(/3,600 \/ 4,000/)).toBeInTheDocument()
    await fireEvent.input(box, { target: { value: 'a'.repeat(4001) } })
    expect(screen.getByText(/4,001 \/ 4,000/)).toHaveClass('over')
    await user.click(screen.getByRole('button', { name: 'Send' }))
    expect(onSend).not.toHaveBeenCalled()
    expect(screen.getByRole('alert')).toHaveTextContent('at most 4,000 characters')
  })

  it('counts an emoji as one character', async () => {
    const { box } = show()
    await fireEvent.input(box, { target: { value: '😀'.repeat(3600) } })
    expect(screen.getByText(/3,600 \/ 4,000/)).toBeInTheDocument()
  })

  it('is disabled, and says why, when the chat has ended', () => {
    const { box } = show({ ended: true })
    expect(box).toBeDisabled()
    expect(screen.getByRole('button', { name: 'Send' })).toBeDisabled()
    expect(screen.getByText('This chat has ended, so no more messages can be sent.')).toBeInTheDocument()
  })
})
