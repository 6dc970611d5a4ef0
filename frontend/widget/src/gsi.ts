/**
 * Google Identity Services (GSI): the script that draws Google's "Sign in with Google" button
 * and hands the page an ID token (the "credential"). It is loaded only for an inbox with Google
 * Sign-In, from the URL the inbox answer names (Google's by default; a test server may point
 * it at a fake that signs tokens with a test issuer, as long as it offers the same two calls).
 *
 * GSI lives on the page's window, outside the widget's shadow root, and draws its button into
 * an element of the page's DOM: the widget gives it a light-DOM child of its host, slotted into
 * the sign-in form, so GSI's own stylesheet (which it puts in the page's <head>) applies to it.
 */

/** The part of `google.accounts.id` the widget uses. */
export interface GsiId {
  initialize(o: {
    client_id: string
    callback: (r: { credential?: string }) => void
    ux_mode?: 'popup' | 'redirect'
    auto_select?: boolean
    itp_support?: boolean
  }): void
  renderButton(
    parent: HTMLElement,
    o: { type?: 'standard' | 'icon'; theme?: string; size?: string; text?: string; shape?: string; width?: number },
  ): void
}

declare global {
  interface Window {
    google?: { accounts?: { id?: GsiId } }
  }
}

export type ScriptLoader = (url: string) => Promise<void>

/** How long the script may take before the widget says it could not load it. */
export const GSI_TIMEOUT_MS = 10_000

const loading = new Map<string, Promise<void>>()

/** Adds `<script src=url>` to the page once; a failure (blocked, offline, timeout) may be
 * retried by calling again. */
export const loadScript: ScriptLoader = (url) => {
  let p = loading.get(url)
  if (!p) {
    p = new Promise<void>((resolve, reject) => {
      const s = document.createElement('script')
      const timer = setTimeout(() => fail(), GSI_TIMEOUT_MS)
      const fail = () => {
        clearTimeout(timer)
        loading.delete(url)
        s.remove()
        reject(new Error(`could not load ${url}`))
      }
      s.src = url
      s.async = true
      s.onload = () => {
        clearTimeout(timer)
        resolve()
      }
      s.onerror = fail
      document.head.appendChild(s)
    })
    loading.set(url, p)
  }
  return p
}

/** Where GSI sends credentials: GSI keeps one callback per page, the widget one handler. */
let handler: ((credential: string) => void) | null = null
let initializedFor = ''

/**
 * Loads GSI and draws its button into `parent`; each credential goes to `onCredential`.
 * Rejects when the script cannot be loaded or does not offer google.accounts.id.
 */
export async function renderGoogleButton(
  load: ScriptLoader,
  scriptUrl: string,
  clientId: string,
  parent: HTMLElement,
  onCredential: (credential: string) => void,
): Promise<void> {
  await load(scriptUrl)
  const id = window.google?.accounts?.id
  if (!id || typeof id.initialize !== 'function' || typeof id.renderButton !== 'function') {
    throw new Error('Google Identity Services did not start')
  }
  handler = onCredential
  if (initializedFor !== clientId) {
    id.initialize({
      client_id: clientId,
      callback: (r) => {
        if (r && typeof r.credential === 'string' && r.credential) handler?.(r.credential)
      },
      // A popup keeps the customer on the page, in the chat they are starting.
      ux_mode: 'popup',
      auto_select: false,
      itp_support: true,
    })
    initializedFor = clientId
  }
  parent.replaceChildren()
  id.renderButton(parent, { type: 'standard', theme: 'outline', size: 'large', text: 'signin_with', shape: 'rectangular', width: 280 })
}

/** Forgets the page-wide state (tests). */
export function resetGsi(): void {
  loading.clear()
  handler = null
  initializedFor = ''
}
