// Package idempotency keeps the agents' API's promise to a desktop that retries a write: the
// write goes with a client-made Idempotency-Key, and a retry with the same key never applies it
// twice (docs/api/agent.md, "Retries and Idempotency-Key"). It decides what a try gets (run the
// call, the first try's answer again, or a refusal) and keeps the records in the store; the HTTP
// side is package agentapi.
package idempotency

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"time"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/store"
)

// The rules' figures.
const (
	// MaxKeyLength bounds a key; a key is 1 to MaxKeyLength printable ASCII characters.
	MaxKeyLength = 100
	// Lifetime is how long a key is remembered: a retry later than this runs the call again.
	Lifetime = 24 * time.Hour
	// StaleAfter is how long a key may stay "in progress" before its outcome is called unknown:
	// no call of the API runs this long, so the server stopped between the call's commit and
	// the record of its answer (see Begin).
	StaleAfter = 10 * time.Minute
	// MaxAnswer bounds the answer body kept for a replay; a larger one is not kept.
	MaxAnswer = 1 << 20
	// Expired records are deleted at most sweepBatch at a time, at most once per sweepEvery.
	sweepEvery = time.Minute
	sweepBatch = 1000
)

// Error codes (the API's statuses for them are in agentapi).
const (
	CodeKeyInvalid     = "idempotency_key_invalid" // 400
	CodeInProgress     = "request_in_progress"     // 409, Retry-After 1
	CodeKeyReused      = "idempotency_key_reused"  // 422
	CodeOutcomeUnknown = "outcome_unknown"         // 409
	CodeAnswerNotKept  = "answer_not_kept"         // 409, on a replay
)

// Service decides and records.
type Service struct {
	db        *store.Store
	now       func() time.Time
	log       *slog.Logger
	key       []byte       // the fingerprints' HMAC key; nil: plain SHA-256
	lastSweep atomic.Int64 // unix ms of the last sweep's start
}

// Options are the service's settings; the zero value is usable.
type Options struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Log takes the sweeps' failures; nil discards them.
	Log *slog.Logger
	// Secret, when set, keys the bodies' fingerprints (HMAC-SHA-256 under a key derived from it,
	// so an existing secret such as the outbox's key can be given): a body that carries a
	// password cannot then be guessed back from the database by hashing candidate bodies. It
	// must stay the same across restarts (a retry across a change is refused as a reused key).
	// nil: plain SHA-256.
	Secret []byte
}

// New returns the service on db.
func New(db *store.Store, o Options) *Service {
	s := &Service{db: db, now: o.Now, log: o.Log}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Secret != nil {
		m := hmac.New(sha256.New, o.Secret)
		m.Write([]byte("vouchdesk idempotency fingerprints"))
		s.key = m.Sum(nil)
	}
	return s
}

// fingerprint is what the record keeps of a body.
func (s *Service) fingerprint(body []byte) []byte {
	if s.key == nil {
		sum := sha256.Sum256(body)
		return sum[:]
	}
	m := hmac.New(sha256.New, s.key)
	m.Write(body)
	return m.Sum(nil)
}

// CheckKey refuses a key that is not 1 to MaxKeyLength printable ASCII characters.
func CheckKey(key string) error {
	ok := len(key) >= 1 && len(key) <= MaxKeyLength
	for i := 0; ok && i < len(key); i++ {
		ok = key[i] >= 0x20 && key[i] <= 0x7e
	}
	if !ok {
		return &apperr.Error{Code: CodeKeyInvalid, Field: "Idempotency-Key", Message: fmt.Sprintf(
			"The Idempotency-Key header is the client's id for this write: 1 to %d printable ASCII characters (a UUID is a good one).", MaxKeyLength)}
	}
	return nil
}

// Scope is whose key it is: keys of different agents never meet.
type Scope struct{ OrgID, UserID string }

// Call is the write a key names: the same key with another method, path or body is refused.
type Call struct {
	Method, Path string
	Body         []byte
}

// Answer is what a finished call answered.
type Answer struct {
	Status int
	Body   []byte
	Kept   bool // false: the body was larger than MaxAnswer and only the status is known
}

