// Drives the real desktop UI (served by `wails dev` with the real Go backend) through the whole
// sender-email setup against real mail servers: first run, Mail accounts (SMTP + IMAP, saved to
// the OS keyring, Test connection), Address -> add the sender, then waits until the app itself
// marks it verified from the mailbox. Screenshots go to the folder given as the first argument.
// Usage: node scripts/e2e-mail-real.mjs OUTDIR   (env: VOUCHDESK_IT_* from scripts/mailservers.sh)
// Run by hand for now (not yet in `make test`): start the servers (scripts/mailservers.sh start
// DIR; . DIR/env), then inside `dbus-run-session` with `gnome-keyring-daemon --unlock` and an Xvfb
// display, start `SSL_CERT_FILE=$VOUCHDESK_IT_CA wails dev -tags "webkit2_41 sqlite_fts5"` and run
// this script once localhost:34115 answers. (Wrapping it in a script for CI is open: the session
// bus's desktop portal outlived dbus-run-session in our first attempt.)
import { chromium } from 'playwright-core'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const out = process.argv[2] ?? '/tmp/shots'
const env = process.env
const [smtpHost, smtpPort] = env.VOUCHDESK_IT_SMTP_ADDR.split(':')
const [imapHost, imapPort] = env.VOUCHDESK_IT_IMAP_ADDR.split(':')
const ctx = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'vd-e2e-')), {
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 800 },
})
const page = ctx.pages()[0] ?? (await ctx.newPage())
try {
  await page.goto('http://localhost:34115', { waitUntil: 'domcontentloaded' })
  await page.getByLabel('Organization name').fill('Vouch Test Co', { timeout: 60000 })
  await page.getByLabel('Your name').fill('Olive Owner')
  await page.getByLabel('Your email').fill('olive@vouchdesk.test')
  await page.getByRole('button', { name: 'Create organization' }).click()
  await page.getByRole('link', { name: 'Organization' }).or(page.getByRole('button', { name: 'Organization' })).first().click()
  await page.getByRole('tab', { name: 'Mail accounts' }).or(page.getByRole('button', { name: 'Mail accounts' })).first().click()
  for (const [kind, host, port] of [['smtp', smtpHost, smtpPort], ['imap', imapHost, imapPort]]) {
    await page.locator(`#${kind}-host`).fill(host)
    await page.locator(`#${kind}-port`).fill(port)
    await page.locator(`#${kind}-tls`).selectOption('starttls')
    await page.locator(`#${kind}-username`).fill(env.VOUCHDESK_IT_USER)
    await page.locator(`#${kind}-password`).fill(env.VOUCHDESK_IT_PASSWORD)
    const card = page.locator(`section[aria-labelledby="${kind}-title"]`)
    await card.getByRole('button', { name: 'Save' }).click()
    await card.getByRole('button', { name: 'Test connection' }).click()
    await card.getByText(/Connected and signed in/).waitFor({ timeout: 20000 })
    console.log(`${kind}: saved and tested`)
  }
  await page.screenshot({ path: join(out, 'desktop-mail-accounts-real.png'), fullPage: true })
  await page.getByRole('tab', { name: 'Address' }).or(page.getByRole('button', { name: 'Address' })).first().click()
  await page.getByRole('button', { name: 'Add sender email' }).click()
  await page.locator('#sender-address').fill(env.VOUCHDESK_IT_USER)
  await page.getByRole('button', { name: 'Send verification link' }).click()
  const t0 = Date.now()
  await page.getByText('Verified', { exact: true }).first().waitFor({ timeout: 30000 })
  console.log(`sender verified in the UI ${Date.now() - t0} ms after it was added`)
  await page.waitForTimeout(500)
  await page.screenshot({ path: join(out, 'desktop-sender-verified-real.png'), fullPage: true })
} catch (e) {
  await page.screenshot({ path: join(out, 'e2e-failure.png'), fullPage: true })
  console.error(e)
  process.exitCode = 1
} finally {
  await ctx.close()
}
