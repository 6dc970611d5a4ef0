// Package integration is Vouch Desk's integration suite against real mail servers: Debian's
// Postfix (SMTP submission with STARTTLS and AUTH PLAIN through Dovecot's SASL) delivering over
// LMTP into Dovecot, read back over IMAP with STARTTLS. It drives the project's own outbox (queue,
// worker, SMTP transport) and checks what lands in the mailbox: delivery and headers, refusals
// (wrong password, untrusted certificate, plain text), 1,000-email throughput with and without a
// 30-second SMTP outage and across a kill -9 of vouchd mid-delivery (each email handed over once;
// only the ones in flight at the kill may be sent again), and the sender verified end to end by the
// engine's own mailbox watcher. With PostgreSQL, several vouchd nodes on one database: the outbox
// drained by two across a kill -9 of one, the mailbox watcher taken over when the leader is
// killed, and a chat live across nodes (nodes_test.go, livechat_nodes_test.go).
//
// The servers are started by scripts/mailservers.sh, and the whole suite by
// scripts/integration-test.sh, which exports the VOUCHDESK_IT_* variables the tests read (and
// VOUCHDESK_IT_POSTGRES, a private PostgreSQL for the multi-node tests only). Without
// VOUCHDESK_IT_SMTP_ADDR every test is skipped, so `go test ./...` stays self-contained.
package integration
