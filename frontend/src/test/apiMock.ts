// Tests mock only src/lib/api. In a test file:
//
//   vi.mock('../../api', async (importOriginal) =>
//     (await import('../../../test/apiMock')).mockCalls(await importOriginal()))
//
// Every call to the Go side becomes a vi.fn() (reset before each test by
// the Vitest config); ApiError, toApiError and the types stay real.
import { vi, type Mock } from 'vitest'
import type { AppEvent } from '../lib/api'

export const API_CALLS = [
  'getSetupState',
  'completeSetup',
  'getOverview',
  'quitApp',
  'getSenderState',
  'setSender',
  'resendSenderLink',
  'removePendingSender',
  'getMailSettings',
  'saveSmtp',
  'saveImap',
  'saveBounce',
  'removeBounce',
  'testSmtp',
  'testImap',
  'testBounce',
  'getDeliveryLog',
  'getMailHealth',
  'listInboxes',
  'setInboxToggle',
  'getGoogleClientId',
  'setGoogleClientId',
  'setInboxIdleEnd',
  'listConversations',
  'openConversation',
  'loadEarlierMessages',
  'markConversationRead',
  'sendMessage',
  'endConversation',
  'requestEmail',
  'setConversationEmail',
  'sendVerifyCode',
  'sendVerifyLink',
  'markVerified',
  'getRegulatory',
  'saveRegulatory',
  'getTranscriptSendings',
  'resendTranscript',
  'getTranscriptDocument',
  'saveTranscriptHtml',
  'searchContacts',
  'getContact',
  'getTimeline',
  'previewContactEdit',
  'saveContactEdit',
  'removeVerification',
  'undoMerge',
  'createPhoneInbox',
  'setPhoneAuthToken',
  'setPhoneForward',
  'getCountry',
  'setCountry',
  'getDataInfo',
  'backupData',
  'chooseRestoreFile',
  'restoreData',
  'discardKeptMessage',
  'getTeamState',
  'startTeamSignin',
  'finishTeamSignin',
  'acceptInvitation',
  'signOutOfTeam',
  'removeReplica',
  'listTeamAgents',
  'setTeamRole',
  'deactivateAgent',
  'listInvitations',
  'inviteAgent',
  'resendInvitation',
  'revokeInvitation',
  'listSessions',
  'revokeSession',
  'subscribe',
] as const

export function mockCalls<T extends object>(original: T): T {
  const out = { ...original } as Record<string, unknown>
  for (const name of API_CALLS) out[name] = vi.fn()
  return out as T
}

/**
 * Makes the mocked `subscribe` remember its handlers, so a test can emit
 * an event the way the Go side would, and see who is still listening.
 */
export function fakeEvents(subscribe: Mock<(event: AppEvent, handler: () => void) => () => void>) {
  const handlers = new Map<AppEvent, Set<() => void>>()
  subscribe.mockImplementation((event, handler) => {
    const set = handlers.get(event) ?? new Set()
    set.add(handler)
    handlers.set(event, set)
    return () => set.delete(handler)
  })
  return {
    emit(event: AppEvent) {
      for (const handler of handlers.get(event) ?? []) handler()
    },
    listeners(event: AppEvent): number {
      return handlers.get(event)?.size ?? 0
    },
  }
}
