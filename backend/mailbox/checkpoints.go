package mailbox

import (
	"context"
	"errors"
	"time"

	"vouchdesk/backend/store"
)

// StoreCheckpoints keeps the checkpoints of one mail account in the database
// (mailbox_checkpoints). The account's mail_accounts row must exist.
func StoreCheckpoints(st *store.Store, orgID, accountID string) Checkpoints {
	return storeCheckpoints{st: st, orgID: orgID, accountID: accountID}
}

type storeCheckpoints struct {
	st               *store.Store
	orgID, accountID string
}

func (s storeCheckpoints) Load(ctx context.Context, mailbox string) (uint32, uint32, bool, error) {
	cp, err := s.st.MailboxCheckpoint(ctx, s.accountID, mailbox)
	if errors.Is(err, store.ErrNotFound) {
		return 0, 0, false, nil
	}
	if err != nil {
		return 0, 0, false, err
	}
	return cp.UIDValidity, cp.LastUID, true, nil
}

func (s storeCheckpoints) Save(ctx context.Context, mailbox string, uidValidity, lastUID uint32, lastErr string) error {
	return s.st.SaveMailboxCheckpoint(ctx, store.MailboxCheckpoint{
		AccountID: s.accountID, OrgID: s.orgID, Mailbox: mailbox,
		UIDValidity: uidValidity, LastUID: lastUID, LastPollAt: time.Now(), LastError: lastErr,
	})
}
