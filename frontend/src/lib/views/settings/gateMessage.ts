/** A gate message split around the word "Address", which becomes a link. */
export interface GateParts {
  before: string
  link: string
  after: string
}

const FALLBACK = 'Set up and verify a sender email in Address'

export function splitGateMessage(message: string): GateParts {
  const text = message.trim() || FALLBACK
  const match = /\bAddress\b/.exec(text)
  if (!match) return { before: `${text.replace(/\.$/, '')}. Open `, link: 'Address', after: '.' }
  return {
    before: text.slice(0, match.index),
    link: match[0],
    after: text.slice(match.index + match[0].length),
  }
}
