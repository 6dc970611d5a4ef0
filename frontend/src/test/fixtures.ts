import type { Overview, SetupState } from '../lib/api'

export function readyState(overrides: Partial<SetupState> = {}): SetupState {
  return {
    version: '0.1.0',
    dataDir: '/home/sam/.local/share/vouchdesk',
    problem: null,
    needsSetup: false,
    organization: { id: 'org_1', name: 'Acme Support' },
    me: { id: 'agt_1', name: 'Sam Rivera', email: 'sam@acme.example', role: 'owner' },
    ...overrides,
  }
}

export function firstRunState(): SetupState {
  return readyState({ needsSetup: true, organization: null, me: null })
}

export function overview(overrides: Partial<Overview> = {}): Overview {
  return {
    organization: { id: 'org_1', name: 'Acme Support' },
    inboxes: [
      { id: 'ibx_1', name: 'Website', kind: 'chat' },
      { id: 'ibx_2', name: 'Hotline', kind: 'phone' },
    ],
    counts: { contacts: 0, pendingContacts: 0, conversations: 0, openConversations: 0 },
    senderEmail: null,
    ...overrides,
  }
}
