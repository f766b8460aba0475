package email

import (
	"log/slog"
	"net"
	"net/mail"
	"strconv"
	"strings"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// TLSMode says how the connection to the SMTP server is encrypted.
type TLSMode string

// TLS modes.
const (
	// TLSMandatory upgrades with STARTTLS and refuses servers without it.
	TLSMandatory TLSMode = "mandatory"
	// TLSOpportunistic upgrades with STARTTLS when the server offers it.
	TLSOpportunistic TLSMode = "opportunistic"
	// TLSNone never encrypts; only for relays on a trusted network.
	TLSNone TLSMode = "none"
	// TLSImplicit speaks TLS from the first byte (SMTPS, port 465).
	TLSImplicit TLSMode = "implicit"
)

// AuthMechanism is the SMTP AUTH mechanism; empty means no AUTH.
type AuthMechanism string

// Supported SMTP AUTH mechanisms.
const (
	AuthNone  AuthMechanism = ""
	AuthPlain AuthMechanism = "plain"
	AuthLogin AuthMechanism = "login"
)

// maxRecipients keeps one notification from turning into a mailing list.
const maxRecipients = 50

// Config is an email channel's configuration.
type Config struct {
	Host string `json:"host" yaml:"host"`
	// Port defaults to 465 with TLSImplicit and 587 otherwise.
	Port     int           `json:"port,omitempty" yaml:"port,omitempty"`
	TLS      TLSMode       `json:"tls,omitempty" yaml:"tls,omitempty"` // default mandatory
	Auth     AuthMechanism `json:"auth,omitempty" yaml:"auth,omitempty"`
	Username string        `json:"username,omitempty" yaml:"username,omitempty"`
	Password string        `json:"password,omitempty" yaml:"password,omitempty"` // a secret
	// From is the sender, e.g. "unyo <alerts@msp.example>".
	From string   `json:"from" yaml:"from"`
	To   []string `json:"to" yaml:"to"`
}

// Validate returns an *invalid.Error for a configuration that cannot work.
func (c Config) Validate() error {
	if c.Host == "" {
		return invalid.New("host", "is required")
	}
	if c.Port < 0 || c.Port > 65535 {
		return invalid.New("port", "must be between 1 and 65535")
	}
	switch c.TLS {
	case "", TLSMandatory, TLSOpportunistic, TLSNone, TLSImplicit:
	default:
		return invalid.New("tls", "must be mandatory, opportunistic, none or implicit, not %q", c.TLS)
	}
	if err := c.validateAuth(); err != nil {
		return err
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		return invalid.New("from", "is not a mail address")
	}
	if len(c.To) == 0 || len(c.To) > maxRecipients {
		return invalid.New("to", "needs 1 to %d addresses", maxRecipients)
	}
	for i, to := range c.To {
		if _, err := mail.ParseAddress(to); err != nil {
			return invalid.New("to["+strconv.Itoa(i)+"]", "is not a mail address")
		}
	}
	return nil
}

func (c Config) validateAuth() error {
	switch c.Auth {
	case AuthNone:
		return nil
	case AuthPlain, AuthLogin:
	default:
		return invalid.New("auth", "must be plain or login, not %q", c.Auth)
	}
	if c.Username == "" {
		return invalid.New("username", "is required with auth %s", c.Auth)
	}
	if c.Password == "" {
		return invalid.New("password", "is required with auth %s", c.Auth)
	}
	// Opportunistic TLS can be stripped by anyone on the path, so only a
	// mandatory or implicit TLS session may carry the password off-host.
	if c.TLS != "" && c.TLS != TLSMandatory && c.TLS != TLSImplicit && !isLoopback(c.Host) {
		return invalid.New("tls", "must be mandatory or implicit to send a password to %s", c.Host)
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Address is the host:port the channel connects to, its port defaulted.
// A stored password follows the channel only while it stays the same.
func (c Config) Address() string {
	return net.JoinHostPort(strings.ToLower(c.Host), strconv.Itoa(c.port()))
}

func (c Config) tlsMode() TLSMode {
	if c.TLS == "" {
		return TLSMandatory
	}
	return c.TLS
}

func (c Config) port() int {
	switch {
	case c.Port != 0:
		return c.Port
	case c.tlsMode() == TLSImplicit:
		return 465
	}
	return 587
}

// LogValue keeps the password out of logs.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("host", c.Host),
		slog.Int("port", c.port()),
		slog.String("tls", string(c.tlsMode())),
		slog.String("auth", string(c.Auth)),
		slog.String("username", c.Username),
		slog.String("from", c.From),
		slog.Any("to", c.To),
	)
}

// String keeps the password out of formatted output.
func (c Config) String() string {
	return "email.Config{host: " + net.JoinHostPort(c.Host, strconv.Itoa(c.port())) +
		", tls: " + string(c.tlsMode()) + ", username: " + c.Username + ", password: [redacted]}"
}

// GoString keeps the password out of %#v.
func (c Config) GoString() string { return c.String() }
