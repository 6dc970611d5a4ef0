/** The embed tag: finding the script, the server address, options, and the bundle's entry. */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { findScript, readConfig, serverBase } from './embed'
import { inbox } from './testkit'

function addScript(src: string, attrs: Record<string, string> = {}): HTMLScriptElement {
  const s = document.createElement('script')
  // A type the browser does not run, so jsdom does not try to load it.
  s.type = 'text/plain'
  s.src = src
  for (const [k, v] of Object.entries(attrs)) s.setAttribute(k, v)
  document.head.appendChild(s)
  return s
}

afterEach(() => {
  document.head.replaceChildren()
  document.body.replaceChildren()
  delete window.VouchDeskWidget
  vi.unstubAllGlobals()
  vi.resetModules()
})

describe('embed', () => {
  it('derives the server from the script src, with or without a path prefix', () => {
    expect(serverBase('https://desk.example.com/widget.js')).toBe('https://desk.example.com')
    expect(serverBase('https://desk.example.com:8443/widget.js?v=3')).toBe('https://desk.example.com:8443')
    expect(serverBase('https://example.com/desk/widget.js')).toBe('https://example.com/desk')
    expect(serverBase('/widget.js', 'http://127.0.0.1:8470/demo')).toBe('http://127.0.0.1:8470')
  })

  it('finds its script by src and data-inbox when currentScript is not set', () => {
    addScript('https://cdn.example.com/other.js', { 'data-inbox': 'x' })
    const mine = addScript('https://desk.example.com/widget.js?v=1', { 'data-inbox': 'abc' })
    expect(findScript(document)).toBe(mine)
  })

  it('reads the inbox and options', () => {
    const s = addScript('https://desk.example.com/widget.js', { 'data-inbox': ' abc ', 'data-position': 'left', 'data-open': 'true' })
    expect(readConfig(s)).toEqual({ base: 'https://desk.example.com', inbox: 'abc', position: 'left', open: true })
    const plain = addScript('https://desk.example.com/widget.js', { 'data-inbox': 'abc' })
    expect(readConfig(plain)).toMatchObject({ position: 'right', open: false })
    const none = addScript('https://desk.example.com/widget.js', { 'data-inbox': '' })
    expect(readConfig(none)).toBeNull()
  })

  it('the bundle entry mounts once, honours data-open and exposes VouchDeskWidget', async () => {
    addScript('https://desk.example.com/widget.js', { 'data-inbox': 'inbox-1', 'data-open': 'true' })
    const fetch = vi.fn(async () => new Response(JSON.stringify(inbox()), { status: 200 }))
    vi.stubGlobal('fetch', fetch)
    await import('./main')
    const api = window.VouchDeskWidget!
    expect(api.version).toMatch(/^\d+\.\d+\.\d+/)
    const host = document.getElementById('vouchdesk-widget')!
    const root = host.shadowRoot!
    expect(root).not.toBeNull()
    const panel = root.querySelector<HTMLElement>('[data-testid="panel"]')!
    expect(panel.hidden).toBe(false)
    // Opened automatically: focus stays with the page.
    expect(root.activeElement).toBeNull()
    expect(fetch).toHaveBeenCalledWith('https://desk.example.com/api/widget/v1/inboxes/inbox-1', expect.anything())

    api.close()
    expect(panel.hidden).toBe(true)
    api.open()
    expect(panel.hidden).toBe(false)

    // A second copy of the tag does not mount a second widget.
    vi.resetModules()
    await import('./main')
    expect(document.querySelectorAll('#vouchdesk-widget')).toHaveLength(1)
  })

  it('warns and does nothing without its tag', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    await import('./main')
    expect(window.VouchDeskWidget).toBeUndefined()
    expect(warn).toHaveBeenCalled()
  })
})
