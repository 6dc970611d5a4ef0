package textrules

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

func TestCleanName(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain", "Ada Lovelace", "Ada Lovelace"},
		{"trimmed", "  Ada  ", "Ada"},
		{"CRLF folds into a space", "Ada\r\nLovelace", "Ada Lovelace"},
		{"tabs, NBSP, line separator fold", "Ada\t\u00a0\u2028Lovelace", "Ada Lovelace"},
		{"empty stays empty", " \u200b ", ""},
		{"zero-width space stripped", "A\u200bda", "Ada"},
		{"BOM and word joiner stripped", "\ufeffAda\u2060", "Ada"},
		{"direction marks stripped", "\u200fAda\u200e", "Ada"},
		{"soft hyphen stripped", "Lo\u00advelace", "Lovelace"},
		{"Hangul filler stripped", "\u3164", ""},
		{"ZWNJ kept in Persian", "می\u200cخواهم", "می\u200cخواهم"},
		{"ZWJ and VS16 kept in emoji", "👩\u200d💻 Ada ❤\ufe0f", "👩\u200d💻 Ada ❤\ufe0f"},
		{"tag sequence kept", "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f", "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"},
		{"200 emoji", strings.Repeat("😀", 200), strings.Repeat("😀", 200)},
		{"counted after cleaning", strings.Repeat("a\u200b", 200), strings.Repeat("a", 200)},
	} {
		got, err := CleanName(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("%s: CleanName(%q) = %q, %v, want %q, nil", tc.name, tc.in, got, err, tc.want)
		}
	}
}

func TestCleanNameRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     error
	}{
		{"NUL", "Ada\x00", ErrNameControl},
		{"ESC", "Ada\x1b[2J", ErrNameControl},
		{"DEL", "Ada\x7f", ErrNameControl},
		{"C1 CSI", "Ada\u009b", ErrNameControl},
		{"right-to-left override", "Ada\u202egnp.exe", ErrNameControl},
		{"left-to-right embedding", "\u202aAda", ErrNameControl},
		{"pop directional formatting", "Ada\u202c", ErrNameControl},
		{"right-to-left isolate", "\u2067Ada", ErrNameControl},
		{"pop directional isolate", "Ada\u2069", ErrNameControl},
		{"invalid UTF-8", "Ada\xff", ErrNameNotText},
		{"201 characters", strings.Repeat("a", 201), ErrNameTooLong},
	} {
		got, err := CleanName(tc.in)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: CleanName(%q) = %q, %v, want %v", tc.name, tc.in, got, err, tc.want)
		}
	}
}

func TestCleanBody(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain", "Hello", "Hello"},
		{"trimmed", "  Hello\n\n", "Hello"},
		{"newlines and tabs kept", "a\n\tb", "a\n\tb"},
		{"CRLF and lone CR become LF", "a\r\nb\rc", "a\nb\nc"},
		{"NUL dropped", "a\x00b", "ab"},
		{"ESC dropped, the rest of the sequence stays text", "\x1b[31mred", "[31mred"},
		{"C1 and DEL dropped", "a\u009b\u0085\x7fb", "ab"},
		{"right-to-left override dropped", "file\u202egnp.exe", "filegnp.exe"},
		{"embeddings and pop dropped", "\u202a\u202b\u202c\u202da", "a"},
		{"isolates dropped", "\u2066\u2067\u2068a\u2069", "a"},
		{"zero-width space, word joiner, BOM dropped", "a\u200b\u2060\ufeffb", "ab"},
		{"direction marks kept", "שלום\u200f!", "שלום\u200f!"},
		{"ZWNJ kept", "می\u200cخواهم", "می\u200cخواهم"},
		{"ZWJ emoji kept", "👩\u200d👩\u200d👧", "👩\u200d👩\u200d👧"},
		{"invalid UTF-8 replaced", "a\xffb", "a\ufffdb"},
		{"4000 after dropping", strings.Repeat("a\x00", 4000), strings.Repeat("a", 4000)},
	} {
		got, err := CleanBody(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("%s: CleanBody(%q) = %q, %v, want %q, nil", tc.name, tc.in, got, err, tc.want)
		}
	}
}

func TestCleanBodyRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     error
	}{
		{"empty", "", ErrEmptyMessage},
		{"only space", " \n\t ", ErrEmptyMessage},
		{"only dropped characters", "\x00\x1b\u202e\u200b", ErrEmptyMessage},
		{"4001 characters", strings.Repeat("a", 4001), ErrMessageTooLong},
		{"4001 emoji", strings.Repeat("😀", 4001), ErrMessageTooLong},
	} {
		got, err := CleanBody(tc.in)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: CleanBody(%q) = %q, %v, want %v", tc.name, tc.in, got, err, tc.want)
		}
	}
}

func TestShowBodyLeavesCleanTextAlone(t *testing.T) {
	s := "Grüße, שלום 👩\u200d💻\n\tok"
	if got := ShowBody(s); got != s {
		t.Errorf("ShowBody(%q) = %q, want it unchanged", s, got)
	}
	if n := testing.AllocsPerRun(100, func() { ShowBody(s) }); n != 0 {
		t.Errorf("ShowBody(clean text) allocates %v times, want 0", n)
	}
}

// Every invisible character is refused in an email, wherever it stands (spaces around an address
// are trimmed, as typed space is).
func TestNormalizeEmailRefusesInvisible(t *testing.T) {
	for _, r := range []rune{0x00, 0x1b, 0x7f, 0x85, 0xa0, 0xad, 0x200b, 0x200c, 0x200d, 0x200e, 0x200f,
		0x202a, 0x202e, 0x2060, 0x2066, 0x2069, 0x3164, 0xfe0f, 0xfeff, 0xe0001} {
		in := []string{"ad" + string(r) + "a@example.com", "ada@exam" + string(r) + "ple.com"}
		if !unicode.IsSpace(r) {
			in = append(in, "ada@example.com"+string(r))
		}
		for _, in := range in {
			if norm, _, err := NormalizeEmail(in); !errors.Is(err, ErrBadEmail) {
				t.Errorf("NormalizeEmail(%q) = %q, %v, want ErrBadEmail", in, norm, err)
			}
		}
	}
}

// The clients' hint must never turn away an address the server takes.
func TestEmailHintAcceptsWhatNormalizeEmailAccepts(t *testing.T) {
	hint := regexp.MustCompile(EmailHint)
	for _, in := range []string{"ada@example.com", "Ada.Lovelace+desk@Example.COM", "jörg@bücher.de",
		"x@xn--bcher-kva.de", "o'brien@example.co.uk", "a_b-c@sub.example.org", "1@2.io"} {
		if _, _, err := NormalizeEmail(in); err != nil {
			t.Fatalf("NormalizeEmail(%q) = %v, want it accepted (fix the table)", in, err)
		}
		if !hint.MatchString(in) {
			t.Errorf("EmailHint.MatchString(%q) = false, want true (NormalizeEmail accepts it)", in)
		}
	}
}

// The committed TypeScript module is what the generator writes now: run
// `go generate ./backend/textrules` after changing a rule.
func TestGeneratedTypeScriptIsCurrent(t *testing.T) {
	path := filepath.Join("..", "..", GeneratedPath)
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := TypeScript(); string(got) != string(want) {
		t.Errorf("%s differs from TypeScript(): run go generate ./backend/textrules and commit it", GeneratedPath)
	}
}

func TestTypeScriptClasses(t *testing.T) {
	for _, tc := range []struct {
		in   func(rune) bool
		want string
	}{
		{func(r rune) bool { return r == 'a' }, `\u0061`},
		{func(r rune) bool { return r == 'a' || r == 'b' }, `\u0061\u0062`},
		{func(r rune) bool { return r >= 'a' && r <= 'c' }, `\u0061-\u0063`},
		{func(r rune) bool { return r == 0xe0001 }, `\u{E0001}`},
	} {
		if got := ranges(tc.in); got != tc.want {
			t.Errorf("ranges(...) = %s, want %s", got, tc.want)
		}
	}
}
