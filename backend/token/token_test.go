package token

import (
	"bytes"
	"testing"
)

func TestNewLink(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		p, h := NewLink()
		if !IsLinkShaped(p) || !bytes.Equal(h, Hash(p)) || len(h) != 32 || seen[p] {
			t.Fatalf("NewLink() = %q (shaped %v, seen %v)", p, IsLinkShaped(p), seen[p])
		}
		seen[p] = true
	}
	for _, s := range []string{"", "short", "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"} {
		if IsLinkShaped(s) {
			t.Errorf("IsLinkShaped(%q) = true", s)
		}
	}
}

func TestNewCode(t *testing.T) {
	counts := [10]int{}
	for i := 0; i < 2000; i++ {
		c, h := NewCode(6)
		if len(c) != 6 || !bytes.Equal(h, Hash(c)) {
			t.Fatalf("NewCode(6) = %q", c)
		}
		for _, r := range c {
			if r < '0' || r > '9' {
				t.Fatalf("NewCode(6) = %q has a non-digit", c)
			}
			counts[r-'0']++
		}
	}
	for d, n := range counts { // 12,000 digits: each expected ~1,200
		if n < 900 || n > 1500 {
			t.Errorf("digit %d appeared %d times in 12,000: not uniform", d, n)
		}
	}
}
