package datadir

import (
	"path/filepath"
	"testing"
)

func TestForOS(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, tc := range []struct {
		goos string
		env  map[string]string
		home string
		want string
	}{
		{"linux", nil, "/home/ada", filepath.Join("/home/ada", ".local", "share", "vouchdesk")},
		{"linux", map[string]string{"XDG_DATA_HOME": "/data/ada"}, "/home/ada", filepath.Join("/data/ada", "vouchdesk")},
		{"linux", map[string]string{"XDG_DATA_HOME": "relative"}, "/home/ada", filepath.Join("/home/ada", ".local", "share", "vouchdesk")},
		{"freebsd", nil, "/home/ada", filepath.Join("/home/ada", ".local", "share", "vouchdesk")},
		{"darwin", nil, "/Users/ada", filepath.Join("/Users/ada", "Library", "Application Support", "Vouch Desk")},
		{"windows", map[string]string{"LOCALAPPDATA": `C:\Users\ada\AppData\Local`}, `C:\Users\ada`, filepath.Join(`C:\Users\ada\AppData\Local`, "Vouch Desk")},
		{"windows", nil, `C:\Users\ada`, filepath.Join(`C:\Users\ada`, "AppData", "Local", "Vouch Desk")},
		{"linux", map[string]string{EnvOverride: "/tmp/x/"}, "/home/ada", "/tmp/x"},
	} {
		got, err := forOS(tc.goos, env(tc.env), tc.home)
		if err != nil || got != tc.want {
			t.Errorf("forOS(%s, %v, %s) = %q, %v; want %q", tc.goos, tc.env, tc.home, got, err, tc.want)
		}
	}
	if _, err := forOS("linux", env(nil), ""); err == nil {
		t.Error("forOS with no home and no override succeeded; want an error")
	}
}
