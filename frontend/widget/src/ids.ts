/**
 * Client message ids (the clientMsgId of POST /messages).
 *
 * crypto.randomUUID exists only in secure contexts (HTTPS or localhost); a site on plain
 * http, e.g. a LAN demo, still needs unique ids, so fall back to getRandomValues (available
 * everywhere) and, as a last resort, Math.random.
 */
export function newClientMsgId(c: Partial<Crypto> | undefined = globalThis.crypto): string {
  if (c && typeof c.randomUUID === 'function') return c.randomUUID()
  const b = new Uint8Array(16)
  if (c && typeof c.getRandomValues === 'function') c.getRandomValues(b)
  else for (let i = 0; i < 16; i++) b[i] = (Math.random() * 256) | 0
  // RFC 4122 version 4 layout, so the id looks like any other UUID in server logs.
  b[6] = (b[6] & 0x0f) | 0x40
  b[8] = (b[8] & 0x3f) | 0x80
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
