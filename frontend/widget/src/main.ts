/**
 * Entry of the widget bundle (built to backend/widget/assets/widget.js as an IIFE).
 *
 * Finds its own <script> tag, mounts the widget once the page has a <body>, and exposes
 * `window.VouchDeskWidget = { version, open(), close() }` for the site and for tests.
 */
import { findScript, readConfig } from './embed'
import { Widget } from './widget'

export interface VouchDeskWidgetApi {
  version: string
  open(): void
  close(): void
}

declare global {
  interface Window {
    VouchDeskWidget?: VouchDeskWidgetApi
  }
}

// currentScript is only set during this first synchronous run, so read it now.
const script = findScript()
const config = script && readConfig(script)

if (window.VouchDeskWidget) {
  // The tag is on the page twice (a CMS include and a template, say): one widget is enough.
} else if (!config) {
  console.warn('Vouch Desk widget: no <script src=".../widget.js" data-inbox="…"> found; not started.')
} else {
  const widget = new Widget(config)
  window.VouchDeskWidget = {
    version: __WIDGET_VERSION__,
    open: () => widget.open(),
    close: () => widget.close(),
  }
  const start = () => {
    widget.mount(document.body)
    // data-open="true": shown at once, but without taking focus away from the page.
    if (config.open) widget.open(false)
  }
  // An async script in <head> can run before <body> exists.
  if (document.body) start()
  else document.addEventListener('DOMContentLoaded', start, { once: true })
}
