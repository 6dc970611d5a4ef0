import { describe, expect, it, vi } from 'vitest'
import { render, screen } from '@testing-library/svelte'
import userEvent from '@testing-library/user-event'
import TranscriptViewer from './TranscriptViewer.svelte'
import * as api from '../../api'

vi.mock('../../api', async (importOriginal) =>
  (await import('../../../test/apiMock')).mockCalls(await importOriginal()),
)

const m = vi.mocked(api)

const doc: api.TranscriptDocument = {
  html: '<!doctype html><html><body><p>&lt;script&gt;alert(1)&lt;/script&gt;</p></body></html>',
  title: 'Your chat with Acme on Friday, 8 May 2026',
  fileName: 'chat-transcript-2026-05-08-1a2b3c4d.html',
}

describe('TranscriptViewer', () => {
  it('shows the document in a frame that can run nothing', async () => {
    m.getTranscriptDocument.mockResolvedValue(doc)
    render(TranscriptViewer, { conversationId: 'cnv_1', onClose: vi.fn() })
    const frame = await screen.findByTitle('Transcript')
    expect(m.getTranscriptDocument).toHaveBeenCalledWith('cnv_1')
    expect(frame.tagName).toBe('IFRAME')
    // An empty sandbox: no scripts, no same origin, no forms, no popups.
    expect(frame.getAttribute('sandbox')).toBe('')
    expect(frame.getAttribute('srcdoc')).toBe(doc.html)
    expect(frame).not.toHaveAttribute('src')
    expect(screen.getByRole('heading', { name: doc.title })).toBeInTheDocument()
    expect(screen.getByText(/ready to print/)).toBeInTheDocument()
  })

  it('saves as HTML through the Go side and says where; a cancelled dialog says nothing', async () => {
    const user = userEvent.setup()
    m.getTranscriptDocument.mockResolvedValue(doc)
    m.saveTranscriptHtml.mockResolvedValueOnce({ saved: false, path: '' })
    m.saveTranscriptHtml.mockResolvedValueOnce({ saved: true, path: '/home/sam/Documents/ada.html' })
    render(TranscriptViewer, { conversationId: 'cnv_1', onClose: vi.fn() })
    const save = await screen.findByRole('button', { name: 'Save as HTML…' })
    await vi.waitFor(() => expect(save).toBeEnabled())
    await user.click(save)
    expect(screen.queryByText(/Saved to/)).not.toBeInTheDocument()
    await user.click(save)
    expect(await screen.findByRole('status')).toHaveTextContent('Saved to /home/sam/Documents/ada.html')
    expect(m.saveTranscriptHtml).toHaveBeenCalledWith('cnv_1')
  })

  it('a failed save and a failed load say why; Close closes', async () => {
    const user = userEvent.setup()
    m.getTranscriptDocument.mockRejectedValueOnce(new api.ApiError('not_found', 'This conversation does not exist.'))
    const onClose = vi.fn()
    render(TranscriptViewer, { conversationId: 'cnv_1', onClose })
    expect(await screen.findByText('This conversation does not exist.')).toBeInTheDocument()
    m.getTranscriptDocument.mockResolvedValue(doc)
    await user.click(screen.getByRole('button', { name: 'Try again' }))
    await screen.findByTitle('Transcript')
    m.saveTranscriptHtml.mockRejectedValue(new api.ApiError('write_failed', 'Couldn’t save the transcript: permission denied'))
    await user.click(screen.getByRole('button', { name: 'Save as HTML…' }))
    expect(await screen.findByText(/permission denied/)).toBeInTheDocument()
    await user.click(screen.getByRole('button', { name: 'Close' }))
    expect(onClose).toHaveBeenCalled()
  })
})
