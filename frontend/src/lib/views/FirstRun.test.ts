import { beforeEach, describe, expect, it, vi } from 'vitest'
import { render, screen } from '@testing-library/svelte'
import userEvent from '@testing-library/user-event'
import FirstRun from './FirstRun.svelte'
import * as api from '../api'
import { readyState } from '../../test/fixtures'

vi.mock('../api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../api')>()),
  getSetupState: vi.fn(),
  completeSetup: vi.fn(),
  getOverview: vi.fn(),
  quitApp: vi.fn(),
}))

const completeSetup = vi.mocked(api.completeSetup)

function fields() {
  return {
    org: screen.getByLabelText('Organization name'),
    name: screen.getByLabelText('Your name'),
    email: screen.getByLabelText('Your email'),
    submit: screen.getByRole('button', { name: /create organization|setting up/i }),
  }
}

/** The text an input's aria-describedby points at. */
function description(input: HTMLElement): string {
  return (input.getAttribute('aria-describedby') ?? '')
    .split(' ')
    .filter(Boolean)
    .map((id) => document.getElementById(id)?.textContent ?? '')
    .join(' ')
}

describe('FirstRun', () => {
  let onComplete: ReturnType<typeof vi.fn<(s: api.SetupState) => void>>

  beforeEach(() => {
    onComplete = vi.fn<(s: api.SetupState) => void>()
  })

  it('explains the owner’s name is what verified records show', async () => {
    const user = userEvent.setup()
    render(FirstRun, { onComplete, onJoined: vi.fn() })
    expect(screen.getByRole('heading', { level: 1, name: 'Set up Vouch Desk' })).toBeInTheDocument()
    expect(screen.getByText(/Verified by/)).toHaveTextContent('Verified by your name')
    await user.type(fields().name, 'Sam Rivera')
    expect(screen.getByText(/Verified by/)).toHaveTextContent('“Verified by Sam Rivera”')
  })

  it('checks input on the client and shows each error under its field', async () => {
    const user = userEvent.setup()
    render(FirstRun, { onComplete, onJoined: vi.fn() })
    const f = fields()
    await user.click(f.submit)

    expect(completeSetup).not.toHaveBeenCalled()
    expect(f.org).toHaveAttribute('aria-invalid', 'true')
    expect(description(f.org)).toContain("Enter your organization's name.")
    expect(description(f.name)).toContain('Enter your name.')
    expect(description(f.email)).toContain('Enter your email address')
    expect(f.org).toHaveFocus()

    await user.type(f.org, 'Acme')
    expect(f.org).not.toHaveAttribute('aria-invalid')
    await user.type(f.name, 'x'.repeat(201))
    await user.type(f.email, 'sam@acme')
    await user.click(f.submit)
    expect(completeSetup).not.toHaveBeenCalled()
    expect(description(f.name)).toContain('200 characters or fewer')
    expect(description(f.email)).toContain('doesn’t look like an email address')
    expect(f.name).toHaveFocus()
  })

  it('shows the server’s field error under the right field', async () => {
    const user = userEvent.setup()
    completeSetup.mockRejectedValue(
      new api.ApiError('invalid_input', "Enter the owner's email address, like name@example.com.", 'ownerEmail'),
    )
    render(FirstRun, { onComplete, onJoined: vi.fn() })
    const f = fields()
    await user.type(f.org, '  Acme Support ')
    await user.type(f.name, 'Sam Rivera')
    await user.type(f.email, 'sam@acme.example')
    await user.click(f.submit)

    expect(completeSetup).toHaveBeenCalledWith({
      organizationName: 'Acme Support',
      ownerName: 'Sam Rivera',
      ownerEmail: 'sam@acme.example',
    })
    expect(await screen.findByText("Enter the owner's email address, like name@example.com.")).toBeInTheDocument()
    expect(f.email).toHaveAttribute('aria-invalid', 'true')
    expect(description(f.email)).toContain("Enter the owner's email address")
    expect(f.org).not.toHaveAttribute('aria-invalid')
    expect(f.name).not.toHaveAttribute('aria-invalid')
    expect(f.email).toHaveFocus()
    expect(onComplete).not.toHaveBeenCalled()
  })

  it('shows an error without a field above the button', async () => {
    const user = userEvent.setup()
    completeSetup.mockRejectedValue(new api.ApiError('unknown', 'disk I/O error'))
    render(FirstRun, { onComplete, onJoined: vi.fn() })
    const f = fields()
    await user.type(f.org, 'Acme')
    await user.type(f.name, 'Sam')
    await user.type(f.email, 'sam@acme.example')
    await user.click(f.submit)
    expect(await screen.findByRole('alert')).toHaveTextContent('disk I/O error')
  })

  it('disables the button while sending, then reports success', async () => {
    const user = userEvent.setup()
    let resolve!: (s: api.SetupState) => void
    completeSetup.mockReturnValue(new Promise((r) => (resolve = r)))
    render(FirstRun, { onComplete, onJoined: vi.fn() })
    const f = fields()
    await user.type(f.org, 'Acme')
    await user.type(f.name, 'Sam')
    await user.type(f.email, 'sam@acme.example')
    await user.keyboard('{Enter}')

    const busy = screen.getByRole('button', { name: 'Setting up…' })
    expect(busy).toBeDisabled()
    await user.click(busy)
    expect(completeSetup).toHaveBeenCalledTimes(1)

    const state = readyState()
    resolve(state)
    await vi.waitFor(() => expect(onComplete).toHaveBeenCalledWith(state))
  })
})
