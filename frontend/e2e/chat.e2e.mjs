// The chat end-to-end suite (run by scripts/e2e-chat.sh, which starts everything it needs).
//
// The agent works in the real desktop UI (the app's own frontend with working Go bindings, served
// by Wails' dev server); each customer is a separate browser profile on the /demo page, so local
// storage (the device token) is per customer exactly as in separate browsers. Mail goes through
// real Postfix into Dovecot; the suite reads the customer's mailbox from disk.
//
// Flows, in order (each depends on the state the earlier ones left):
//   1. agent verification while no sender email exists (codes and links are offered as blocked);
//      hostile input in names and messages renders as text on both sides
//   2. the agent sets up mail accounts and the sender address, which the app verifies itself
//   3. a known email on a new device: preliminary ("Not verified on this device"), one-time code
//   4. the same browser comes back: verified at once; a fresh profile: unverified
//   5. the agent's in-chat email request, answered in the widget, verified by link
//   6. double opt-in: a new address is pending until the emailed link is confirmed, then the
//      contact exists and the chat is linked, live in the agent's view
//   7. a network drop in the widget loses and duplicates nothing, both ways
//   8. double opt-in off: a new address becomes an unverified contact, no email
//   9. transcript after the chat ends: mailed to the verified address, read back over IMAP and
//      compared with the chat; its sending shows on the conversation
//  10. sign-in at chat start by email: the agent sets a Google client ID and turns both sign-ins
//      on; a new customer gets the sign-in screen, a wrong code is refused with a clear error,
//      the emailed code starts the chat verified ("Verified by Email OTP")
//  11. sign-in at chat start with Google: the button of the fake Google (frontend/e2e/
//      fakegoogle.mjs, the issuer the app was started with) starts the chat verified ("Verified
//      by Google Sign-In"), the token checked against the fake's published key
//  12. calls and merges: the agent adds a phone inbox in Settings; a signed call webhook (as the
//      telephony provider sends it) stores a call whose number is "Verified by system" (an
//      unsigned one is refused); the agent adds that number, verified, to a verified chat
//      customer: the popup warns of the merge, Save merges, the contact's timeline holds the
//      chat, the call and the merge; a later call lands in the same contact; Undo splits it again
// Screenshots of the contact panel and of the widget's sign-in go to $E2E_OUT.
import { createHmac, randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { assert, cutProxy, imapFetch, launchBrowser, mailCount, need, tid, waitForMail } from './lib.mjs'

const UI = need('E2E_UI_URL')
const WIDGET = need('E2E_WIDGET_URL')
const MAIL = need('E2E_MAIL_DIR')
const OUT = need('E2E_OUT')
const GOOGLE = need('E2E_GOOGLE_URL')
const env = process.env
const AGENT = 'Olive Owner'

const browser = await launchBrowser()
const { page: agent } = await browser.open('agent')
let step = ''
const t0 = Date.now()
const log = (msg) => console.log(`[e2e ${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`)
const begin = (name) => {
  step = name
  log(`-- ${name}`)
}

// ---- the agent's side ----------------------------------------------------------------------------

const nav = (name) => agent.getByRole('navigation', { name: 'Main' }).getByRole('button', { name }).or(
  agent.getByRole('navigation', { name: 'Main' }).getByRole('link', { name })).first().click()
const contact = () => agent.locator('.contact')
const agentLog = () => agent.getByRole('log', { name: 'Messages' })

async function openConversation(text) {
  await nav('Inbox')
  const row = agent.getByRole('list', { name: 'Conversations' }).getByRole('button').filter({ hasText: text }).first()
  await row.click()
  await agent.locator('#contact-title').waitFor()
}

async function agentSays(title, text) {
  const box = agent.getByLabel(`Message to ${title}`)
  await box.fill(text)
  await box.press('Enter')
  await agent.getByRole('log', { name: 'Messages' }).getByText(text, { exact: true }).first().waitFor()
}

async function panelShot(name) {
  await agent.waitForTimeout(300)
  await agent.locator('.contact').screenshot({ path: join(OUT, `${name}.png`) })
  await agent.screenshot({ path: join(OUT, `${name}-window.png`) })
}

async function setDoubleOptIn(on) {
  await nav('Settings')
  const doi = agent.getByRole('switch', { name: 'Double opt-in for new contacts' })
  if ((await doi.getAttribute('aria-checked')) !== String(on)) {
    await doi.click()
    await agent.locator('section[aria-labelledby="settings-regulatory"]').getByRole('button', { name: 'Save' }).click()
    await agent.locator('section[aria-labelledby="settings-regulatory"]').getByRole('button', { name: 'Save' }).isDisabled()
  }
  await agent.waitForFunction(
    (want) => document.querySelector('#regulatory-double-opt-in')?.getAttribute('aria-checked') === want, String(on))
}

// ---- a customer's side ---------------------------------------------------------------------------

async function customer(label, base = WIDGET) {
  const { ctx, page } = await browser.open(label, { width: 1100, height: 760 })
  await page.goto(`${base}/demo`)
  return { ctx, page }
}

async function startChat(page, { name, email, message }) {
  if (!(await tid(page, 'panel').isVisible())) await tid(page, 'launcher').click()
  if (name !== undefined) await tid(page, 'prechat-name').fill(name)
  if (email !== undefined) await tid(page, 'prechat-email').fill(email)
  const consent = tid(page, 'prechat-consent')
  if (await consent.isVisible()) await consent.check()
  await tid(page, 'prechat-start').click()
  await tid(page, 'composer').waitFor()
  if (message) await customerSays(page, message)
}

async function customerSays(page, text) {
  await tid(page, 'composer').fill(text)
  await tid(page, 'send').click()
  await tid(page, 'message-body').filter({ hasText: text }).first().waitFor()
}

const widgetSees = (page, text) =>
  tid(page, 'message').filter({ has: page.locator('[data-testid="message-body"]', { hasText: text }) }).first().waitFor()

// widgetShot screenshots the widget's panel (the light-DOM Google button is drawn inside it).
async function widgetShot(page, name) {
  await page.waitForTimeout(300)
  await tid(page, 'panel').screenshot({ path: join(OUT, `${name}.png`) })
}

async function setInboxSwitch(name, on) {
  const sw = agent.getByRole('switch', { name }).first()
  if ((await sw.getAttribute('aria-checked')) !== String(on)) await sw.click()
  await sw.and(agent.locator(`[aria-checked="${on}"]`)).waitFor()
}

async function bodies(page) {
  return page.locator('[data-testid="message-body"]').allTextContents()
}

// ---- the flows -----------------------------------------------------------------------------------

try {
  begin('first run')
  await agent.goto(UI)
  await agent.getByLabel('Organization name').fill('Northwind Outfitters', { timeout: 60000 })
  await agent.getByLabel('Your name').fill(AGENT)
  await agent.getByLabel('Your email').fill('olive@vouchdesk.test')
  await agent.getByRole('button', { name: 'Create organization' }).click()
  await agent.getByRole('navigation', { name: 'Main' }).waitFor()

  // 1 ------------------------------------------------------------------------------------------
  begin('1. agent verification without a sender email; hostile input stays text')
  const hostileName = 'Ann <img src=x onerror="window.__pwned=1"> **Ames**'
  const ann = await customer('ann')
  await startChat(ann.page, { name: hostileName, email: 'ann@vouchdesk.test', message: 'Hi, <script>window.__pwned=1</script> my parcel is late' })
  await openConversation('my parcel is late')
  await agentLog().getByText('Hi, <script>window.__pwned=1</script> my parcel is late', { exact: true }).waitFor()
  const blocked = contact().getByText(/cannot be sent|verify a sender|Address/).first()
  await blocked.waitFor()
  await panelShot('e2e-panel-pending-no-sender')
  await contact().getByRole('button', { name: 'Mark verified' }).click()
  await agent.getByRole('dialog').getByRole('button', { name: 'Mark verified' }).click()
  await contact().getByText(`Verified by ${AGENT}`).first().waitFor()
  await tid(ann.page, 'verified-badge').waitFor()
  await agentSays(hostileName.split(' ')[0], 'Thanks Ann, you are verified. <b>not bold</b>')
  await widgetSees(ann.page, 'Thanks Ann, you are verified. <b>not bold</b>')
  for (const [who, p] of [['agent', agent], ['customer', ann.page]]) {
    assert((await p.evaluate(() => window.__pwned)) === undefined, `markup ran in the ${who}'s page`)
  }
  assert((await ann.page.locator('b', { hasText: 'not bold' }).count()) === 0, 'agent text became markup in the widget')
  log('agent verification shown on both sides; no markup ran')

  // 2 ------------------------------------------------------------------------------------------
  begin('2. sender email: mail accounts, address, verified by the app from the mailbox')
  await nav('Organization')
  await agent.getByRole('tab', { name: 'Mail accounts' }).or(agent.getByRole('button', { name: 'Mail accounts' })).first().click()
  for (const kind of ['smtp', 'imap']) {
    const [host, port] = need(`VOUCHDESK_IT_${kind.toUpperCase()}_ADDR`).split(':')
    await agent.locator(`#${kind}-host`).fill(host)
    await agent.locator(`#${kind}-port`).fill(port)
    await agent.locator(`#${kind}-tls`).selectOption('starttls')
    await agent.locator(`#${kind}-username`).fill(env.VOUCHDESK_IT_USER)
    await agent.locator(`#${kind}-password`).fill(env.VOUCHDESK_IT_PASSWORD)
    const card = agent.locator(`section[aria-labelledby="${kind}-title"]`)
    await card.getByRole('button', { name: 'Save' }).click()
    await card.getByRole('button', { name: 'Test connection' }).click()
    await card.getByText(/Connected and signed in/).waitFor()
  }
  await agent.getByRole('tab', { name: 'Address' }).or(agent.getByRole('button', { name: 'Address' })).first().click()
  await agent.getByRole('button', { name: 'Add sender email' }).click()
  await agent.locator('#sender-address').fill(env.VOUCHDESK_IT_USER)
  await agent.getByRole('button', { name: 'Send verification link' }).click()
  await agent.getByText('Verified', { exact: true }).first().waitFor({ timeout: 30000 })
  log('sender verified')

  // 3 ------------------------------------------------------------------------------------------
  begin('3. known email on a new device: preliminary, then a one-time code')
  const ann2 = await customer('ann-laptop')
  await startChat(ann2.page, { name: 'Ann on her laptop', email: 'ann@vouchdesk.test', message: 'It is Ann again, from my laptop' })
  await openConversation('from my laptop')
  await contact().getByText('Unverified: verify before discussing account details').first().waitFor()
  await contact().getByText('Not verified on this device').first().waitFor()
  assert((await contact().getByText('Thanks Ann').count()) === 0, 'history shown before verification')
  await panelShot('e2e-panel-preliminary')
  const seenCode = mailCount(MAIL, 'ann@vouchdesk.test')
  await contact().getByRole('button', { name: 'Send code' }).click()
  const codeMail = await waitForMail(MAIL, 'ann@vouchdesk.test', seenCode)
  // The code is in the body only (the subject never carries it): the indented line of the text part.
  const code = codeMail.body.match(/\n {4}(\d{6})\r?\n/)?.[1]
  assert(code, `no code in the body of "${codeMail.subject}"`)
  assert(!/\d{6}/.test(codeMail.subject), `the subject carries a code: "${codeMail.subject}"`)
  assert(codeMail.from.includes(env.VOUCHDESK_IT_USER), `code mail from ${codeMail.from}`)
  await tid(ann2.page, 'code-input').fill(code)
  await tid(ann2.page, 'code-submit').click()
  await contact().getByText('Verified by Email OTP').first().waitFor()
  await tid(ann2.page, 'verified-badge').waitFor()
  await contact().getByText('Earlier conversations').first().waitFor()
  await panelShot('e2e-panel-verified')
  log('code verification shown on both sides')

  // 4 ------------------------------------------------------------------------------------------
  begin('4. return visit in the same browser: verified; a fresh profile: unverified')
  await tid(ann2.page, 'end-chat').click()
  await tid(ann2.page, 'end-chat-confirm').click()
  await tid(ann2.page, 'new-chat').click()
  await startChat(ann2.page, { name: 'Ann returns', email: 'ann@vouchdesk.test', message: 'Back again, same laptop' })
  await openConversation('Back again, same laptop')
  await contact().getByText('Verified by Email OTP').first().waitFor()
  const fresh = await customer('ann-private')
  await startChat(fresh.page, { name: 'Ann private window', email: 'ann@vouchdesk.test', message: 'From a private window' })
  await openConversation('From a private window')
  await contact().getByText('Not verified on this device').first().waitFor()
  assert((await tid(fresh.page, 'verified-badge').count()) === 0, 'fresh profile shows verified')
  log('returning browser verified; fresh profile unverified')

  // 5 ------------------------------------------------------------------------------------------
  begin('5. in-chat email request, verified by link')
  const bo = await customer('bo')
  await startChat(bo.page, { name: 'Bo', message: 'Hello, I have a question about my order' })
  await openConversation('question about my order')
  await contact().getByText('No email yet').first().waitFor()
  await panelShot('e2e-panel-no-email')
  await contact().getByRole('button', { name: 'Ask for email' }).click()
  await tid(bo.page, 'email-request-input').fill('ann@vouchdesk.test')
  const reqConsent = tid(bo.page, 'email-request-consent')
  if (await reqConsent.isVisible()) await reqConsent.check()
  await tid(bo.page, 'email-request-submit').click()
  await contact().getByText('Unverified: verify before discussing account details').first().waitFor()
  const seenLink = mailCount(MAIL, 'ann@vouchdesk.test')
  await contact().getByRole('button', { name: 'Send link' }).click()
  const linkMail = await waitForMail(MAIL, 'ann@vouchdesk.test', seenLink)
  const link = linkMail.body.match(/https?:\/\/[^\s"<>]+\/verify\/email\/[A-Za-z0-9_-]+/)?.[0]
  assert(link, 'no verification link in the mail')
  const linkPage = await bo.ctx.newPage()
  await linkPage.goto(link)
  await linkPage.getByRole('button', { name: 'Confirm this address' }).click()
  await linkPage.getByText('Email confirmed').waitFor()
  await linkPage.close()
  await contact().getByText('Verified by email link').first().waitFor()
  await tid(bo.page, 'verified-badge').waitFor()
  log('link verification shown on both sides')

  // 6 ------------------------------------------------------------------------------------------
  begin('6. double opt-in: pending until confirmed, then the contact exists and the chat links')
  await setDoubleOptIn(true)
  const cy = await customer('cy')
  const seenOptIn = mailCount(MAIL, 'cy@vouchdesk.test')
  await startChat(cy.page, { name: 'Cy Newcomer', email: 'cy@vouchdesk.test', message: 'First time here!' })
  await openConversation('First time here!')
  await contact().getByText(/Waiting for the customer to confirm/).first().waitFor()
  await panelShot('e2e-panel-pending')
  // A pending contact is counted, not listed: nobody can find it until it is confirmed.
  await nav('Contacts')
  await agent.getByText('1 awaiting double opt-in confirmation').waitFor()
  await agent.getByRole('searchbox', { name: 'Search contacts' }).fill('cy@vouchdesk.test')
  await agent.getByText('No contact matches “cy@vouchdesk.test”.').waitFor()
  const optIn = await waitForMail(MAIL, 'cy@vouchdesk.test', seenOptIn)
  const confirmLink = optIn.body.match(/https?:\/\/[^\s"<>]+\/confirm\/[A-Za-z0-9_-]+/)?.[0]
  assert(confirmLink, 'no confirmation link in the opt-in mail')
  await openConversation('First time here!')
  const cPage = await cy.ctx.newPage()
  await cPage.goto(confirmLink)
  await cPage.getByRole('button', { name: 'Confirm this address' }).click()
  await cPage.getByText('Email confirmed').waitFor()
  await cPage.close()
  await contact().getByText('Verified by double opt-in confirmation').first().waitFor()
  await panelShot('e2e-panel-confirmed')
  await nav('Contacts')
  await agent.getByRole('searchbox', { name: 'Search contacts' }).fill('cy@vouchdesk.test')
  await agent.getByRole('list', { name: 'Contacts' }).getByRole('button').filter({ hasText: 'Cy Newcomer' }).waitFor()
  assert((await agent.getByText(/awaiting double opt-in/).count()) === 0, 'still pending after confirmation')
  log('double opt-in confirmed; panel updated live; contact counted')

  // 7 ------------------------------------------------------------------------------------------
  begin('7. a network drop loses and duplicates nothing')
  const link7 = await cutProxy(WIDGET)
  const dee = await customer('dee', link7.url)
  await startChat(dee.page, { name: 'Dee', message: 'before the drop' })
  await openConversation('before the drop')
  link7.cut()
  await tid(dee.page, 'banner').waitFor() // "Reconnecting…": the widget knows it is cut off
  const whileAway = ['agent 1 while offline', 'agent 2 while offline', 'agent 3 while offline']
  for (const m of whileAway) await agentSays('Dee', m)
  await tid(dee.page, 'composer').fill('customer while offline')
  await tid(dee.page, 'send').click()
  await dee.page.waitForTimeout(1500)
  assert((await agentLog().getByText('customer while offline').count()) === 0, 'a message crossed a cut network')
  link7.restore()
  for (const m of whileAway) await widgetSees(dee.page, m)
  await agentLog().getByText('customer while offline', { exact: true }).waitFor()
  await agentSays('Dee', 'after the drop')
  await widgetSees(dee.page, 'after the drop')
  const seen = await bodies(dee.page)
  for (const m of ['before the drop', ...whileAway, 'customer while offline', 'after the drop']) {
    const n = seen.filter((b) => b === m).length
    assert(n === 1, `widget shows "${m}" ${n} times`)
  }
  const agentSeen = await agent.getByRole('log', { name: 'Messages' }).first().innerText()
  assert(agentSeen.split('customer while offline').length === 2, 'agent sees the offline message other than once')
  await dee.page.reload()
  await tid(dee.page, 'launcher').click()
  await widgetSees(dee.page, 'after the drop')
  const afterReload = await bodies(dee.page)
  assert(afterReload.filter((b) => b === 'agent 2 while offline').length === 1, 'history after reload')
  await link7.close()
  log('reconnect and reload: every message exactly once')

  // 8 ------------------------------------------------------------------------------------------
  begin('8. double opt-in off: a new address becomes a contact at once, unverified')
  await setDoubleOptIn(false)
  const seenEve = mailCount(MAIL, 'eve@vouchdesk.test')
  const eve = await customer('eve')
  await startChat(eve.page, { name: 'Eve', email: 'eve@vouchdesk.test', message: 'No confirmation for me' })
  await openConversation('No confirmation for me')
  await contact().getByText('eve@vouchdesk.test').first().waitFor()
  assert((await contact().getByText(/Waiting for the customer to confirm/).count()) === 0, 'pending although double opt-in is off')
  await contact().getByRole('button', { name: 'Send code' }).waitFor()
  await panelShot('e2e-panel-new-contact')
  await nav('Contacts')
  await agent.getByRole('searchbox', { name: 'Search contacts' }).fill('eve@vouchdesk')
  await agent.getByRole('list', { name: 'Contacts' }).getByRole('button').filter({ hasText: 'eve@vouchdesk.test' }).waitFor()
  await agent.waitForTimeout(1000)
  assert(mailCount(MAIL, 'eve@vouchdesk.test') === seenEve, 'a confirmation email went out with double opt-in off')
  log('new contact registered without confirmation; no email sent')

  // 9 ------------------------------------------------------------------------------------------
  begin('9. the transcript: mailed at the end of a verified chat, read back over IMAP')
  await nav('Settings')
  const tToggle = agent.getByRole('switch', { name: 'Send transcript after the chat ends' }).first()
  if ((await tToggle.getAttribute('aria-checked')) !== 'true') await tToggle.click()
  await tToggle.and(agent.locator('[aria-checked="true"]')).waitFor()
  const lines = ['Could I get a copy of this chat? <i>stays text</i>', 'Of course, it comes by email when we finish.']
  await customerSays(ann2.page, lines[0])
  await openConversation('Could I get a copy of this chat?')
  await agentSays('Ann', lines[1])
  await agent.getByRole('button', { name: 'End chat' }).first().click()
  await agent.getByRole('dialog').getByRole('button', { name: 'End chat' }).click()
  await agent.getByText(/^Sent to /).first().waitFor({ timeout: 30000 })
  const chat = await bodies(ann2.page)
  const mail = await imapFetch({
    addr: need('VOUCHDESK_IT_IMAP_ADDR'), user: 'ann@vouchdesk.test', password: need('VOUCHDESK_IT_PASSWORD'),
    ca: need('VOUCHDESK_IT_CA'), subject: /^Your chat with Northwind Outfitters/,
  })
  assert(mail.from === env.VOUCHDESK_IT_USER, `transcript from ${mail.from}`)
  // Every line of this chat, in the order the customer saw it, is in the plain-text part.
  let at = 0
  for (const line of chat.filter((b) => !b.startsWith('The chat was ended'))) {
    const i = mail.text.indexOf(line, at)
    assert(i >= 0, `transcript text lacks (or reorders) "${line}"`)
    at = i + line.length
  }
  assert(mail.text.includes(AGENT), 'transcript lacks the agent name')
  assert(!mail.text.includes('olive@vouchdesk.test') && !mail.html.includes('olive@vouchdesk.test'), 'agent email in the transcript')
  assert(!mail.html.includes('<i>stays text</i>') && mail.html.includes('&lt;i&gt;stays text&lt;/i&gt;'), 'customer markup live in the HTML part')
  await agent.screenshot({ path: join(OUT, 'e2e-transcript-sent.png') })
  // The email as the customer's mail program shows it: its HTML part, scripts off.
  const mailView = await ann2.ctx.newPage()
  await mailView.setViewportSize({ width: 900, height: 1000 })
  await mailView.setContent(mail.html)
  await mailView.screenshot({ path: join(OUT, 'e2e-transcript-email.png'), fullPage: true })
  await mailView.close()
  log(`transcript of ${chat.length} messages read back over IMAP and matched`)

  // 10 -----------------------------------------------------------------------------------------
  begin('10. sign-in at chat start by email: wrong code refused, right code starts the chat verified')
  const clientId = '1234-test.apps.googleusercontent.com'
  await nav('Settings')
  const gForm = agent.locator('form[aria-labelledby="google-client-id-title"]')
  await gForm.getByLabel('Google client ID').fill(clientId)
  await gForm.getByRole('button', { name: 'Save' }).click()
  await gForm.getByText('Saved.').waitFor()
  await setInboxSwitch('Email sign-in at chat start', true)
  await setInboxSwitch('Google Sign-In at chat start', true)

  const fay = await customer('fay')
  await tid(fay.page, 'launcher').click()
  await tid(fay.page, 'signin-email').waitFor()
  assert((await tid(fay.page, 'prechat-start').count()) === 0, 'the pre-chat form is shown instead of the sign-in')
  // Both sign-ins are offered: Google's button (from the fake's script) and the email form.
  await fay.page.locator('[data-testid="google-button-host"] button').waitFor()
  await widgetShot(fay.page, 'e2e-widget-signin')
  const seenFay = mailCount(MAIL, 'fay@vouchdesk.test')
  await tid(fay.page, 'signin-name').fill('Fay Signin')
  await tid(fay.page, 'signin-email').fill('fay@vouchdesk.test')
  const siConsent = tid(fay.page, 'signin-consent')
  if (await siConsent.isVisible()) await siConsent.check()
  await tid(fay.page, 'signin-send').click()
  await tid(fay.page, 'signin-code').waitFor()
  const fayMail = await waitForMail(MAIL, 'fay@vouchdesk.test', seenFay)
  const fayCode = fayMail.body.match(/\n {4}(\d{6})\r?\n/)?.[1]
  assert(fayCode, `no sign-in code in the body of "${fayMail.subject}"`)
  assert(/^Your sign-in code for /.test(fayMail.subject), `sign-in code subject "${fayMail.subject}"`)
  assert(fayMail.from.includes(env.VOUCHDESK_IT_USER), `sign-in code mail from ${fayMail.from}`)
  // No chat exists while the customer is signing in.
  await nav('Inbox')
  const convs = agent.getByRole('list', { name: 'Conversations' })
  await convs.getByText('No confirmation for me').first().waitFor()
  assert((await convs.getByText('Fay Signin').count()) === 0, 'a chat is listed before the sign-in finished')
  const wrong = fayCode === '000000' ? '111111' : '000000'
  await tid(fay.page, 'signin-code').fill(wrong)
  await tid(fay.page, 'signin-submit').click()
  const codeErr = fay.page.locator('#vd-si-code-err')
  await codeErr.filter({ hasText: /That code is not right/ }).waitFor()
  assert((await tid(fay.page, 'signin-code').getAttribute('aria-invalid')) === 'true', 'the code field is not marked invalid')
  assert(!(await tid(fay.page, 'composer').isVisible()), 'a wrong code started the chat')
  await widgetShot(fay.page, 'e2e-widget-signin-code-error')
  await tid(fay.page, 'signin-code').fill(fayCode)
  await tid(fay.page, 'signin-submit').click()
  await tid(fay.page, 'composer').waitFor()
  await tid(fay.page, 'verified-badge').waitFor()
  await customerSays(fay.page, 'Signed in by email, where is my order?')
  await openConversation('Signed in by email, where is my order?')
  await contact().getByText('Verified by Email OTP').first().waitFor()
  await contact().getByText('fay@vouchdesk.test').first().waitFor()
  await panelShot('e2e-panel-signin-email')
  log('email sign-in: wrong code refused; the chat started verified on both sides')

  // 11 -----------------------------------------------------------------------------------------
  begin('11. sign-in at chat start with Google: the chat starts verified')
  // The engine fetches the issuer's keys on its first token check: this one.
  const jwksBefore = (await (await fetch(`${GOOGLE}/stats`)).json()).jwks
  const gus = await customer('gus')
  await gus.page.evaluate(() => {
    window.__fakeGoogle = { email: 'gus@vouchdesk.test', name: 'Gus Google' }
  })
  await tid(gus.page, 'launcher').click()
  const gButton = gus.page.locator('[data-testid="google-button-host"] button')
  await gButton.waitFor()
  const gConsent = tid(gus.page, 'signin-consent')
  if (await gConsent.isVisible()) await gConsent.check()
  await gButton.click()
  await tid(gus.page, 'composer').waitFor()
  await tid(gus.page, 'verified-badge').waitFor()
  await customerSays(gus.page, 'Signed in with Google, hello!')
  await widgetShot(gus.page, 'e2e-widget-signin-google')
  await openConversation('Signed in with Google, hello!')
  await contact().getByText('Verified by Google Sign-In').first().waitFor()
  await contact().getByText('gus@vouchdesk.test').first().waitFor()
  await panelShot('e2e-panel-signin-google')
  const g = await (await fetch(`${GOOGLE}/stats`)).json()
  assert(g.tokens === 1 && g.script >= 2, `fake Google stats ${JSON.stringify(g)}`)
  assert(g.discovery >= 1 && g.jwks > jwksBefore, `the app never read the fake Google's keys: ${JSON.stringify(g)}`)
  log('Google sign-in: the chat started verified on both sides')

  // 12 -----------------------------------------------------------------------------------------
  begin('12. calls and merges')
  const PHONE_TOKEN = randomBytes(16).toString('hex')
  await nav('Settings')
  await agent.getByLabel('Country for phone numbers').selectOption('US')
  await agent.getByText('Saved.').first().waitFor()
  await agent.getByRole('button', { name: 'Add phone inbox' }).click()
  const addForm = agent.getByRole('form', { name: 'Add a phone inbox' })
  await addForm.getByLabel('Name').fill('Support line')
  await addForm.getByLabel('Phone number').fill('(202) 555-0100')
  await addForm.getByLabel(/Auth token/).fill(PHONE_TOKEN)
  await addForm.getByRole('button', { name: 'Add phone inbox' }).click()
  const lineItem = agent.locator('li.inbox').filter({ has: agent.getByRole('heading', { name: 'Support line' }) })
  await lineItem.getByText('Stored in the system keyring').waitFor()
  await lineItem.getByText('+1 202-555-0100').waitFor()
  const voiceUrl = await lineItem.getByLabel('A call comes in').inputValue()
  const statusUrl = await lineItem.getByLabel('Call status changes').inputValue()
  assert(voiceUrl.startsWith(WIDGET) && voiceUrl.endsWith('/voice'), `voice URL ${voiceUrl}`)
  await lineItem.screenshot({ path: join(OUT, 'e2e-settings-phone-inbox.png') })

  // The provider's signature: base64 HMAC-SHA1 over the URL and the sorted parameters.
  const callHook = async (url, params, token = PHONE_TOKEN) => {
    const sig = createHmac('sha1', token)
      .update(url + Object.keys(params).sort().map((k) => k + params[k]).join(''))
      .digest('base64')
    const res = await fetch(url, { method: 'POST', body: new URLSearchParams(params), headers: { 'X-Twilio-Signature': sig } })
    return { status: res.status, body: await res.text() }
  }
  const call1 = { CallSid: `CA${randomBytes(16).toString('hex')}`, AccountSid: 'AC0123', From: '+12025550143', To: '+12025550100', CallStatus: 'ringing', Direction: 'inbound' }
  const forged = await callHook(voiceUrl, call1, 'not-the-token-0123456789')
  assert(forged.status === 403, `a forged webhook got ${forged.status}`)
  const rang = await callHook(voiceUrl, call1)
  assert(rang.status === 200 && rang.body.includes('<Response'), `voice webhook: ${rang.status} ${rang.body}`)
  const ended = await callHook(statusUrl, { ...call1, CallStatus: 'completed', CallDuration: '192' })
  assert(ended.status === 200, `status webhook: ${ended.status} ${ended.body}`)
  await nav('Inbox')
  await agent.getByRole('tab', { name: 'All' }).click()
  const callRow = agent.getByRole('list', { name: 'Conversations' }).getByRole('button').filter({ hasText: 'Call completed · 3m 12s' }).first()
  await callRow.waitFor()
  await callRow.click()
  await tid(agent, 'call-note').filter({ hasText: 'Completed · 3m 12s' }).waitFor()
  await contact().getByText('Verified by system').first().waitFor()
  await panelShot('e2e-call')

  // The agent adds the caller's number, verified, to Gus (verified by Google in flow 11).
  await openConversation('Signed in with Google, hello!')
  await contact().getByRole('button', { name: 'Manage' }).click()
  const dlg = tid(agent, 'manage-contact')
  await dlg.getByRole('button', { name: 'Edit' }).click()
  await dlg.getByRole('button', { name: 'Add phone' }).click()
  await dlg.getByRole('textbox', { name: 'Phone' }).fill('(202) 555-0143')
  // Unverified, a number that is another contact's cannot be added: only verified evidence merges.
  await dlg.getByText(/It belongs to another contact/).waitFor()
  assert((await tid(agent, 'merge-warning').count()) === 0, 'a merge was announced for an unverified number')
  assert(await dlg.getByRole('button', { name: 'Save' }).isDisabled(), 'Save is enabled for a refused number')
  await dlg.getByRole('checkbox', { name: 'Verified by me' }).check()
  const warning = tid(agent, 'merge-warning')
  await warning.waitFor()
  const warnText = await warning.textContent()
  assert(/\+1 202-555-0143 belongs to them/.test(warnText) && /1 conversation/.test(warnText), `merge warning: ${warnText}`)
  await agent.waitForTimeout(300)
  await dlg.screenshot({ path: join(OUT, 'manage-contact-merge.png') })
  await dlg.getByRole('button', { name: 'Save and merge' }).click()
  await dlg.waitFor({ state: 'hidden' })

  // One contact, one timeline: the chat, the call and the merge.
  await nav('Contacts')
  await agent.getByRole('searchbox', { name: 'Search contacts' }).fill('555-0143')
  const rows = agent.getByRole('list', { name: 'Contacts' }).getByRole('button')
  await rows.filter({ hasText: 'Gus Google' }).first().waitFor()
  assert((await rows.count()) === 1, `the number is on ${await rows.count()} contacts after the merge`)
  await rows.first().click()
  const items = agent.getByTestId('timeline-item')
  await items.filter({ hasText: 'Merged' }).first().waitFor()
  await items.and(agent.locator('[data-kind="call"]')).first().waitFor()
  await items.and(agent.locator('[data-kind="chat"]')).first().waitFor()
  // A later call from that number lands in the same contact.
  const call2 = { ...call1, CallSid: `CA${randomBytes(16).toString('hex')}`, CallStatus: 'completed', CallDuration: '45' }
  assert((await callHook(statusUrl, call2)).status === 200, 'the second call was refused')
  await agent.locator('[data-kind="call"]').filter({ hasText: '45s' }).first().waitFor()
  assert((await agent.locator('[data-kind="call"]').count()) === 2, 'the later call is not on the merged contact')
  await agent.waitForTimeout(300)
  await agent.screenshot({ path: join(OUT, 'contact-timeline-merged.png') })

  // Undo: the caller's contact comes back with its number and first call.
  await items.filter({ hasText: 'Merged' }).first().getByRole('button', { name: 'Undo merge' }).click()
  await agent.getByRole('dialog').filter({ hasText: 'Undo this merge?' }).getByRole('button', { name: 'Undo merge' }).click()
  await agent.locator('[data-kind="unmerge"]').first().waitFor()
  await agent.getByRole('searchbox', { name: 'Search contacts' }).fill('gus@vouchdesk')
  await rows.filter({ hasText: 'Gus Google' }).first().waitFor()
  assert(!(await rows.first().textContent()).includes('555-0143'), 'Gus still has the number after the undo')
  await agent.getByRole('searchbox', { name: 'Search contacts' }).fill('555-0143')
  await rows.filter({ hasNotText: 'Gus Google' }).first().waitFor()
  assert((await rows.count()) === 1, `after the undo the number is on ${await rows.count()} contacts`)
  log('calls and merges: signed webhooks stored, forged refused; merge warned, saved, timeline one; undo split it')

  // Settings → Data shows where the data lives, its size, and the backup buttons (the native
  // file dialogs they open are outside the browser; backend/services/data_test.go drives them).
  await nav('Settings')
  const dataPanel = agent.locator('section[aria-labelledby="settings-data"]')
  await dataPanel.getByTestId('data-size').waitFor()
  await dataPanel.getByRole('button', { name: 'Back up…' }).waitFor()
  await dataPanel.scrollIntoViewIfNeeded()
  await dataPanel.screenshot({ path: join(OUT, 'settings-data.png') })

  log('all flows passed')
} catch (e) {
  console.error(`e2e failed in step "${step}":`, e)
  await agent.screenshot({ path: join(OUT, 'failure-agent.png') }).catch(() => {})
  process.exitCode = 1
} finally {
  await browser.close()
}