// Begun is what a try gets: either it runs the call (Run, then Finish or Abandon with Ticket),
// or it is answered Replay without running it.
type Begun struct {
	Run    bool
	Ticket string
	Replay Answer
}

// Begin records key as in progress for the call and says to run it; for a key already recorded
// it answers the first try's answer (Replay), or refuses: CodeInProgress while the first try
// runs, CodeKeyReused when the call differs, CodeOutcomeUnknown when the first try has been in
// progress longer than StaleAfter.
//
// The record and the call's own writes are separate transactions: a server that stops after the
// call committed and before Finish leaves the key in progress. Nothing tells such a key from a
// call still running until StaleAfter has passed; after that it is CodeOutcomeUnknown until it
// expires, since running the call again could apply it twice and answering it done could lie.
func (s *Service) Begin(ctx context.Context, sc Scope, key string, c Call) (Begun, error) {
	if err := CheckKey(key); err != nil {
		return Begun{}, err
	}
	now := s.now()
	s.sweep(ctx, now)
	hash := s.fingerprint(c.Body)
	r := store.APIRequest{ID: store.NewID(), OrgID: sc.OrgID, UserID: sc.UserID, Key: key, Method: c.Method, Path: c.Path,
		BodyHash: hash, CreatedAt: now}
	prior, inserted, err := s.db.BeginAPIRequest(ctx, r, now.Add(-Lifetime))
	if err != nil {
		return Begun{}, err
	}
	if inserted {
		return Begun{Run: true, Ticket: r.ID}, nil
	}
	if prior.Method != c.Method || prior.Path != c.Path || !hmac.Equal(prior.BodyHash, hash) {
		return Begun{}, &apperr.Error{Code: CodeKeyReused, Field: "Idempotency-Key", Message: fmt.Sprintf(
			"This Idempotency-Key was already used for another write (%s %s, or another body). Use a new key for each write; send the same key only to retry the same write.",
			prior.Method, prior.Path)}
	}
	if prior.Status != 0 {
		return Begun{Replay: Answer{Status: prior.Status, Body: prior.Response, Kept: prior.Kept}}, nil
	}
	if now.Sub(prior.CreatedAt) >= StaleAfter {
		return Begun{}, &apperr.Error{Code: CodeOutcomeUnknown, Message: fmt.Sprintf(
			"The write first sent with this Idempotency-Key at %s never reported its outcome (the server stopped during it). It may or may not have been done: check (for example read the conversation or contact again) before sending it again with a new key.",
			prior.CreatedAt.Format(time.RFC3339))}
	}
	return Begun{}, &apperr.Error{Code: CodeInProgress, Message: "A write with this Idempotency-Key is still running. Retry in a moment with the same key to get its answer."}
}

// Finish records the answer of the call Begin said to run. A body larger than MaxAnswer is not
// kept: a replay then says the write was done and with which status, without its body. ctx
// should outlive the client: the call is done whether or not the client still listens.
func (s *Service) Finish(ctx context.Context, ticket string, status int, body []byte) error {
	kept := len(body) <= MaxAnswer
	if !kept {
		body = nil
	}
	return s.db.FinishAPIRequest(ctx, ticket, status, body, kept, s.now())
}

// Abandon forgets the key of a call that was not done (it failed on the server, panicked, or the
// client went away before it answered): a retry with the key runs the call again.
func (s *Service) Abandon(ctx context.Context, ticket string) error {
	return s.db.AbandonAPIRequest(ctx, ticket)
}

// sweep deletes a batch of expired records, at most once per sweepEvery for this process: the
// table stays about one day of writes without a job of its own. A failure is only logged; the
// next sweep tries again, and an expired record is never answered from (BeginAPIRequest).
func (s *Service) sweep(ctx context.Context, now time.Time) {
	last := s.lastSweep.Load()
	if now.UnixMilli()-last < sweepEvery.Milliseconds() || !s.lastSweep.CompareAndSwap(last, now.UnixMilli()) {
		return
	}
	if _, err := s.db.DeleteAPIRequestsBefore(context.WithoutCancel(ctx), now.Add(-Lifetime), sweepBatch); err != nil {
		s.log.Error("idempotency: deleting expired keys", "err", err)
	}
}
