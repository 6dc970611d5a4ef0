package mailbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"vouchdesk/backend/testutil"
)

func TestConfigCheck(t *testing.T) {
	ok := Config{Host: "imap.example.com", Port: 993, TLS: TLSImplicit, Username: "u"}
	tests := []struct {
		name    string
		change  func(*Config)
		wantErr string // "" = valid
	}{
		{"implicit TLS", func(*Config) {}, ""},
		{"STARTTLS", func(c *Config) { c.TLS, c.Port = TLSStartTLS, 143 }, ""},
		{"no TLS on 127.0.0.1", func(c *Config) { c.TLS, c.Host = TLSNone, "127.0.0.1" }, ""},
		{"no TLS on ::1", func(c *Config) { c.TLS, c.Host = TLSNone, "::1" }, ""},
		{"no TLS on localhost", func(c *Config) { c.TLS, c.Host = TLSNone, "localhost" }, ""},
		{"no TLS on a remote host", func(c *Config) { c.TLS = TLSNone }, "only for a server on this machine"},
		{"no TLS on a LAN address", func(c *Config) { c.TLS, c.Host = TLSNone, "192.168.1.10" }, "only for a server on this machine"},
		{"unknown TLS mode", func(c *Config) { c.TLS = "ssl" }, "unknown TLS mode"},
		{"empty TLS mode", func(c *Config) { c.TLS = "" }, "unknown TLS mode"},
		{"no host", func(c *Config) { c.Host = "" }, "host is empty"},
		{"port 0", func(c *Config) { c.Port = 0 }, "not between 1 and 65535"},
		{"port 70000", func(c *Config) { c.Port = 70000 }, "not between 1 and 65535"},
		{"no username", func(c *Config) { c.Username = "" }, "username is empty"},
		{"negative interval", func(c *Config) { c.PollInterval = -time.Second }, "negative"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.change(&c)
			err := c.Check()
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("Config{TLS: %q, Host: %q, Port: %d}.Check() = %v, want %q", c.TLS, c.Host, c.Port, err, tc.wantErr)
			}
			if _, werr := NewWatcher(c, newMemCheckpoints(), newRecorder().handle, nil, nil); (werr == nil) != (err == nil) {
				t.Errorf("NewWatcher() = %v, want the same verdict as Check (%v)", werr, err)
			}
		})
	}
}

// closedPort returns a port on 127.0.0.1 where nothing listens.
func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

func TestTestConnection(t *testing.T) {
	cert := testutil.NewTLSCert(t)
	otherCert := testutil.NewTLSCert(t)
	plain := newTestServer(t, serverOptions{})
	starttls := newTestServer(t, serverOptions{TLS: &cert, RequireTLSAuth: true})
	implicit := newTestServer(t, serverOptions{TLS: &cert, Implicit: true, RequireTLSAuth: true})

	// silent accepts connections and never says a word.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	silentPort := silent.Addr().(*net.TCPAddr).Port

	tests := []struct {
		name     string
		cfg      func() Config
		wantKind ErrorKind // "" = success
		wantMsg  string
	}{
		{"plain on loopback", plain.config, "", ""},
		{"STARTTLS, certificate trusted through RootCAs", starttls.config, "", ""},
		{"implicit TLS, certificate trusted through RootCAs", implicit.config, "", ""},
		{"STARTTLS, certificate not trusted", func() Config {
			c := starttls.config()
			c.RootCAs = otherCert.Pool
			return c
		}, ErrTLS, "the server's TLS certificate is not trusted"},
		{"STARTTLS, system roots", func() Config {
			c := starttls.config()
			c.RootCAs = nil
			return c
		}, ErrTLS, "the server's TLS certificate is not trusted"},
		{"implicit TLS, certificate not trusted", func() Config {
			c := implicit.config()
			c.RootCAs = otherCert.Pool
			return c
		}, ErrTLS, "the server's TLS certificate is not trusted"},
		{"STARTTLS on a server without it", func() Config {
			c := plain.config()
			c.TLS = TLSStartTLS
			return c
		}, ErrConfig, "does not offer STARTTLS"},
		{"implicit TLS on a plain port", func() Config {
			c := plain.config()
			c.TLS = TLSImplicit
			return c
		}, ErrTLS, "does not speak TLS"},
		{"STARTTLS on an implicit TLS port", func() Config {
			c := implicit.config()
			c.TLS = TLSStartTLS
			return c
		}, ErrTLS, "expect implicit TLS"},
		{"no TLS on an implicit TLS port", func() Config {
			c := implicit.config()
			c.TLS, c.RootCAs, c.Timeout = TLSNone, nil, 300*time.Millisecond
			return c
		}, ErrTimeout, "did not greet us within 300ms: the port may expect TLS"},
		{"no TLS on a server that requires it to log in", func() Config {
			c := starttls.config()
			c.TLS, c.RootCAs = TLSNone, nil
			return c
		}, ErrConfig, "only over TLS"},
		{"wrong password", func() Config {
			c := plain.config()
			c.Password = func() (string, error) { return "wrong-" + testPass, nil }
			return c
		}, ErrAuth, "authentication failed: check the username and password"},
		{"unknown user", func() Config {
			c := starttls.config()
			c.Username = "nobody@example.com"
			return c
		}, ErrAuth, "authentication failed"},
		{"password not available", func() Config {
			c := plain.config()
			c.Password = func() (string, error) { return "", errors.New("no keyring entry vouchdesk/imap") }
			return c
		}, ErrConfig, "password is not available: no keyring entry"},
		{"missing mailbox", func() Config {
			c := plain.config()
			c.Mailbox = "Verification"
			return c
		}, ErrMailbox, "the mailbox Verification does not exist"},
		{"nothing listening", func() Config {
			c := plain.config()
			c.Port = closedPort(t)
			return c
		}, ErrUnreachable, "cannot reach 127.0.0.1:"},
		{"server never greets", func() Config {
			c := plain.config()
			c.Port, c.Timeout = silentPort, 300*time.Millisecond
			return c
		}, ErrTimeout, "did not greet us within 300ms"},
		{"TLS handshake never answered", func() Config {
			c := implicit.config()
			c.Port, c.Timeout = silentPort, 300*time.Millisecond
			return c
		}, ErrTimeout, "did not complete a TLS handshake within 300ms"},
		{"none refused for a remote host", func() Config {
			c := plain.config()
			c.Host = "imap.example.com"
			return c
		}, ErrConfig, "only for a server on this machine"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg()
			start := time.Now()
			err := TestConnection(context.Background(), cfg)
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("TestConnection took %s, want it bounded by the timeout", d)
			}
			t.Logf("TestConnection: %v", err)
			if tc.wantKind == "" {
				if err != nil {
					t.Fatalf("TestConnection(%s) = %v, want nil", tc.name, err)
				}
				return
			}
			if KindOf(err) != tc.wantKind || !strings.Contains(fmt.Sprint(err), tc.wantMsg) {
				t.Errorf("TestConnection(%s) = %v (kind %q), want kind %q and %q", tc.name, err, KindOf(err), tc.wantKind, tc.wantMsg)
			}
			if strings.Contains(fmt.Sprint(err), testPass) {
				t.Errorf("TestConnection(%s) = %v, which contains the password", tc.name, err)
			}
		})
	}
}

