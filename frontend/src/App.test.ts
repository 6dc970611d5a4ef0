import { beforeEach, describe, expect, it, vi } from 'vitest'
import { render, screen, within } from '@testing-library/svelte'
import userEvent from '@testing-library/user-event'
import App from './App.svelte'
import * as api from './lib/api'
import { fakeEvents } from './test/apiMock'
import {
  deliveryEntry,
  deliveryLog,
  firstRunState,
  inboxSettings,
  mailSettings,
  overview,
  readyState,
  senderState,
  verifiedSender,
  pendingSender,
  soloTeam,
  teamState,
  teamStatus,
} from './test/fixtures'
import { teamLink } from './lib/team.svelte'

vi.mock('./lib/api', async (importOriginal) =>
  (await import('./test/apiMock')).mockCalls(await importOriginal()),
)

const mocked = vi.mocked(api)

beforeEach(() => {
  teamLink.state = null
  mocked.getTeamState.mockResolvedValue(soloTeam())
  fakeEvents(mocked.subscribe)
  mocked.listConversations.mockResolvedValue([])
  mocked.getDataInfo.mockResolvedValue({ folder: '/data', database: '/data/vouchdesk.db', bytes: 4096, backupsFolder: '/data/backups', canManage: true })
  mocked.getCountry.mockResolvedValue('')
  mocked.getRegulatory.mockResolvedValue({ doubleOptIn: false, consentText: '' })
})

const PROBLEMS: Array<[string, RegExp]> = [
  ['db_locked', /Close the other Vouch Desk window or the vouchd server using this database, then start Vouch Desk again\./],
  ['data_dir_unwritable', /may write to it/],
  ['db_too_new', /newer version of Vouch Desk/],
  ['db_corrupt', /Don’t delete it/],
  ['other', /start Vouch Desk again/],
  ['something_new', /If the same message comes back/],
]

