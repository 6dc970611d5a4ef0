// Package config reads the vouchd configuration file (TOML). It checks every key and value and
// names the one that is wrong, so a server with a bad configuration never starts. Secrets are
// never read from this file: they come from the environment or from files it points to.
package config

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"vouchdesk/backend/store"

	"github.com/BurntSushi/toml"
)

// Config is the vouchd configuration. Every field is documented in docs/vouchd.md.
type Config struct {
	// Database is the path of the SQLite file (relative paths are relative to the config file), or
	// the postgres:// URL of a PostgreSQL database, its password in PGPASSWORD or PGPASSFILE.
	Database string `toml:"database"`
	HTTP     HTTP   `toml:"http"`
	Log      Log    `toml:"log"`
	// Organization sets up a database that has none (vouchd has no first-run screen).
	Organization Organization `toml:"organization"`
	// SMTP is the outgoing relay; IMAP the sender's mailbox to watch; BounceIMAP, optional, a
	// separate mailbox for the relay's delivery reports: its Address becomes the envelope sender
	// of every email. Passwords come from the environment (VOUCHD_SMTP_PASSWORD /
	// VOUCHD_IMAP_PASSWORD / VOUCHD_BOUNCE_PASSWORD or their _FILE variants).
	SMTP       *MailAccount `toml:"smtp"`
	IMAP       *MailAccount `toml:"imap"`
	BounceIMAP *MailAccount `toml:"bounce_imap"`
	// Google overrides where Google Sign-In's tokens and script come from (tests, enterprise
	// proxies); empty fields mean Google's own.
	Google Google `toml:"google"`
	// Widget tunes the widget server's limits.
	Widget Widget `toml:"widget"`
}

// Widget is the [widget] section.
type Widget struct {
	Live Live `toml:"live"`
}

// Live is [widget.live]: engine.Config's WidgetLimits.Live (widget.LiveCaps), the caps on live
// WebSockets open at once. 0 or absent takes the default (docs/vouchd.md).
type Live struct {
	PerSession int `toml:"per_session"`
	PerAddress int `toml:"per_address"`
	PerServer  int `toml:"per_server"`
}

// Google is the [google] section: engine.Config's GoogleIssuerURL and GoogleScriptURL.
type Google struct {
	// IssuerURL is the OpenID Connect issuer ID tokens are checked against.
	IssuerURL string `toml:"issuer_url"`
	// ScriptURL is the Google Identity Services script the widget loads.
	ScriptURL string `toml:"script_url"`
}

// Organization is the headless first run, and the sender email to use.
type Organization struct {
	Name       string `toml:"name"`
	OwnerName  string `toml:"owner_name"`
	OwnerEmail string `toml:"owner_email"`
	// SenderEmail, when set and not already the sender, is set (a verification email is queued).
	SenderEmail string `toml:"sender_email"`
}

// MailAccount is a mail server account (no password: see Config).
type MailAccount struct {
	Host     string `toml:"host"`
	Port     int    `toml:"port"`
	TLS      string `toml:"tls"` // implicit, starttls or none (none: loopback only)
	Username string `toml:"username"`
	// CAFile is a PEM file of certificate authorities to trust for this server, in addition to
	// nothing else: when set, only these verify the server (a private CA). Optional.
	CAFile string `toml:"ca_file"`
	// Address is the bounce mailbox's email address ([bounce_imap] only, and required there).
	Address string `toml:"address"`
}

// RootCAs loads CAFile for this account alone: nil (the system's roots) when none is set. Each
// account gets its own pool, so a CA given for one server never vouches for another. key names
// the section ("smtp", "imap" or "bounce_imap") in the error.
func (a *MailAccount) RootCAs(key string) (*x509.CertPool, error) {
	if a == nil || a.CAFile == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(a.CAFile)
	if err != nil {
		return nil, &Error{File: "config", Key: key + ".ca_file", Msg: fmt.Sprintf("cannot read the CA file: %v", err)}
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, &Error{File: "config", Key: key + ".ca_file", Msg: a.CAFile + " holds no PEM certificate"}
	}
	return pool, nil
}

