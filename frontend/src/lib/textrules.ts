/**
 * The text rules of backend/textrules, for the desktop UI and the widget (which imports this
 * file too). The limits and character classes come from the generated ./textrules.gen.ts; this
 * file only applies them. The server applies the same rules and has the final say: these checks
 * warn before a round trip, and showText makes text stored before the rules safe to show.
 */
import {
  BODY_DROPPED,
  EMAIL_HINT,
  EMAIL_REFUSED,
  MAX_EMAIL_LENGTH,
  MAX_NAME_CHARS,
  NAME_REFUSED,
} from './textrules.gen'

export { MAX_EMAIL_LENGTH, MAX_MESSAGE_CHARS, MAX_NAME_CHARS } from './textrules.gen'

/** Characters as the server counts them: Unicode code points (an emoji is one, not two). */
export function charCount(s: string): number {
  let n = 0
  for (const _ of s) n++
  return n
}

/** Bytes of UTF-8, as the server measures an email address. */
function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length
}

/**
 * Whether `value` (trimmed) looks like an email address. Only a hint that catches typos such as
 * a missing @ or a pasted invisible character: the server's NormalizeEmail decides, and its
 * error is shown when it disagrees.
 */
export function isPlausibleEmail(value: string): boolean {
  return utf8Length(value) <= MAX_EMAIL_LENGTH && EMAIL_HINT.test(value) && !EMAIL_REFUSED.test(value)
}

/** Why the server would refuse this name, or undefined (names are optional here). */
export function nameProblem(name: string): 'control' | 'too_long' | undefined {
  if (NAME_REFUSED.test(name)) return 'control'
  if (charCount(name) > MAX_NAME_CHARS) return 'too_long'
  return undefined
}

/**
 * Customer text made safe to show: CR LF and CR become LF, and what the server drops from
 * message bodies goes (NUL, ESC and other control characters, direction overrides, invisible
 * format characters). Rows stored before the server applied these rules may still hold them;
 * the views also isolate customer text (dir="auto" / <bdi>) so even a legitimate right-to-left
 * name cannot reorder the interface around it.
 */
export function showText(s: string): string {
  return s.replace(/\r\n?/g, '\n').replace(BODY_DROPPED, '')
}