describe('App', () => {
  it.each(PROBLEMS)('startup problem %s: only the error screen, with advice', async (code, advice) => {
    const user = userEvent.setup()
    mocked.getSetupState.mockResolvedValue(
      readyState({
        problem: {
          code,
          title: 'The database is in use',
          detail: 'Another program holds the lock on vouch.db.',
          path: '/home/sam/.local/share/vouchdesk/vouch.db',
        },
      }),
    )
    render(App)
    expect(await screen.findByRole('heading', { level: 1, name: 'The database is in use' })).toBeInTheDocument()
    expect(screen.getByText('Another program holds the lock on vouch.db.')).toBeInTheDocument()
    expect(screen.getByText('/home/sam/.local/share/vouchdesk/vouch.db')).toBeInTheDocument()
    expect(screen.getByText(advice)).toBeInTheDocument()
    expect(screen.queryByRole('navigation')).not.toBeInTheDocument()
    expect(screen.queryByRole('textbox')).not.toBeInTheDocument()
    expect(mocked.getOverview).not.toHaveBeenCalled()

    await user.click(screen.getByRole('button', { name: /quit/i }))
    expect(mocked.quitApp).toHaveBeenCalledOnce()
  })

  it('first run: a successful setup switches to the shell', async () => {
    const user = userEvent.setup()
    mocked.getSetupState.mockResolvedValue(firstRunState())
    mocked.completeSetup.mockResolvedValue(readyState())
    mocked.getOverview.mockResolvedValue(overview())
    render(App)

    await user.type(await screen.findByLabelText('Organization name'), 'Acme Support')
    await user.type(screen.getByLabelText('Your name'), 'Sam Rivera')
    await user.type(screen.getByLabelText('Your email'), 'sam@acme.example')
    await user.click(screen.getByRole('button', { name: 'Create organization' }))

    expect(await screen.findByRole('navigation', { name: 'Main' })).toBeInTheDocument()
    expect(await screen.findByRole('heading', { level: 1, name: 'Inbox' })).toBeInTheDocument()
    expect(within(screen.getByRole('banner')).getByText('Sam Rivera')).toBeInTheDocument()
    expect(screen.queryByLabelText('Organization name')).not.toBeInTheDocument()
  })

  it('goes straight to the shell when already set up', async () => {
    mocked.getSetupState.mockResolvedValue(readyState())
    mocked.getOverview.mockResolvedValue(overview())
    render(App)
    expect(await screen.findByRole('heading', { level: 1, name: 'Inbox' })).toBeInTheDocument()
  })

  it('says so when the engine cannot be reached, and can retry', async () => {
    const user = userEvent.setup()
    mocked.getSetupState.mockRejectedValueOnce(new api.ApiError('unknown', 'window.go is undefined'))
    mocked.getSetupState.mockResolvedValueOnce(firstRunState())
    render(App)
    expect(await screen.findByText('window.go is undefined')).toBeInTheDocument()
    await user.click(screen.getByRole('button', { name: 'Try again' }))
    expect(await screen.findByRole('heading', { name: 'Set up Vouch Desk' })).toBeInTheDocument()
  })

  it('renders names from data as text, never as HTML', async () => {
    const user = userEvent.setup()
    const evil = '<img src=x onerror=alert(1)>'
    mocked.getSetupState.mockResolvedValue(
      readyState({
        organization: { id: 'o', name: evil },
        me: { id: 'a', name: evil, email: 'x@y.z', role: 'admin' },
      }),
    )
    mocked.getOverview.mockResolvedValue(
      overview({
        organization: { id: 'o', name: evil },
        inboxes: [{ id: 'i', name: evil, kind: 'chat' }],
        senderEmail: { address: evil, status: 'verified' },
      }),
    )
    mocked.getSenderState.mockResolvedValue(
      senderState({
        verified: verifiedSender({ address: evil }),
        pending: pendingSender({ address: evil }),
        mailbox: { configured: true, connected: false, lastError: evil, mode: '', lastErrorAt: '', retryingSince: '', lastPoll: '' },
      }),
    )
    mocked.getMailSettings.mockResolvedValue(
      mailSettings({ keyringAvailable: false, keyringProblem: evil, smtp: { host: evil, port: 1, tls: 'none', username: evil, hasPassword: false, address: evil } }),
    )
    mocked.getDeliveryLog.mockResolvedValue(
      deliveryLog({ workerError: evil, entries: [deliveryEntry({ kind: evil, to: evil, subject: evil, status: evil, lastError: evil })] }),
    )
    mocked.listInboxes.mockResolvedValue([
      inboxSettings({ name: evil, mailGate: { senderVerified: false, senderAddress: '', message: evil } }),
      inboxSettings({ id: 'i2', name: 'Shop', mailGate: { senderVerified: true, senderAddress: evil, message: '' } }),
    ])
    render(App)
    await screen.findByRole('heading', { level: 1, name: 'Inbox' })
    expect(within(screen.getByRole('banner')).getAllByText(evil)).toHaveLength(2)
    expect(screen.getByRole('main')).toHaveTextContent(evil)
    expect(document.querySelector('img')).toBeNull()

    const sections = [
      ['Organization', 'Sender’s Email'],
      ['Mail accounts', 'Outgoing mail (SMTP)'],
      ['Delivery log', 'Email can’t be sent right now'],
      ['Settings', 'Shop'],
    ]
    for (const [button, wait] of sections) {
      await user.click(screen.getByRole('button', { name: button }))
      await screen.findByText(wait)
      await vi.waitFor(() => expect(screen.queryByText(/^Loading/)).not.toBeInTheDocument())
      expect(screen.getByRole('main')).toHaveTextContent(evil)
      expect(document.querySelector('img')).toBeNull()
    }
  })

  it('the first-run preview shows a typed name as text', async () => {
    const user = userEvent.setup()
    mocked.getSetupState.mockResolvedValue(firstRunState())
    render(App)
    await user.type(await screen.findByLabelText('Your name'), '<img src=x onerror=alert(1)>')
    expect(screen.getByText(/Verified by/)).toHaveTextContent('Verified by <img src=x onerror=alert(1)>')
    expect(document.querySelector('img')).toBeNull()
  })

  describe('a team member’s desktop', () => {
    it('goes to the shell in team mode although the solo desk has no organization', async () => {
      mocked.getTeamState.mockResolvedValue(teamState())
      mocked.getSetupState.mockResolvedValue(firstRunState())
      mocked.getOverview.mockResolvedValue(overview())
      render(App)
      expect(await screen.findByRole('heading', { level: 1, name: 'Inbox' })).toBeInTheDocument()
      expect(screen.queryByRole('heading', { name: 'Set up Vouch Desk' })).not.toBeInTheDocument()
    })

    it('shows the copy’s progress, reads the state once for a burst of "team:changed", and opens the shell when done', async () => {
      const events = fakeEvents(mocked.subscribe)
      const copy = { ...teamStatus().copy, phase: 'snapshot' as const, table: 'contacts', rows: 10 }
      mocked.getTeamState.mockResolvedValue(teamState({ status: teamStatus({ phase: 'copying', copy }) }))
      render(App)
      expect(await screen.findByRole('heading', { level: 1, name: 'Copying Acme Support' })).toBeInTheDocument()
      expect(mocked.getSetupState).not.toHaveBeenCalled()

      mocked.getTeamState.mockResolvedValue(teamState())
      mocked.getSetupState.mockResolvedValue(readyState())
      mocked.getOverview.mockResolvedValue(overview())
      for (let i = 0; i < 5; i++) events.emit('team:changed')
      expect(await screen.findByRole('heading', { level: 1, name: 'Inbox' })).toBeInTheDocument()
      // The first load, one read for the five events, and the load that opened the shell.
      expect(mocked.getTeamState).toHaveBeenCalledTimes(3)
    })

    it('after the session ended, removing the local copy goes back to the first run', async () => {
      const user = userEvent.setup()
      mocked.getTeamState.mockResolvedValue(
        teamState({ ended: 'signed_out', endedMessage: 'You signed out of Acme Support on this computer.', status: teamStatus({ phase: 'ended', online: false }) }),
      )
      mocked.getSetupState.mockResolvedValue(readyState())
      mocked.getOverview.mockResolvedValue(overview())
      render(App)
      expect(await screen.findByText('You signed out of Acme Support on this computer.')).toBeInTheDocument()

      mocked.removeReplica.mockResolvedValue(soloTeam())
      mocked.getTeamState.mockResolvedValue(soloTeam())
      mocked.getSetupState.mockResolvedValue(firstRunState())
      await user.click(screen.getByRole('button', { name: 'Remove the local copy…' }))
      await user.click(screen.getByRole('button', { name: 'Remove the copy' }))
      expect(await screen.findByRole('heading', { name: 'Set up Vouch Desk' })).toBeInTheDocument()
    })

    it('"Sign in again" opens the join form with the server and email of the ended session', async () => {
      const user = userEvent.setup()
      mocked.getTeamState.mockResolvedValue(
        teamState({ ended: 'ended', endedMessage: 'The team server ended your session.', status: teamStatus({ phase: 'ended', online: false }) }),
      )
      mocked.getSetupState.mockResolvedValue(readyState())
      mocked.getOverview.mockResolvedValue(overview())
      render(App)
      await user.click(await screen.findByRole('button', { name: 'Sign in again' }))
      expect(screen.getByLabelText('Team server address')).toHaveValue('https://desk.acme.example')
      expect(screen.getByLabelText('Your email')).toHaveValue('sam@acme.example')
    })
  })
})
