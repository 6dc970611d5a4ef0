// The Data service (Settings → Data): where the data lives and its size, a
// backup written to a file the person picks while the app keeps working, and
// restoring such a file after a confirmation. The Go side opens the native
// file dialogs; a cancelled dialog resolves with path ''.
import * as Data from '../../../wailsjs/go/services/Data'
import { call } from './call'
import type { BackupFile, DataInfo } from './models'

/** Where the data lives and how big it is. */
export async function getDataInfo(): Promise<DataInfo> {
  return await call(() => Data.Info())
}

/** Asks where to save and writes the backup there. */
export async function backupData(): Promise<BackupFile> {
  return await call(() => Data.Backup())
}

/** Asks for a backup file and checks it; nothing changes yet. Rejects with why it cannot be restored. */
export async function chooseRestoreFile(): Promise<BackupFile> {
  return await call(() => Data.ChooseRestore())
}

/** Replaces all the data with the backup (the current data is saved first). */
export async function restoreData(path: string): Promise<BackupFile> {
  return await call(() => Data.Restore(path))
}
