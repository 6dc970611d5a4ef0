package store

import "fmt"

// AuditLinkRefused is the audit action written when the owner of an address answers a
// verification or confirmation link with "This wasn't me". Its detail names the address
// ("address", normalized), which LinkRefused reads back for the agent's contact panel.
const AuditLinkRefused = "verify.link_refused"

// LinkRefused reports whether the owner of address (normalized) refused a link sent in the
// conversation. The audit log is the record: a refusal changes nothing else that could hold it.
func (t *Tx) LinkRefused(orgID, conversationID, address string) (bool, error) {
	var refused bool
	err := t.tx.QueryRowContext(t.ctx, `SELECT EXISTS (SELECT 1 FROM audit_log WHERE entity_id = ? AND org_id = ?
		AND action = '`+AuditLinkRefused+`' AND json_extract(detail, '$.address') = ?)`, conversationID, orgID, address).Scan(&refused)
	if err != nil {
		return false, fmt.Errorf("store: link refused: %w", err)
	}
	return refused, nil
}
