import { beforeEach, describe, expect, it, vi } from 'vitest'
import { render, screen, within } from '@testing-library/svelte'
import userEvent from '@testing-library/user-event'
import DataPanel from './DataPanel.svelte'
import * as api from '../../api'
import { fakeEvents } from '../../../test/apiMock'

vi.mock('../../api', async (importOriginal) =>
  (await import('../../../test/apiMock')).mockCalls(await importOriginal()),
)

const m = vi.mocked(api)

const info = (canManage = true): api.DataInfo => ({
  folder: '/home/sam/.local/share/vouchdesk',
  database: '/home/sam/.local/share/vouchdesk/vouchdesk.db',
  bytes: 3.5 * 1024 * 1024,
  backupsFolder: '/home/sam/.local/share/vouchdesk/backups',
  canManage,
})

const file = (over: Partial<api.BackupFile> = {}): api.BackupFile => ({
  path: '/home/sam/Vouch Desk 2026-12-03 0800.vdbackup',
  bytes: 3 * 1024 * 1024,
  organizations: 1,
  contacts: 1234,
  conversations: 5678,
  seconds: 0.4,
  savedCurrentTo: '',
  ...over,
})

beforeEach(() => {
  fakeEvents(m.subscribe)
})

describe('Settings → Data', () => {
  it('shows where the data lives and its size; a backup says what it wrote', async () => {
    const user = userEvent.setup()
    m.getDataInfo.mockResolvedValue(info())
    m.backupData.mockResolvedValue(file())
    render(DataPanel)
    expect(await screen.findByTestId('data-dir')).toHaveTextContent('/home/sam/.local/share/vouchdesk')
    expect(screen.getByTestId('data-size')).toHaveTextContent('3.5 MB')
    await user.click(screen.getByRole('button', { name: 'Back up…' }))
    expect(await screen.findByText('Backup saved')).toBeInTheDocument()
    expect(screen.getByText(/1,234 contacts, 5,678 conversations/)).toBeInTheDocument()
  })

  it('a cancelled dialog does nothing; a full disk says no backup was made', async () => {
    const user = userEvent.setup()
    m.getDataInfo.mockResolvedValue(info())
    m.backupData.mockResolvedValueOnce(file({ path: '' }))
    m.backupData.mockRejectedValueOnce(new api.ApiError('disk_full', 'The disk is full: the backup was not written (nothing partial was left).'))
    render(DataPanel)
    await user.click(await screen.findByRole('button', { name: 'Back up…' }))
    expect(screen.queryByText('Backup saved')).not.toBeInTheDocument()
    await user.click(screen.getByRole('button', { name: 'Back up…' }))
    expect(await screen.findByText('No backup was made')).toBeInTheDocument()
    expect(screen.getByText(/The disk is full/)).toBeInTheDocument()
  })

  it('restore: confirms with what the backup holds; a refused file says why and changes nothing', async () => {
    const user = userEvent.setup()
    m.getDataInfo.mockResolvedValue(info())
    m.chooseRestoreFile.mockRejectedValueOnce(new api.ApiError('not_a_backup', 'This file is not a Vouch Desk backup. Nothing was changed.'))
    m.chooseRestoreFile.mockResolvedValueOnce(file())
    m.restoreData.mockRejectedValueOnce(new api.ApiError('backup_damaged', 'This backup is damaged or incomplete. Nothing was changed.'))
    render(DataPanel)
    await user.click(await screen.findByRole('button', { name: 'Restore from a backup…' }))
    expect(await screen.findByText('Nothing was restored')).toBeInTheDocument()
    expect(screen.getByText(/not a Vouch Desk backup/)).toBeInTheDocument()

    await user.click(screen.getByRole('button', { name: 'Restore from a backup…' }))
    const dialog = await screen.findByRole('dialog', { name: 'Replace all data with this backup?' })
    expect(dialog).toHaveTextContent('It holds 1,234 contacts and 5,678 conversations')
    await user.click(within(dialog).getByRole('button', { name: 'Restore' }))
    expect(m.restoreData).toHaveBeenCalledWith('/home/sam/Vouch Desk 2026-12-03 0800.vdbackup')
    expect(await screen.findByText(/damaged or incomplete/)).toBeInTheDocument()
  })

  it('agents see where the data is but cannot back up or restore', async () => {
    m.getDataInfo.mockResolvedValue(info(false))
    render(DataPanel)
    expect(await screen.findByText('Only owners and admins can back up or restore the data.')).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'Back up…' })).not.toBeInTheDocument()
  })
})