// HTTP configures the widget server.
type HTTP struct {
	// Listen is host:port; the default, 127.0.0.1:8470, is reachable from this machine only.
	Listen string `toml:"listen"`
	// PublicURL is where customers' browsers reach the server (links in emails point here).
	PublicURL string `toml:"public_url"`
}

// Log configures logging.
type Log struct {
	Level  string `toml:"level"`  // debug, info, warn, error
	Format string `toml:"format"` // text or json
}

// DefaultListen is where the server listens when the config does not say.
const DefaultListen = "127.0.0.1:8470"

// Error names the key that is wrong and why.
type Error struct {
	File string
	Key  string
	Msg  string
}

func (e *Error) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s: %s: %s", e.File, e.Key, e.Msg)
}

// secretWords mark keys that would put a secret into the file.
var secretWords = []string{"password", "secret", "token", "api_key", "apikey"}

var lastKey = regexp.MustCompile(`last key "([^"]+)"`)

// Load reads and checks the file at path.
func Load(path string) (Config, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return Config{}, &Error{File: path, Msg: fmt.Sprintf("cannot read the config file: %v", err)}
	}
	var c Config
	md, err := toml.Decode(string(raw), &c)
	if err != nil {
		var pe toml.ParseError
		var ppe *toml.ParseError
		if errors.As(err, &ppe) {
			pe = *ppe
		}
		if ppe != nil || errors.As(err, &pe) {
			return Config{}, &Error{File: path, Key: pe.LastKey, Msg: fmt.Sprintf("line %d: %s", pe.Position.Line, pe.Message)}
		}
		// Type mismatches come as plain errors that still name the key.
		if m := lastKey.FindStringSubmatch(err.Error()); m != nil {
			return Config{}, &Error{File: path, Key: m[1], Msg: strings.TrimPrefix(err.Error(), "toml: ")}
		}
		return Config{}, &Error{File: path, Msg: err.Error()}
	}
	undecoded := md.Undecoded()
	for _, k := range undecoded {
		key := k.String()
		for _, w := range secretWords {
			if strings.Contains(strings.ToLower(key), w) {
				return Config{}, &Error{File: path, Key: key,
					Msg: "secrets do not belong in the config file; set them in the environment (see docs/vouchd.md)"}
			}
		}
	}
	if len(undecoded) > 0 {
		return Config{}, &Error{File: path, Key: undecoded[0].String(), Msg: "unknown key"}
	}
	if err := c.normalize(filepath.Dir(path)); err != nil {
		var ce *Error
		if errors.As(err, &ce) {
			ce.File = path
		}
		return Config{}, err
	}
	return c, nil
}

