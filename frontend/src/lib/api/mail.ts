// The Mail service: the sender email, the mail accounts and the delivery log.
import * as Mail from '../../../wailsjs/go/services/Mail'
import { services } from '../../../wailsjs/go/models'
import { call } from './call'
import { deliveryLog, mailHealth, mailSettings, senderState, testResult } from './clean'
import type { AccountRequest, DeliveryLog, MailHealth, MailSettings, SenderState, TestResult } from './models'

/** The verified and the pending sender email, and the mailbox watch. */
export async function getSenderState(): Promise<SenderState> {
  return senderState(await call(() => Mail.SenderState()))
}

/**
 * Adds a sender email, or changes to another one, and emails it a
 * verification link. A bad address rejects with field "address".
 */
export async function setSender(address: string): Promise<SenderState> {
  return senderState(await call(() => Mail.SetSender(address)))
}

/** Emails a fresh link to the pending address (may reject with "rate_limited"). */
export async function resendSenderLink(): Promise<SenderState> {
  return senderState(await call(() => Mail.ResendSenderLink()))
}

/** Removes the address waiting for verification. */
export async function removePendingSender(): Promise<SenderState> {
  return senderState(await call(() => Mail.RemovePendingSender()))
}

/** The SMTP and IMAP accounts (never their passwords) and whether the keyring works. */
export async function getMailSettings(): Promise<MailSettings> {
  return mailSettings(await call(() => Mail.Settings()))
}

function accountRequest(req: AccountRequest): services.AccountRequest {
  return services.AccountRequest.createFrom({
    host: req.host,
    port: req.port,
    tls: req.tls,
    username: req.username,
    password: req.password,
    address: req.address,
  })
}

/** Saves the outgoing relay. Field errors name host, port, tls, username or password. */
export async function saveSmtp(req: AccountRequest): Promise<MailSettings> {
  return mailSettings(await call(() => Mail.SaveSMTP(accountRequest(req))))
}

/** Saves the mailbox to watch. Field errors name host, port, tls, username or password. */
export async function saveImap(req: AccountRequest): Promise<MailSettings> {
  return mailSettings(await call(() => Mail.SaveIMAP(accountRequest(req))))
}

/**
 * Saves the optional bounce mailbox: its address becomes the envelope sender
 * of every email, and it is read for delivery reports only. Field errors name
 * host, port, tls, username, password or address.
 */
export async function saveBounce(req: AccountRequest): Promise<MailSettings> {
  return mailSettings(await call(() => Mail.SaveBounce(accountRequest(req))))
}

/** Removes the bounce mailbox: reports go back to the sender email's mailbox. */
export async function removeBounce(): Promise<MailSettings> {
  return mailSettings(await call(() => Mail.RemoveBounce()))
}

/** Connects to the bounce mailbox with the saved settings. */
export async function testBounce(): Promise<TestResult> {
  return testResult(await call(() => Mail.TestBounce()))
}

/** Connects to the relay with the saved settings. */
export async function testSmtp(): Promise<TestResult> {
  return testResult(await call(() => Mail.TestSMTP()))
}

/** Connects to the mailbox with the saved settings. */
export async function testImap(): Promise<TestResult> {
  return testResult(await call(() => Mail.TestIMAP()))
}

/** The newest emails and the sending worker's problem, if any. */
export async function getDeliveryLog(): Promise<DeliveryLog> {
  return deliveryLog(await call(() => Mail.DeliveryLog()))
}

/** How each mail account is doing, SMTP, IMAP, then the bounce mailbox when set up: state, last error and when, retrying since. */
export async function getMailHealth(): Promise<MailHealth[]> {
  return mailHealth(await call(() => Mail.MailHealth()))
}