func TestWrongPasswordIsReportedWithoutTheSecret(t *testing.T) {
	srv := newTestServer(t, serverOptions{})
	st, cp, acctID := storeAccount(t)
	cfg := srv.config()
	// The wrong password differs from the right one by a suffix, so neither may appear anywhere.
	wrong := testPass + "-typo"
	cfg.Password = func() (string, error) { return wrong, nil }
	var logs syncBuffer
	w := newTestWatcher(t, cfg, cp, newRecorder().handle, &logs)

	_, err := w.PollOnce(ctx)
	if KindOf(err) != ErrAuth {
		t.Fatalf("PollOnce() = %v, want an authentication error", err)
	}
	runWatcher(t, w)
	eventually(t, 5*time.Second, "several attempts", func() bool { return strings.Count(logs.String(), "authentication failed") >= 3 })

	s := w.Status()
	if !strings.HasPrefix(s.LastError, "authentication failed: check the username and password") || s.Connected {
		t.Errorf("Status() = %+v, want an authentication error and not connected", s)
	}
	saved, _ := st.MailboxCheckpoint(ctx, acctID, "INBOX")
	if !strings.Contains(saved.LastError, "authentication failed") {
		t.Errorf("MailboxCheckpoint().LastError = %q, want the authentication error", saved.LastError)
	}
	for what, text := range map[string]string{"error": err.Error(), "status": s.LastError, "log": logs.String(), "checkpoint": saved.LastError} {
		if strings.Contains(text, testPass) {
			t.Errorf("the %s contains the password: %q", what, text)
		}
	}
	if !strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("log = %q, want the failures logged as warnings", logs.String())
	}
}

func TestUnreachableServerInStatus(t *testing.T) {
	cfg := Config{Host: "127.0.0.1", Port: closedPort(t), TLS: TLSNone, Username: testUser,
		Password: func() (string, error) { return testPass, nil }, Timeout: time.Second}
	w := newTestWatcher(t, cfg, newMemCheckpoints(), newRecorder().handle, nil)
	runWatcher(t, w)
	want := fmt.Sprintf("cannot reach 127.0.0.1:%d", cfg.Port)
	eventually(t, 5*time.Second, "Status reports the unreachable server", func() bool {
		return strings.HasPrefix(w.Status().LastError, want)
	})
	if s := w.Status(); s.Connected || !s.LastPoll.IsZero() {
		t.Errorf("Status() = %+v, want not connected and never polled", s)
	}
}

func TestWatcherOverSTARTTLS(t *testing.T) {
	cert := testutil.NewTLSCert(t)
	srv := newTestServer(t, serverOptions{TLS: &cert, RequireTLSAuth: true})
	rec := newRecorder()
	w := newTestWatcher(t, srv.config(), newMemCheckpoints(), rec.handle, nil)
	runWatcher(t, w)
	waitIdling(t, w)
	uid := srv.deliver("INBOX", "over TLS", "x")
	if m := rec.wait(t, 2*time.Second); m.UID != uid {
		t.Errorf("handled UID %d, want %d", m.UID, uid)
	}
}
