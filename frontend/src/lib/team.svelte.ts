// The desktop's link to a team server, shared by the views: App keeps it current (it reads
// Team.State on "team:changed"), and any view whose action needs the server asks
// needsServer() for the reason it cannot run now. On a solo desk there is no reason.
import type { TeamState } from './api'
import { parseTime } from './time'

class TeamLink {
  /** The last state read; null before the first read (treated as solo). */
  state = $state<TeamState | null>(null)
}

export const teamLink = new TeamLink()

const clockFormat = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })

/** "14:32" (local time), or '' when there is no time. */
export function clock(value: string): string {
  const date = parseTime(value)
  return date ? clockFormat.format(date) : ''
}

/** Why an action needing the team server cannot run with `state`; '' when it can (or solo). */
export function serverReason(state: TeamState | null): string {
  if (!state || state.mode !== 'team') return ''
  if (state.ended) return 'Needs the team server: you are signed out of it on this computer.'
  if (state.status.phase === 'copying') return 'Needs the team server: the first copy is still being made.'
  if (!state.status.online) {
    const since = clock(state.status.offlineSince)
    return since ? `Needs the team server (offline since ${since}).` : 'Needs the team server (offline).'
  }
  return ''
}

/** serverReason of the current state (reactive in a component). */
export function needsServer(): string {
  return serverReason(teamLink.state)
}

/** The session ended (signed out, or ended by the server): nothing can be sent. */
export function teamEnded(): boolean {
  return teamLink.state?.mode === 'team' && teamLink.state.ended !== ''
}

/** Sizes in MB with one decimal ("12.4 MB"); under 0.1 MB reads "0.1 MB" unless empty. */
export function megabytes(bytes: number): string {
  if (bytes <= 0) return '0 MB'
  const mb = bytes / (1024 * 1024)
  return `${mb < 0.1 ? '0.1' : mb.toFixed(1)} MB`
}

/** "8 s", "3 min 5 s", "1 h 2 min". */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds))
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`
  const h = Math.floor(m / 60)
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`
}