// normalize fills defaults and checks values; base is the config file's folder.
func (c *Config) normalize(base string) error {
	if strings.TrimSpace(c.Database) == "" {
		return &Error{Key: "database", Msg: "required: the path of the SQLite database file, or a postgres:// URL"}
	}
	if store.IsPostgresURL(c.Database) {
		u, err := url.Parse(c.Database)
		if err != nil {
			return &Error{Key: "database", Msg: "not a valid postgres:// URL: " + err.Error()}
		}
		if _, ok := u.User.Password(); ok {
			// A config file is read by more people and tools than a secret should be.
			return &Error{Key: "database", Msg: "the URL holds a password: leave it out and set PGPASSWORD, or PGPASSFILE to a file that holds it"}
		}
		if u.Query().Has("password") {
			return &Error{Key: "database", Msg: "the URL holds a password parameter: leave it out and set PGPASSWORD, or PGPASSFILE to a file that holds it"}
		}
	} else if !filepath.IsAbs(c.Database) {
		c.Database = filepath.Join(base, c.Database)
	}
	if !store.IsPostgresURL(c.Database) {
		if abs, err := filepath.Abs(c.Database); err == nil {
			c.Database = abs
		}
	}
	if c.HTTP.Listen == "" {
		c.HTTP.Listen = DefaultListen
	}
	host, port, err := net.SplitHostPort(c.HTTP.Listen)
	if err != nil {
		return &Error{Key: "http.listen", Msg: fmt.Sprintf("%q is not host:port", c.HTTP.Listen)}
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return &Error{Key: "http.listen", Msg: fmt.Sprintf("port %q is not a number from 0 to 65535", port)}
	}
	if host != "" && host != "localhost" && net.ParseIP(host) == nil {
		return &Error{Key: "http.listen", Msg: fmt.Sprintf("host %q is not an IP address", host)}
	}
	if c.HTTP.PublicURL == "" {
		c.HTTP.PublicURL = "http://" + c.HTTP.Listen
	}
	u, err := url.Parse(c.HTTP.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return &Error{Key: "http.public_url", Msg: fmt.Sprintf("%q is not an http(s) URL like https://support.example.com", c.HTTP.PublicURL)}
	}
	c.HTTP.PublicURL = strings.TrimRight(c.HTTP.PublicURL, "/")
	switch c.Log.Level {
	case "":
		c.Log.Level = "info"
	case "debug", "info", "warn", "error":
	default:
		return &Error{Key: "log.level", Msg: fmt.Sprintf("%q is not one of debug, info, warn, error", c.Log.Level)}
	}
	for _, m := range []struct {
		key string
		a   *MailAccount
	}{{"smtp", c.SMTP}, {"imap", c.IMAP}, {"bounce_imap", c.BounceIMAP}} {
		if m.a == nil {
			continue
		}
		switch {
		case m.key == "bounce_imap" && !strings.Contains(m.a.Address, "@"):
			return &Error{Key: m.key + ".address", Msg: "required: the bounce mailbox's email address, like bounces@example.com"}
		case m.key != "bounce_imap" && m.a.Address != "":
			return &Error{Key: m.key + ".address", Msg: "only [bounce_imap] has an address (the sender email is [organization] sender_email)"}
		}
		if m.a.Host == "" {
			return &Error{Key: m.key + ".host", Msg: "required"}
		}
		if m.a.Port < 1 || m.a.Port > 65535 {
			return &Error{Key: m.key + ".port", Msg: "required: a port from 1 to 65535"}
		}
		switch m.a.TLS {
		case "implicit", "starttls", "none":
		default:
			return &Error{Key: m.key + ".tls", Msg: fmt.Sprintf("%q is not implicit, starttls or none", m.a.TLS)}
		}
		if m.a.CAFile != "" && !filepath.IsAbs(m.a.CAFile) {
			m.a.CAFile = filepath.Join(base, m.a.CAFile)
		}
	}
	o := c.Organization
	if (o.Name != "" || o.OwnerName != "" || o.OwnerEmail != "") && (o.Name == "" || o.OwnerName == "" || o.OwnerEmail == "") {
		return &Error{Key: "organization", Msg: "name, owner_name and owner_email go together"}
	}
	for _, g := range []struct{ key, raw string }{{"google.issuer_url", c.Google.IssuerURL}, {"google.script_url", c.Google.ScriptURL}} {
		if err := checkGoogleURL(g.raw); err != nil {
			return &Error{Key: g.key, Msg: err.Error()}
		}
	}
	for _, n := range []struct {
		key string
		v   int
	}{{"widget.live.per_session", c.Widget.Live.PerSession}, {"widget.live.per_address", c.Widget.Live.PerAddress},
		{"widget.live.per_server", c.Widget.Live.PerServer}} {
		if n.v < 0 {
			return &Error{Key: n.key, Msg: fmt.Sprintf("%d is not a number of connections (1 or more; 0 or absent for the default)", n.v)}
		}
	}
	switch c.Log.Format {
	case "":
		c.Log.Format = "text"
	case "text", "json":
	default:
		return &Error{Key: "log.format", Msg: fmt.Sprintf("%q is not text or json", c.Log.Format)}
	}
	return nil
}

// checkGoogleURL accepts what backend/signin/google accepts for an issuer: an absolute URL
// without credentials, query or fragment, https, or http only on a loopback host. "" is allowed
// (Google's own).
func checkGoogleURL(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return fmt.Errorf("%q is not an absolute URL", raw)
	}
	if u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return fmt.Errorf("%q may not carry credentials, a query or a fragment", raw)
	}
	if u.Scheme == "https" {
		return nil
	}
	if u.Scheme == "http" {
		h := u.Hostname()
		if ip := net.ParseIP(h); h == "localhost" || (ip != nil && ip.IsLoopback()) {
			return nil
		}
	}
	return fmt.Errorf("%q must use https (http only on a loopback host)", raw)
}
