package google

import (
	"slices"
	"testing"
)

func TestIssuerSpellingsTable(t *testing.T) {
	tests := []struct {
		issuer string
		want   []string
	}{
		{"https://accounts.google.com", []string{"https://accounts.google.com", "accounts.google.com"}},
		{"https://login.example.com:8443", []string{"https://login.example.com:8443", "login.example.com:8443"}},
		{"http://127.0.0.1:5556", []string{"http://127.0.0.1:5556", "127.0.0.1:5556"}},
		{"https://login.example.com/tenant", []string{"https://login.example.com/tenant"}},
		{"https://login.example.com/", []string{"https://login.example.com/"}},
	}
	for _, tt := range tests {
		got, err := issuerSpellings(tt.issuer)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("issuerSpellings(%q) = %q, %v; want %q", tt.issuer, got, err, tt.want)
		}
	}
}
