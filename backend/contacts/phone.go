package contacts

import (
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// MaxPhoneLength is the longest phone value accepted as typed (digits, spaces, punctuation and an
// extension); E.164 itself is at most 15 digits.
const MaxPhoneLength = 40

// Why a phone number is refused. Each is a reason a person can act on.
var (
	ErrPhoneEmpty      = errors.New("enter a phone number")
	ErrPhoneNoRegion   = errors.New("start the number with + and the country code, or set the organization's country")
	ErrPhoneNotNumber  = errors.New("not a phone number")
	ErrPhoneTooShort   = errors.New("the number is too short")
	ErrPhoneTooLong    = errors.New("the number is too long")
	ErrPhoneBadCountry = errors.New("unknown country code")
	ErrPhoneInvalid    = errors.New("no such number exists in its country's numbering plan")
)

// NormalizePhone returns the identity form of a phone number (E.164: "+" and up to 15 digits) and
// the form to display (the international format, "+1 202-555-0143").
//
// region is the ISO 3166 country used to read a national number ("(202) 555-0143" with region
// "US"); it comes from the organization's country. A number written with "+" or "00" and a
// country code needs no region. The number must be valid in its country's numbering plan, as
// github.com/nyaruka/phonenumbers (a port of Google's libphonenumber, kept current with its
// metadata) knows it; letters, control characters and several numbers in one value are refused.
func NormalizePhone(raw, region string) (norm, display string, err error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", "", ErrPhoneEmpty
	}
	if len(s) > MaxPhoneLength || !utf8.ValidString(s) {
		return "", "", ErrPhoneTooLong
	}
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune(" +-().", r):
		default:
			// Vanity letters, extensions and anything else: refused rather than guessed at.
			return "", "", ErrPhoneNotNumber
		}
	}
	if digits < 3 {
		return "", "", ErrPhoneTooShort
	}
	if strings.HasPrefix(s, "00") {
		s = "+" + s[2:]
	}
	region = strings.ToUpper(strings.TrimSpace(region))
	if !strings.HasPrefix(s, "+") && region == "" {
		return "", "", ErrPhoneNoRegion
	}
	if region == "" {
		region = "ZZ" // "unknown": only numbers with a country code parse
	}
	num, perr := phonenumbers.Parse(s, region)
	if perr != nil {
		switch {
		case errors.Is(perr, phonenumbers.ErrInvalidCountryCode):
			if !strings.HasPrefix(s, "+") {
				return "", "", ErrPhoneNoRegion
			}
			return "", "", ErrPhoneBadCountry
		case errors.Is(perr, phonenumbers.ErrTooShortNSN), errors.Is(perr, phonenumbers.ErrTooShortAfterIDD):
			return "", "", ErrPhoneTooShort
		case errors.Is(perr, phonenumbers.ErrNumTooLong):
			return "", "", ErrPhoneTooLong
		}
		return "", "", ErrPhoneNotNumber
	}
	switch phonenumbers.IsPossibleNumberWithReason(num) {
	case phonenumbers.TOO_SHORT:
		return "", "", ErrPhoneTooShort
	case phonenumbers.TOO_LONG:
		return "", "", ErrPhoneTooLong
	case phonenumbers.INVALID_COUNTRY_CODE:
		return "", "", ErrPhoneBadCountry
	}
	if !phonenumbers.IsValidNumber(num) {
		return "", "", ErrPhoneInvalid
	}
	return phonenumbers.Format(num, phonenumbers.E164), phonenumbers.Format(num, phonenumbers.INTERNATIONAL), nil
}

// ValidRegion reports whether region is a country phonenumbers knows ("US", "DE", ...).
func ValidRegion(region string) bool {
	_, ok := phonenumbers.GetSupportedRegions()[strings.ToUpper(region)]
	return ok
}
