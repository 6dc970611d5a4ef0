import type { StartupProblemCode } from './api'

/** What the person can do about each startup problem. */
const advice: Record<StartupProblemCode, string> = {
  data_dir_unwritable:
    'Vouch Desk needs to write to the folder shown above. Make sure it exists, that your user account may write to it, and that the disk is not full or read-only. Then start Vouch Desk again.',
  db_locked:
    'Close the other Vouch Desk window or the vouchd server using this database, then start Vouch Desk again.',
  db_too_new:
    'This database was last used by a newer version of Vouch Desk. Install that version or a later one, then open it again. Don’t let an older version replace the file.',
  db_corrupt:
    'The database file could not be read. Don’t delete it: quit, copy the whole data folder somewhere safe, then restore the database from your most recent backup or ask your administrator for help.',
  db_upgrade_failed:
    'Your data is as it was before this version started: nothing was lost. Keep using the previous version of Vouch Desk for now, and send the details above to whoever looks after your installation.',
  other:
    'Quit and start Vouch Desk again. If the same message comes back, note the details above and contact whoever looks after your Vouch Desk installation.',
}

export function adviceFor(code: string): string {
  return code in advice ? advice[code as StartupProblemCode] : advice.other
}
