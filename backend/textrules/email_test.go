package textrules

import "testing"

func TestNormalizeEmail(t *testing.T) {
	for _, tc := range []struct {
		in, norm, display string
	}{
		{"ada@example.com", "ada@example.com", "ada@example.com"},
		{"  Ada.Lovelace+desk@Example.COM ", "ada.lovelace+desk@example.com", "Ada.Lovelace+desk@Example.COM"},
		{"jörg@bücher.de", "jörg@xn--bcher-kva.de", "jörg@bücher.de"},
		{"x@xn--bcher-kva.de", "x@xn--bcher-kva.de", "x@xn--bcher-kva.de"},
	} {
		norm, display, err := NormalizeEmail(tc.in)
		if err != nil || norm != tc.norm || display != tc.display {
			t.Errorf("NormalizeEmail(%q) = %q, %q, %v; want %q, %q, nil", tc.in, norm, display, err, tc.norm, tc.display)
		}
	}
}

func TestNormalizeEmailRefuses(t *testing.T) {
	for _, in := range []string{
		"", "   ", "ada", "ada@", "@example.com", "ada@example", "ada@example.",
		"Ada <ada@example.com>", "ada@example.com, bob@example.com",
		"ada@example.com\r\nBcc: victim@example.com", "ada\n@example.com", "a da@example.com",
		"<script>@example.com", string([]byte{0xff, 0xfe}) + "@example.com",
		"a@" + string(make([]byte, 300)),
	} {
		if norm, _, err := NormalizeEmail(in); err == nil {
			t.Errorf("NormalizeEmail(%q) = %q, nil; want an error", in, norm)
		}
	}
}

func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{"ada@example.com", "A@B.C", "x\r\n@y.z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		norm, _, err := NormalizeEmail(in)
		if err != nil {
			return
		}
		// A normalized address is stable and never carries anything that could split a header.
		again, _, err := NormalizeEmail(norm)
		if err != nil || again != norm {
			t.Fatalf("NormalizeEmail(NormalizeEmail(%q) = %q) = %q, %v", in, norm, again, err)
		}
		for _, r := range norm {
			if r == '\r' || r == '\n' {
				t.Fatalf("NormalizeEmail(%q) = %q contains CR/LF", in, norm)
			}
		}
	})
}

func TestMailingForm(t *testing.T) {
	for _, tc := range []struct {
		in, addr  string
		utf8Local bool
	}{
		{"ada@example.com", "ada@example.com", false},
		{" Ada.Lovelace+Desk@Example.COM ", "Ada.Lovelace+Desk@example.com", false},
		{"x@bücher.de", "x@xn--bcher-kva.de", false},
		{"x@xn--bcher-kva.de", "x@xn--bcher-kva.de", false},
		{"José@bücher.de", "José@xn--bcher-kva.de", true},
		{"用户@例子.广告", "用户@xn--fsqu00a.xn--4rr70v", true},
	} {
		addr, utf8Local, err := MailingForm(tc.in)
		if err != nil || addr != tc.addr || utf8Local != tc.utf8Local {
			t.Errorf("MailingForm(%q) = %q, %v, %v; want %q, %v, nil", tc.in, addr, utf8Local, err, tc.addr, tc.utf8Local)
		}
	}
	if addr, _, err := MailingForm("Ada <ada@example.com>"); err == nil {
		t.Errorf("MailingForm(a display name) = %q, nil; want an error", addr)
	}
}
