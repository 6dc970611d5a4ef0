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
