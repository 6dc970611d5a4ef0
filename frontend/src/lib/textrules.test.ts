import { describe, expect, it } from 'vitest'
import { charCount, isPlausibleEmail, MAX_NAME_CHARS, nameProblem, showText } from './textrules'
import { MAX_MESSAGE_CHARS, PATH_CONFIRM, PATH_VERIFY_EMAIL } from './textrules.gen'

describe('generated text rules', () => {
  it('carries the server limits and link paths', () => {
    expect([MAX_MESSAGE_CHARS, MAX_NAME_CHARS]).toEqual([4000, 200])
    expect([PATH_VERIFY_EMAIL, PATH_CONFIRM]).toEqual(['/verify/email/', '/confirm/'])
  })
})

describe('isPlausibleEmail', () => {
  it('accepts ordinary and international addresses', () => {
    for (const ok of ['ada@example.com', 'Ada.Lovelace+desk@Example.COM', 'jörg@bücher.de']) expect(isPlausibleEmail(ok), ok).toBe(true)
  })

  it('refuses invisible, control and direction characters inside an address', () => {
    for (const c of ['\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u202e', '\u2066', '\u00ad', '\u0000', '\u001b']) {
      expect(isPlausibleEmail(`ad${c}a@example.com`), JSON.stringify(c)).toBe(false)
      expect(isPlausibleEmail(`ada@exa${c}mple.com`), JSON.stringify(c)).toBe(false)
    }
  })

  it('measures length in bytes of UTF-8, as the server does', () => {
    const local = 'ü'.repeat(125) // 250 bytes, 125 characters: 262 bytes with the domain
    expect(isPlausibleEmail(`${local}@example.com`)).toBe(false)
    expect(isPlausibleEmail(`${'u'.repeat(125)}@example.com`)).toBe(true)
  })
})

describe('nameProblem', () => {
  it('refuses control characters and direction overrides, not whitespace', () => {
    expect(nameProblem('Ada\u0000')).toBe('control')
    expect(nameProblem('Ada\u001b[2J')).toBe('control')
    expect(nameProblem('Ada\u202egnp.exe')).toBe('control')
    expect(nameProblem('\u2067Ada')).toBe('control')
    // The server folds line breaks and tabs into spaces and strips zero-width characters.
    expect(nameProblem('Ada\r\nLovelace\t\u200b')).toBeUndefined()
    expect(nameProblem('👩\u200d💻 می\u200cخواهم')).toBeUndefined()
  })

  it('counts code points against the limit', () => {
    expect(nameProblem('😀'.repeat(MAX_NAME_CHARS))).toBeUndefined()
    expect(nameProblem('a'.repeat(MAX_NAME_CHARS + 1))).toBe('too_long')
    expect(charCount('😀a')).toBe(2)
  })
})

describe('showText', () => {
  it('drops NUL, ESC, C1, direction overrides and invisible format characters', () => {
    expect(showText('pay\u0000 \u001b[2Jnow \u202eexe.fdp\u202c \u2066x\u2069 a\u200bb\ufeff\u0085')).toBe('pay [2Jnow exe.fdp x ab')
  })

  it('keeps line breaks, tabs, joiners and direction marks, and makes CR LF a line feed', () => {
    expect(showText('a\r\nb\rc\n\td')).toBe('a\nb\nc\n\td')
    expect(showText('👩\u200d👩\u200d👧 می\u200cخواهم שלום\u200f!')).toBe('👩\u200d👩\u200d👧 می\u200cخواهم שלום\u200f!')
  })
})
