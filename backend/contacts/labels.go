package contacts

import "vouchdesk/backend/store"

// VerifiedLabel is how a verification reads beside its field: "Verified by Google Sign-In",
// "Verified by Email OTP", "Verified by system", "Verified by <agent's name>", ... One place,
// so the chat panel, the contact view and the Manage popup say the same.
func VerifiedLabel(method, actorName string) string {
	switch method {
	case store.MethodGoogle:
		return "Verified by Google Sign-In"
	case store.MethodEmailOTP:
		return "Verified by Email OTP"
	case store.MethodEmailLink:
		return "Verified by email link"
	case store.MethodDoubleOptIn:
		return "Verified by double opt-in confirmation"
	case store.MethodSystem:
		return "Verified by system"
	case store.MethodAgent:
		if actorName != "" {
			return "Verified by " + actorName
		}
		return "Verified by an agent"
	}
	return ""
}

// NotVerified is the label of a field with no standing verification.
const NotVerified = "Not verified"
