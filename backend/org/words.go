package org

import "vouchdesk/backend/store"

// The organization's vocabulary, named here so that the layers above the domain (the desktop's
// services) speak of agents, organizations and inboxes without reaching into the store.
type (
	Organization = store.Organization
	Agent        = store.User
	Inbox        = store.Inbox
)

// Inbox kinds.
const (
	InboxChat  = store.InboxChat
	InboxPhone = store.InboxPhone
)
