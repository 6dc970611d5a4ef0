// The Data service (Settings → Data): where the data lives and its size, a
// backup written to a file the person picks while the app keeps working, and
// restoring such a file after a confirmation. The Go side opens the native
// file dialogs; a cancelled dialog resolves with path ''.
import * as Data from '../../../wailsjs/go/services/Data'
import { call } from './call'
import { num, obj, str } from './normalize'

export interface DataInfo {
  folder: string
  database: string
  /** The database and its write-ahead log, in bytes. */
  bytes: number
  backupsFolder: string
  /** Owners and admins may back up and restore. */
  canManage: boolean
}

export interface BackupFile {
  /** '' when the person cancelled the dialog. */
  path: string
  bytes: number
  organizations: number
  contacts: number
  conversations: number
  seconds: number
  /** After a restore: where the data from before it was kept. */
  savedCurrentTo: string
}

function toDataInfo(value: unknown): DataInfo {
  const o = obj(value) ?? {}
  return { folder: str(o.folder), database: str(o.database), bytes: num(o.bytes), backupsFolder: str(o.backupsFolder), canManage: o.canManage === true }
}

function toBackupFile(value: unknown): BackupFile {
  const o = obj(value) ?? {}
  return {
    path: str(o.path),
    bytes: num(o.bytes),
    organizations: num(o.organizations),
    contacts: num(o.contacts),
    conversations: num(o.conversations),
    seconds: num(o.seconds),
    savedCurrentTo: str(o.savedCurrentTo),
  }
}

/** Where the data lives and how big it is. */
export async function getDataInfo(): Promise<DataInfo> {
  return toDataInfo(await call(() => Data.Info()))
}

/** Asks where to save and writes the backup there. */
export async function backupData(): Promise<BackupFile> {
  return toBackupFile(await call(() => Data.Backup()))
}

/** Asks for a backup file and checks it; nothing changes yet. Rejects with why it cannot be restored. */
export async function chooseRestoreFile(): Promise<BackupFile> {
  return toBackupFile(await call(() => Data.ChooseRestore()))
}

/** Replaces all the data with the backup (the current data is saved first). */
export async function restoreData(path: string): Promise<BackupFile> {
  return toBackupFile(await call(() => Data.Restore(path)))
}
