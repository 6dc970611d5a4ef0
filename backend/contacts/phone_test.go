package contacts

import (
	"errors"
	"testing"
)

func TestNormalizePhone(t *testing.T) {
	for _, tc := range []struct {
		in, region, norm, display string
	}{
		{"+1 202-555-0143", "", "+12025550143", "+1 202-555-0143"},
		{"(202) 555-0143", "US", "+12025550143", "+1 202-555-0143"},
		{" 202.555.0143 ", "us", "+12025550143", "+1 202-555-0143"},
		{"0030 210 3311 000", "", "+302103311000", "+30 21 0331 1000"},
		{"030 901820", "DE", "+4930901820", "+49 30 901820"},
		{"+4930901820", "US", "+4930901820", "+49 30 901820"},
		{"020 7946 0958", "GB", "+442079460958", "+44 20 7946 0958"},
	} {
		norm, display, err := NormalizePhone(tc.in, tc.region)
		if err != nil || norm != tc.norm || display != tc.display {
			t.Errorf("NormalizePhone(%q, %q) = %q, %q, %v; want %q, %q, nil", tc.in, tc.region, norm, display, err, tc.norm, tc.display)
		}
	}
}

func TestNormalizePhoneRefuses(t *testing.T) {
	for _, tc := range []struct {
		in, region string
		want       error
	}{
		{"", "US", ErrPhoneEmpty},
		{"   ", "US", ErrPhoneEmpty},
		{"202 555 0143", "", ErrPhoneNoRegion},
		{"1-800-FLOWERS", "US", ErrPhoneNotNumber},
		{"+1 202 555 0143\r\nBcc: x@example.com", "", ErrPhoneNotNumber},
		{"<script>", "US", ErrPhoneNotNumber},
		{"12", "US", ErrPhoneTooShort},
		{"+999 1234 5678", "", ErrPhoneBadCountry},
		{"+1 202 555 01430000", "", ErrPhoneTooLong},
		{"+1 000 000 0000", "", ErrPhoneInvalid},
		{"+1 202 555 0143, +1 202 555 0144", "", ErrPhoneNotNumber},
	} {
		norm, _, err := NormalizePhone(tc.in, tc.region)
		if !errors.Is(err, tc.want) {
			t.Errorf("NormalizePhone(%q, %q) = %q, %v; want %v", tc.in, tc.region, norm, err, tc.want)
		}
	}
}
