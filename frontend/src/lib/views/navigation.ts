export type IconName = 'inbox' | 'contacts' | 'organization' | 'settings'

export type ViewId = 'inbox' | 'contacts' | 'organization' | 'settings'

export interface NavItem {
  id: ViewId
  label: string
  icon: IconName
}

export const NAV_ITEMS: readonly NavItem[] = [
  { id: 'inbox', label: 'Inbox', icon: 'inbox' },
  { id: 'contacts', label: 'Contacts', icon: 'contacts' },
  { id: 'organization', label: 'Organization', icon: 'organization' },
  { id: 'settings', label: 'Settings', icon: 'settings' },
]

/** The parts of the Organization view, each reachable directly. */
export type OrgSection = 'address' | 'mail-accounts' | 'delivery-log' | 'agents'

export interface OrgSectionItem {
  id: OrgSection
  label: string
}

export const ORG_SECTIONS: readonly OrgSectionItem[] = [
  { id: 'address', label: 'Address' },
  { id: 'mail-accounts', label: 'Mail accounts' },
  { id: 'delivery-log', label: 'Delivery log' },
  { id: 'agents', label: 'Agents' },
]

/** Where a link inside a view may take the person. */
export type Destination = { view: 'organization'; section: OrgSection } | { view: Exclude<ViewId, 'organization'> }
