/**
 * Reading the embed tag: `<script src="<server>/widget.js" data-inbox="…" async>`
 * (docs/api/widget.md, "Embedding").
 */

export interface EmbedConfig {
  /** The server's public URL, from the script's own src, without a trailing slash. */
  base: string
  inbox: string
  position: 'left' | 'right'
  open: boolean
}

const SELF = /\/widget\.js$/

/**
 * The widget's own <script>. document.currentScript is set while a classic script (async
 * too) runs its top level, which is where this is called; the search is for odd loaders
 * that inject the code some other way.
 */
export function findScript(doc: Document = document): HTMLScriptElement | null {
  const cur = doc.currentScript
  if (cur && cur.tagName === 'SCRIPT' && (cur as HTMLScriptElement).dataset.inbox) return cur as HTMLScriptElement
  for (const s of Array.from(doc.querySelectorAll<HTMLScriptElement>('script[data-inbox][src]'))) {
    if (SELF.test(pathOf(s.src))) return s
  }
  return null
}

/**
 * The server's URL from the script's src: everything before `/widget.js`, so a server behind
 * a path prefix (https://example.com/desk/widget.js) works as well as one at the root.
 */
export function serverBase(src: string, pageUrl = location.href): string {
  const u = new URL(src, pageUrl)
  return u.origin + u.pathname.replace(SELF, '').replace(/\/+$/, '')
}

export function readConfig(script: HTMLScriptElement): EmbedConfig | null {
  const inbox = (script.dataset.inbox ?? '').trim()
  if (!inbox || !script.src) return null
  return {
    base: serverBase(script.src),
    inbox,
    position: script.dataset.position === 'left' ? 'left' : 'right',
    open: script.dataset.open === 'true',
  }
}

function pathOf(src: string): string {
  try {
    return new URL(src, location.href).pathname
  } catch {
    return ''
  }
}
