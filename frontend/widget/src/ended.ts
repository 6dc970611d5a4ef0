/**
 * Ending a chat: "End chat" asks first (a confirmation under the header), then POST /end;
 * the ended state it answers shows the ended box, whose "Start a new chat" is widget.ts's
 * newChat.
 */
import { asApiError, type Ctx } from './screen'

export function askEnd(w: Ctx): void {
  w.ui.confirmEl.hidden = false
  w.ui.confirmBtn.focus()
}

export function cancelEnd(w: Ctx): void {
  w.ui.confirmEl.hidden = true
  w.ui.endBtn.focus()
}

export async function endChat(w: Ctx): Promise<void> {
  const btn = w.ui.confirmBtn
  btn.disabled = true
  w.say('')
  try {
    const state = await w.net.api.end(w.chat.session!)
    btn.disabled = false
    w.ui.confirmEl.hidden = true
    w.view.applyState(state)
  } catch (e) {
    btn.disabled = false
    w.report(asApiError(e), btn)
  }
}
