// Opening and closing a <dialog> as a modal. showModal makes the rest of the window inert;
// where it is missing (jsdom in the unit tests), the open attribute still shows the dialog.

export function showDialog(el: HTMLDialogElement): void {
  if (typeof el.showModal === 'function') el.showModal()
  else el.setAttribute('open', '')
}

export function closeDialog(el: HTMLDialogElement): void {
  if (typeof el.close === 'function') el.close()
  else el.removeAttribute('open')
}
