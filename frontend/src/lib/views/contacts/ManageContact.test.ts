import { describe, expect, it, vi } from 'vitest'
import { render, screen, waitFor } from '@testing-library/svelte'
import userEvent from '@testing-library/user-event'
import ManageContact from './ManageContact.svelte'
import * as api from '../../api'
import { contactDetail, contactField } from '../../../test/fixtures'

vi.mock('../../api', async (importOriginal) =>
  (await import('../../../test/apiMock')).mockCalls(await importOriginal()),
)

const m = vi.mocked(api)

function show(contactId = 'ct_1', conversationId = 'cnv_1') {
  const props = { open: true, contactId, conversationId, onClose: vi.fn(), onSaved: vi.fn() }
  render(ManageContact, props)
  return props
}

const phoneCheck = (input: string, problem = ''): api.FieldCheck => ({
  kind: 'phone',
  input,
  value: problem ? '' : '+1 202-555-0143',
  norm: problem ? '' : '+12025550143',
  problem,
})

describe('ManageContact', () => {
  it('shows the contact with how each field was verified, then edits', async () => {
    const user = userEvent.setup()
    m.getContact.mockResolvedValue(
      contactDetail({ fields: [contactField(), contactField({ id: 'fld_2', kind: 'phone', value: '+1 202-555-0100', verified: false, verifiedLabel: 'Not verified' })] }),
    )
    m.previewContactEdit.mockResolvedValue({ fields: [], merges: [], ok: true })
    show()
    expect(await screen.findByText('Ada Lovelace')).toBeInTheDocument()
    expect(screen.getByText('Verified by Email OTP')).toBeInTheDocument()
    expect(screen.getByText('Not verified')).toBeInTheDocument()
    await user.click(screen.getByRole('button', { name: 'Edit' }))
    expect(screen.getByLabelText('Name')).toHaveValue('Ada Lovelace')
    // The unverified phone can be verified by the agent; the verified email cannot be re-verified.
    expect(screen.getAllByRole('checkbox', { name: 'I have verified this' })).toHaveLength(1)
  })

  it('warns which contact Save merges and how much comes with it, and saves the edit', async () => {
    const user = userEvent.setup()
    m.getContact.mockResolvedValue(contactDetail())
    m.previewContactEdit.mockImplementation(async (edit) => ({
      fields: edit.add.map((f) => phoneCheck(f.value)),
      merges: edit.add.some((f) => f.verify)
        ? [{ contactId: 'ct_9', name: 'Caller', because: '+1 202-555-0143', conversations: 4, fields: 1, nameConflict: true }]
        : [],
      ok: true,
    }))
    m.saveContactEdit.mockResolvedValue(contactDetail({ name: 'Ada Lovelace' }))
    const props = show()
    await user.click(await screen.findByRole('button', { name: 'Edit' }))
    await user.click(screen.getByRole('button', { name: 'Add phone' }))
    await user.type(screen.getByRole('textbox', { name: 'Phone' }), '(202) 555-0143')
    expect(await screen.findByText('Saved as +1 202-555-0143')).toBeInTheDocument()
    expect(screen.queryByTestId('merge-warning')).not.toBeInTheDocument()

    await user.click(screen.getByRole('checkbox', { name: 'Verified by me' }))
    const warning = await screen.findByTestId('merge-warning')
    expect(warning).toHaveTextContent('Saving merges Caller into this contact')
    expect(warning).toHaveTextContent('+1 202-555-0143 belongs to them. 4 conversations and 1 field come with it')
    expect(warning).toHaveTextContent('Their name, Caller, is kept as another name.')
    const save = screen.getByRole('button', { name: 'Save and merge' })
    await waitFor(() => expect(save).toBeEnabled())
    await user.click(save)
    expect(m.saveContactEdit).toHaveBeenCalledWith({
      contactId: 'ct_1',
      conversationId: 'cnv_1',
      name: 'Ada Lovelace',
      add: [{ kind: 'phone', value: '(202) 555-0143', verify: true }],
      verify: [],
    })
    await waitFor(() => expect(props.onSaved).toHaveBeenCalled())
  })

  it('a refused number says why and cannot be saved', async () => {
    const user = userEvent.setup()
    m.getContact.mockResolvedValue(contactDetail())
    m.previewContactEdit.mockImplementation(async (edit) => ({
      fields: edit.add.map((f) => phoneCheck(f.value, 'Not a phone number: too short.')),
      merges: [],
      ok: edit.add.length === 0,
    }))
    show()
    await user.click(await screen.findByRole('button', { name: 'Edit' }))
    await user.click(screen.getByRole('button', { name: 'Add phone' }))
    await user.type(screen.getByRole('textbox', { name: 'Phone' }), '12')
    expect(await screen.findByText('Not a phone number: too short.')).toBeInTheDocument()
    expect(screen.getByRole('button', { name: 'Save' })).toBeDisabled()
    expect(m.saveContactEdit).not.toHaveBeenCalled()
  })

  it('a conversation without a contact starts in Edit and saves a new one', async () => {
    m.previewContactEdit.mockResolvedValue({ fields: [], merges: [], ok: true })
    show('', 'cnv_7')
    expect(await screen.findByLabelText('Name')).toHaveValue('')
    expect(m.getContact).not.toHaveBeenCalled()
  })

  it('customer-typed text stays text', async () => {
    m.getContact.mockResolvedValue(contactDetail({ name: '<img src=x onerror=alert(1)>' }))
    show()
    expect(await screen.findByText('<img src=x onerror=alert(1)>')).toBeInTheDocument()
    expect(document.querySelector('dialog img')).toBeNull()
  })
})
