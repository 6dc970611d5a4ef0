package google

import (
	"errors"
	"fmt"
)

// Reason says why a token was refused (or could not be checked). Callers branch on it to pick
// the message the customer sees in the widget and to record the attempt; the strings are stable
// and safe to store.
type Reason string

// The reasons. The first group are refusals of the token itself; the last two are not the
// customer's fault and a retry may succeed (unavailable) or the server is set up wrongly (config).
const (
	ReasonMalformed        Reason = "malformed"          // not a compact JWS with a JSON header and claims, or oversized
	ReasonAlgorithm        Reason = "algorithm"          // alg is not RS256 (none, HS256, ...)
	ReasonUnknownKey       Reason = "unknown_key"        // kid is not among the issuer's keys, even after a refresh
	ReasonSignature        Reason = "signature"          // the signature does not verify with the issuer's keys
	ReasonIssuer           Reason = "issuer"             // iss is not the configured issuer
	ReasonAudience         Reason = "audience"           // aud does not contain our client ID
	ReasonExpired          Reason = "expired"            // exp has passed
	ReasonNotYetValid      Reason = "not_yet_valid"      // iat or nbf is in the future (beyond the clock skew)
	ReasonMissingClaim     Reason = "missing_claim"      // sub, email, exp or iat is absent
	ReasonEmailNotVerified Reason = "email_not_verified" // email_verified is false or absent

	ReasonUnavailable Reason = "unavailable" // the issuer's discovery document or keys could not be fetched
	ReasonConfig      Reason = "config"      // the Config is unusable (no client ID, bad issuer URL, ...)
)

// Error is every error this package returns from New and Verify. Detail is for logs and the
// record of the attempt, not for the customer: it may quote (length-limited) parts of the token.
type Error struct {
	Reason Reason
	Detail string
	// Err is the underlying cause, if any (an HTTP error, a context error).
	Err error
}

func (e *Error) Error() string {
	msg := "google sign-in: " + string(e.Reason)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrExpired) and friends match on the reason alone.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Reason == e.Reason
}

// Refusal reports whether the token itself was refused (forged, expired, meant for someone
// else, ...), as opposed to the check being impossible right now or misconfigured.
func (e *Error) Refusal() bool {
	return e.Reason != ReasonUnavailable && e.Reason != ReasonConfig
}

// Sentinels for errors.Is; each matches any *Error with the same Reason.
var (
	ErrMalformed        = &Error{Reason: ReasonMalformed}
	ErrAlgorithm        = &Error{Reason: ReasonAlgorithm}
	ErrUnknownKey       = &Error{Reason: ReasonUnknownKey}
	ErrSignature        = &Error{Reason: ReasonSignature}
	ErrIssuer           = &Error{Reason: ReasonIssuer}
	ErrAudience         = &Error{Reason: ReasonAudience}
	ErrExpired          = &Error{Reason: ReasonExpired}
	ErrNotYetValid      = &Error{Reason: ReasonNotYetValid}
	ErrMissingClaim     = &Error{Reason: ReasonMissingClaim}
	ErrEmailNotVerified = &Error{Reason: ReasonEmailNotVerified}
	ErrUnavailable      = &Error{Reason: ReasonUnavailable}
	ErrConfig           = &Error{Reason: ReasonConfig}
)

// ReasonOf returns the reason of an error from this package, or "" for any other error.
func ReasonOf(err error) Reason {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

func fail(r Reason, format string, args ...any) *Error {
	return &Error{Reason: r, Detail: fmt.Sprintf(format, args...)}
}

func failErr(r Reason, err error, format string, args ...any) *Error {
	return &Error{Reason: r, Detail: fmt.Sprintf(format, args...), Err: err}
}

// quote shows an attacker-chosen string in an error without letting it grow the log line.
func quote(s string) string {
	const limit = 64
	if len(s) > limit {
		return fmt.Sprintf("%q...", s[:limit])
	}
	return fmt.Sprintf("%q", s)
}
