package services

// Workspace describes the organization for the navigation shell and its empty states.
type Workspace struct{ b *Backend }

// NewWorkspace returns the Workspace service.
func NewWorkspace(b *Backend) *Workspace { return &Workspace{b: b} }

// Inbox is an inbox as the shell lists it.
type Inbox struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Kind string `json:"kind"`
}

// Counts are the organization's totals.
type Counts struct {
	Contacts          int `json:"contacts"`
	PendingContacts   int `json:"pendingContacts"`
	Conversations     int `json:"conversations"`
	OpenConversations int `json:"openConversations"`
}

// SenderEmail is the organization's sender email state.
type SenderEmail struct {
	Address string `json:"address"`
	Status  string `json:"status"`
}

// Overview is the shell's summary of the organization.
type Overview struct {
	Organization Organization `json:"organization"`
	Inboxes      []Inbox      `json:"inboxes"`
	Counts       Counts       `json:"counts"`
	SenderEmail  *SenderEmail `json:"senderEmail"`
}

// Overview reads the organization's inboxes, counts and sender email state.
func (w *Workspace) Overview() (Overview, error) {
	ctx, e, ws, err := w.b.workspace()
	if err != nil {
		return Overview{}, w.b.jsError("workspace.overview", err)
	}
	sum, err := e.Org.Summarize(ctx, ws.Organization)
	if err != nil {
		return Overview{}, w.b.jsError("workspace.overview", err)
	}
	ov := Overview{Organization: Organization{ID: ws.Organization.ID, Name: ws.Organization.Name},
		Inboxes: []Inbox{}, Counts: Counts(sum.Counts)}
	for _, i := range sum.Inboxes {
		ov.Inboxes = append(ov.Inboxes, Inbox{ID: i.ID, Name: i.Name, Kind: i.Kind})
	}
	if sum.SenderStatus != "" {
		ov.SenderEmail = &SenderEmail{Address: sum.SenderAddress, Status: sum.SenderStatus}
	}
	return ov, nil
}
