/**
 * A tiny element builder, and the only place the widget creates DOM.
 *
 * Safety by construction: string children become Text nodes and attribute values go through
 * setAttribute, so text from the server or the customer (names, messages, emails, consent
 * text) can never become markup. There is deliberately no way to pass HTML.
 */

export type Child = Node | string | null | undefined | false
type AttrValue = string | number | boolean | null | undefined
export type Attrs = Record<string, AttrValue | EventListener>

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (typeof v === 'function') el.addEventListener(k.slice(2), v) // onclick -> click
      else if (v === true) el.setAttribute(k, '')
      else if (v != null && v !== false) el.setAttribute(k, String(v))
    }
  }
  append(el, ...children)
  return el
}

export function append(el: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c == null || c === false) continue
    el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c)
  }
}

/** Replaces an element's content with the given children. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren()
  append(el, ...children)
}

const SVG = 'http://www.w3.org/2000/svg'

/** A decorative icon from constant path data (hidden from screen readers); `stroke` draws
 * the path as a line (close, check) instead of filling it (the chat bubble). */
export function icon(d: string, size = 20, stroke = false): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg')
  svg.setAttribute('viewBox', '0 0 24 24')
  svg.setAttribute('width', String(size))
  svg.setAttribute('height', String(size))
  svg.setAttribute('aria-hidden', 'true')
  svg.setAttribute('focusable', 'false')
  const path = document.createElementNS(SVG, 'path')
  path.setAttribute('d', d)
  if (stroke) {
    path.setAttribute('fill', 'none')
    path.setAttribute('stroke', 'currentColor')
    path.setAttribute('stroke-width', '2.4')
    path.setAttribute('stroke-linecap', 'round')
    path.setAttribute('stroke-linejoin', 'round')
  } else path.setAttribute('fill', 'currentColor')
  svg.appendChild(path)
  return svg
}

export const ICON_CHAT = 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z'
export const ICON_CLOSE = 'M6 6l12 12M18 6L6 18'
export const ICON_CHECK = 'M5 12.5l4.5 4.5L19 7.5'
