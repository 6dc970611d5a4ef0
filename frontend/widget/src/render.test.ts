/**
 * Rendering is inert: whatever the server or the customer wrote (inbox and organization names,
 * consent text, agent names, message bodies, emails) appears as literal text, and no element is
 * ever made from it.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { boot, defaultRoutes, msg, settle, startChat, state, typeInto } from './harness'
import { messageEl } from './ui'

const IMG = '<img src=x onerror=alert(1)>'
const SCRIPT = '<script>alert(1)</script>'
const MD = '**x** _y_ [link](javascript:alert(1))'
const LONG = '<i>x</i>'.repeat(500) // 4,000 characters of would-be markup
const ALL = [IMG, SCRIPT, MD, LONG]

// Every element the widget itself makes. Anything else would have come from data.
const OURS = new Set(['DIV', 'BUTTON', 'SPAN', 'P', 'H2', 'FORM', 'LABEL', 'INPUT', 'TEXTAREA', 'STYLE', 'svg', 'path'])

function assertInert(root: ShadowRoot) {
  const tags = new Set(Array.from(root.querySelectorAll('*'), (e) => e.tagName))
  for (const t of tags) expect(OURS.has(t), `unexpected <${t}>`).toBe(true)
  expect(root.querySelectorAll('img, script, i, b, strong, em, a, iframe').length).toBe(0)
  for (const el of Array.from(root.querySelectorAll('*'))) {
    for (const a of Array.from(el.attributes)) expect(a.name.startsWith('on'), `${el.tagName}[${a.name}]`).toBe(false)
  }
}

let current: ReturnType<typeof boot> | null = null
afterEach(() => {
  current?.w.destroy()
  current = null
})

describe('inert rendering', () => {
  it('messageEl keeps bodies and names as text', () => {
    for (const s of ALL) {
      for (const from of ['agent', 'customer', 'system'] as const) {
        const el = messageEl({ from, authorName: s, body: s })
        expect(el.querySelectorAll('*').length).toBeLessThanOrEqual(2) // who/sr span + bubble
        expect(el.querySelector('.bubble')!.textContent).toBe(s)
        expect(el.querySelector('.bubble')!.childNodes).toHaveLength(1)
        expect(el.querySelector('.bubble')!.firstChild!.nodeType).toBe(Node.TEXT_NODE)
        if (from === 'agent') expect(el.querySelector('.who')!.textContent).toBe(s)
      }
    }
  })

  it('messageEl drops hidden characters older rows may hold and isolates the text', () => {
    const el = messageEl({ from: 'agent', authorName: 'Olive\u202e\u0000', body: 'pay\u0000 \u001b[2Jnow \u202eexe.fdp\u2066\r\nok\u200b' })
    const bubble = el.querySelector('.bubble')!
    expect(bubble.textContent).toBe('pay [2Jnow exe.fdp\nok')
    expect(el.querySelector('.who')!.textContent).toBe('Olive')
    expect(bubble.getAttribute('dir')).toBe('auto')
    expect(el.querySelector('.who')!.getAttribute('dir')).toBe('auto')
  })

  it('the whole widget shows hostile names, messages, emails and consent text literally', async () => {
    const alert = vi.fn()
    vi.stubGlobal('alert', alert)
    const routes = defaultRoutes({
      inbox: { name: SCRIPT, organization: IMG, consent: { required: true, text: MD + LONG } },
    })
    current = boot({ routes })
    const t = current
    const ws = await startChat(t, { name: IMG, email: 'ada@example.com', consent: true })
    expect(t.calls.find((c) => c.path === '/sessions')!.body.name).toBe(IMG)

    // Header: organization as title, inbox name / agent name in the subline.
    expect(t.root.querySelector('.title')!.textContent).toBe(IMG)
    expect(t.q('panel')!.getAttribute('aria-label')).toBe(`Chat with ${IMG}`)

    for (const s of ALL) {
      ws.receive({ type: 'message', message: msg({ from: 'agent', authorName: s, body: s }) })
      ws.receive({ type: 'message', message: msg({ from: 'system', authorName: '', body: s }) })
      ws.receive({ type: 'message', message: msg({ from: 'customer', authorName: '', body: s, clientMsgId: `c-${s.length}` }) })
    }
    // The customer typing markup: the pending copy is text too.
    typeInto(t.q<HTMLTextAreaElement>('composer')!, SCRIPT)
    t.q('send')!.click()
    ws.receive({ type: 'state', state: state({ agentName: SCRIPT, verified: true, email: IMG, request: { kind: 'code', email: IMG } }) })
    await settle()

    const bubbles = t.all('message').map((m) => m.querySelector('.bubble')!.textContent)
    for (const s of ALL) expect(bubbles.filter((b) => b === s).length).toBeGreaterThanOrEqual(3)
    expect(bubbles).toContain(SCRIPT)
    const agentNames = Array.from(t.root.querySelectorAll('.who'), (e) => e.textContent)
    expect(agentNames).toEqual(ALL)
    expect(t.root.querySelector('.sub')!.textContent).toContain(`You’re chatting with ${SCRIPT}`)
    expect(t.root.textContent).toContain(`We emailed a code to ${IMG}.`)
    expect(t.q('verified-badge')!.getAttribute('title')).toBe(`Verified: ${IMG}`)
    assertInert(t.root)

    // The consent text of the pre-chat and email-request forms.
    t.q('end-chat')!.click()
    t.q('end-chat-confirm')!.click()
    await settle()
    t.q('new-chat')!.click()
    expect(t.root.querySelector('label[for="vd-consent"]')!.textContent).toBe(MD + LONG)
    assertInert(t.root)
    expect(alert).not.toHaveBeenCalled()
    vi.unstubAllGlobals()
  })

  it('never uses innerHTML or similar sinks in the source', () => {
    // A guard for future edits: the only way to make DOM is dom.ts's h(), which takes text.
    const sources = import.meta.glob<string>(['./*.ts', '!./*.test.ts'], { query: '?raw', import: 'default', eager: true })
    expect(Object.keys(sources)).toContain('./widget.ts')
    for (const [f, src] of Object.entries(sources))
      expect(src, f).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|createContextualFragment|DOMParser/)
  })
})
