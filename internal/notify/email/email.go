// Package email delivers notifications over SMTP as multipart text and
// HTML mail, with github.com/wneessen/go-mail.
package email

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"net"
	"net/mail"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/unyo-ops/unyo/internal/notify"
	"github.com/unyo-ops/unyo/internal/outbound"
)

var _ notify.Channel = (*Channel)(nil)

// DefaultTimeout bounds one SMTP session when the context has no earlier
// deadline.
const DefaultTimeout = 30 * time.Second

// Channel sends mail through one SMTP server to a fixed list of recipients.
type Channel struct {
	cfg    Config
	from   *mail.Address
	tls    *tls.Config
	egress *outbound.Policy
	now    func() time.Time
}

// New returns a Channel for cfg. tlsConfig may be nil to verify the server
// against the system roots; tests pass one that trusts their own server.
// Every connection goes through egress's dialer (nil: the default policy,
// which refuses loopback and private addresses).
func New(cfg Config, tlsConfig *tls.Config, egress *outbound.Policy) (*Channel, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	from, _ := mail.ParseAddress(cfg.From) // checked by Validate
	if tlsConfig == nil {
		tlsConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	} else {
		tlsConfig = tlsConfig.Clone()
	}
	if tlsConfig.ServerName == "" {
		tlsConfig.ServerName = cfg.Host
	}
	return &Channel{cfg: cfg, from: from, tls: tlsConfig, egress: egress, now: time.Now}, nil
}

// Send mails m to every recipient in one SMTP session. SMTP 5xx replies
// and TLS or AUTH mismatches are permanent; 4xx replies and network
// failures are retried.
func (c *Channel) Send(ctx context.Context, m notify.Message) error {
	msg, err := c.newMsg(m)
	if err != nil {
		return notify.Permanent(fmt.Errorf("email: cannot build message: %w", err))
	}
	d := &dialer{ctx: ctx, mode: c.cfg.tlsMode(), tls: c.tls, net: c.egress.Dialer()}
	defer d.stop()
	client, err := gomail.NewClient(c.cfg.Host, c.clientOptions(ctx, d)...)
	if err != nil {
		return notify.Permanent(fmt.Errorf("email: cannot configure SMTP client: %w", err))
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return classify(fmt.Errorf("email: cannot send to %s: %w", c.cfg.Host, err))
	}
	return nil
}

func (c *Channel) clientOptions(ctx context.Context, d *dialer) []gomail.Option {
	timeout := DefaultTimeout
	if deadline, ok := ctx.Deadline(); ok {
		timeout = max(min(timeout, time.Until(deadline)), time.Millisecond)
	}
	policy := gomail.NoTLS // implicit TLS is done by the dialer
	switch c.cfg.tlsMode() {
	case TLSMandatory:
		policy = gomail.TLSMandatory
	case TLSOpportunistic:
		policy = gomail.TLSOpportunistic
	}
	opts := []gomail.Option{
		gomail.WithPort(c.cfg.port()),
		gomail.WithTimeout(timeout),
		gomail.WithTLSPolicy(policy),
		gomail.WithTLSConfig(c.tls),
		gomail.WithDialContextFunc(d.dial),
		gomail.WithSMTPAuth(authTypes[c.cfg.Auth]),
	}
	if c.cfg.Auth != AuthNone {
		opts = append(opts, gomail.WithUsername(c.cfg.Username), gomail.WithPassword(c.cfg.Password))
	}
	return opts
}

var authTypes = map[AuthMechanism]gomail.SMTPAuthType{
	AuthNone:  gomail.SMTPAuthNoAuth,
	AuthPlain: gomail.SMTPAuthPlain,
	AuthLogin: gomail.SMTPAuthLogin,
}

// dialer connects for go-mail through the outbound policy's dialer, adds
// implicit TLS, and closes the connection when the Send context ends:
// go-mail honours the context only while dialing.
type dialer struct {
	ctx   context.Context
	mode  TLSMode
	tls   *tls.Config
	net   *net.Dialer
	stops []func() bool
}

func (d *dialer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var conn net.Conn
	var err error
	if d.mode == TLSImplicit {
		conn, err = (&tls.Dialer{NetDialer: d.net, Config: d.tls}).DialContext(ctx, network, addr)
	} else {
		conn, err = d.net.DialContext(ctx, network, addr)
	}
	if err != nil {
		return nil, err
	}
	d.stops = append(d.stops, context.AfterFunc(d.ctx, func() { conn.Close() }))
	return conn, nil
}

func (d *dialer) stop() {
	for _, stop := range d.stops {
		stop()
	}
}

// newMsg builds the mail: UTF-8, base64 bodies and B-encoded headers (the
// usual form for Japanese mail), a Message-ID derived from the idempotency
// key so that a retried notification is the same mail to every client, and
// headers that keep auto-responders quiet.
func (c *Channel) newMsg(m notify.Message) (*gomail.Msg, error) {
	v, err := notify.Render(m)
	if err != nil {
		return nil, err
	}
	html, err := renderHTML(v)
	if err != nil {
		return nil, err
	}
	loc, _ := m.Location() // checked by Render
	msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingB64), gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(c.from)
	if err := msg.To(c.cfg.To...); err != nil {
		return nil, err
	}
	msg.Subject(v.Subject)
	msg.SetMessageIDWithValue(MessageID(m.IdempotencyKey, c.from.Address))
	msg.SetDateWithValue(c.now().In(loc))
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	msg.SetGenHeader("X-Unyo-Idempotency-Key", m.IdempotencyKey)
	msg.SetBodyString(gomail.TypeTextPlain, v.Text())
	msg.AddAlternativeString(gomail.TypeTextHTML, html)
	return msg, nil
}

// MessageID returns the Message-ID (without angle brackets) for a
// notification: a hash of its idempotency key at the sender's domain.
func MessageID(idempotencyKey, fromAddress string) string {
	sum := sha256.Sum256([]byte(idempotencyKey))
	domain := "unyo.invalid"
	if i := strings.LastIndexByte(fromAddress, '@'); i >= 0 && i < len(fromAddress)-1 {
		domain = fromAddress[i+1:]
	}
	return "unyo." + hex.EncodeToString(sum[:16]) + "@" + domain
}
