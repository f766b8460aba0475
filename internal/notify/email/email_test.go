package email

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/notify"
	"github.com/unyo-ops/unyo/internal/notify/email/smtptest"
	"github.com/unyo-ops/unyo/internal/notify/notifytest"
	"github.com/unyo-ops/unyo/internal/outbound"
)

var sentAt = time.Date(2026, 11, 22, 0, 16, 0, 0, time.UTC)

// loopback is the outbound policy of these tests: their SMTP servers listen
// on 127.0.0.1, which the default policy refuses.
var loopback = outbound.New([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")})

// TestSendRefusedByOutboundPolicy: under the default policy an SMTP server
// on a loopback address is never connected to (so no password reaches it),
// and the failure is permanent: retrying cannot change the policy.
func TestSendRefusedByOutboundPolicy(t *testing.T) {
	srv := smtptest.NewServer(t, smtptest.Options{Username: "unyo", Password: "pa55"})
	cfg := config(srv)
	cfg.TLS, cfg.Auth, cfg.Username, cfg.Password = TLSNone, AuthPlain, "unyo", "pa55"
	ch, err := New(cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = ch.Send(context.Background(), notifytest.AlertFiringJa())
	if !outbound.IsRefused(err) || !notify.IsPermanent(err) {
		t.Fatalf("Send = %v, want a permanent refusal by the outbound policy", err)
	}
	if n := len(srv.Messages()) + len(srv.Rejections()); n != 0 {
		t.Fatalf("the SMTP server saw %d messages or rejections from a refused channel", n)
	}
	// The same server, allowed, gets the mail: the refusal was the policy's.
	sendOne(t, srv, cfg, nil, notifytest.AlertFiringJa())
}

func TestSendPlainAuth(t *testing.T) {
	srv := smtptest.NewServer(t, smtptest.Options{Username: "unyo", Password: "pa55"})
	cfg := config(srv)
	cfg.TLS, cfg.Auth, cfg.Username, cfg.Password = TLSNone, AuthPlain, "unyo", "pa55"
	m := notifytest.AlertFiringJa()
	got := sendOne(t, srv, cfg, nil, m)

	if got.AuthUser != "unyo" || got.TLS {
		t.Errorf("session: auth %q, tls %v", got.AuthUser, got.TLS)
	}
	if got.MailFrom != "alerts@msp.example" || strings.Join(got.RcptTo, ",") != "ops@acme.example,sre@acme.example" {
		t.Errorf("envelope: %q -> %q", got.MailFrom, got.RcptTo)
	}
	if len(got.From) != 1 || got.From[0].Name != "unyo 監視" || got.From[0].Address != "alerts@msp.example" {
		t.Errorf("From = %v", got.From)
	}
	if len(got.To) != 2 || got.To[1].Address != "sre@acme.example" {
		t.Errorf("To = %v", got.To)
	}
	if want := "【発生・重大】ACME株式会社 — CPU使用率が閾値を超過しました"; got.Subject != want {
		t.Errorf("Subject = %q, want %q", got.Subject, want)
	}
	if raw := got.Header.Get("Subject"); !strings.HasPrefix(strings.ToUpper(raw), "=?UTF-8?B?") {
		t.Errorf("raw Subject %q is not RFC 2047 B-encoded UTF-8", raw)
	}
	if id := got.Header.Get("Message-ID"); id != "<"+MessageID(m.IdempotencyKey, "alerts@msp.example")+">" {
		t.Errorf("Message-ID = %q", id)
	}
	if date := got.Header.Get("Date"); date != "Sun, 22 Nov 2026 09:16:00 +0900" {
		t.Errorf("Date = %q", date)
	}
	if got.Header.Get("Auto-Submitted") != "auto-generated" || got.Header.Get("X-Unyo-Idempotency-Key") != m.IdempotencyKey {
		t.Errorf("headers = %v", got.Header)
	}
	if got.ContentType != "multipart/alternative" {
		t.Errorf("Content-Type = %q", got.ContentType)
	}
	v, _ := notify.Render(m)
	if got.Text != v.Text() {
		t.Errorf("text body:\n%s\nwant:\n%s", got.Text, v.Text())
	}
	html, _ := renderHTML(v)
	if got.HTML != html {
		t.Errorf("HTML body differs from the template")
	}
	if !strings.Contains(got.HTML, `<html lang="ja">`) || !strings.Contains(got.HTML, "2026-11-22 09:15 JST") {
		t.Errorf("HTML body:\n%s", got.HTML)
	}
}

func TestSendSTARTTLSWithLogin(t *testing.T) {
	srv := smtptest.NewServer(t, smtptest.Options{Username: "unyo", Password: "pa55", STARTTLS: true, RequireTLS: true})
	cfg := config(srv)
	cfg.Auth, cfg.Username, cfg.Password = AuthLogin, "unyo", "pa55"
	got := sendOne(t, srv, cfg, srv.ClientTLSConfig(), notifytest.Samples()[1].Message)
	if !got.TLS || got.AuthUser != "unyo" {
		t.Fatalf("session: tls %v, auth %q", got.TLS, got.AuthUser)
	}
	if got.Subject != "[RESOLVED · critical] ACME Corp. — CPU usage above threshold" {
		t.Errorf("Subject = %q", got.Subject)
	}
	if !strings.Contains(got.Text, "Ended: 2026-11-22 01:20 GMT") || !strings.Contains(got.HTML, "Duration") {
		t.Errorf("bodies:\n%s\n%s", got.Text, got.HTML)
	}
}

func TestSendOpportunisticAndImplicitTLS(t *testing.T) {
	f := func(opts smtptest.Options, mode TLSMode, wantTLS bool) {
		t.Helper()
		srv := smtptest.NewServer(t, opts)
		cfg := config(srv)
		cfg.TLS = mode
		if got := sendOne(t, srv, cfg, srv.ClientTLSConfig(), notifytest.AlertFiringJa()); got.TLS != wantTLS {
			t.Fatalf("%s: TLS = %v, want %v", mode, got.TLS, wantTLS)
		}
	}
	f(smtptest.Options{STARTTLS: true}, TLSOpportunistic, true)
	f(smtptest.Options{}, TLSOpportunistic, false)
	f(smtptest.Options{ImplicitTLS: true}, TLSImplicit, true)
}

// Failures a retry cannot fix are permanent; the rest are not.
func TestSendClassifiesFailures(t *testing.T) {
	f := func(name string, opts smtptest.Options, edit func(*Config), trust bool, fail int, wantPermanent bool) {
		t.Helper()
		srv := smtptest.NewServer(t, opts)
		if fail != 0 {
			srv.FailNext(1, fail, "scripted")
		}
		cfg := config(srv)
		edit(&cfg)
		var tlsConfig = srv.ClientTLSConfig()
		if !trust {
			tlsConfig = nil
		}
		ch, err := New(cfg, tlsConfig, loopback)
		if err != nil {
			t.Fatal(err)
		}
		err = ch.Send(context.Background(), notifytest.AlertFiringJa())
		if err == nil {
			t.Fatalf("%s: Send succeeded", name)
		}
		if notify.IsPermanent(err) != wantPermanent {
			t.Fatalf("%s: IsPermanent(%v) = %v", name, err, !wantPermanent)
		}
		if strings.Contains(err.Error(), "pa55") {
			t.Fatalf("%s: error reveals the password: %v", name, err)
		}
	}
	noop := func(*Config) {}
	auth := func(c *Config) { c.TLS, c.Auth, c.Username, c.Password = TLSNone, AuthPlain, "unyo", "wrong-pa55" }
	user := smtptest.Options{Username: "unyo", Password: "pa55"}
	f("451 at DATA", smtptest.Options{}, func(c *Config) { c.TLS = TLSNone }, false, 451, false)
	f("550 at DATA", smtptest.Options{}, func(c *Config) { c.TLS = TLSNone }, false, 550, true)
	f("no STARTTLS offered", smtptest.Options{}, noop, false, 0, true)
	f("untrusted certificate", smtptest.Options{STARTTLS: true}, noop, false, 0, true)
	f("wrong password", user, auth, false, 0, true)
	f("AUTH not offered", smtptest.Options{}, func(c *Config) { auth(c); c.Password = "pa55" }, false, 0, true)
	f("AUTH required", user, func(c *Config) { c.TLS = TLSNone }, false, 530, true)
}

func TestSendConnectionRefusedIsRetried(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	ch, err := New(Config{Host: "127.0.0.1", Port: port, TLS: TLSNone, From: "a@b.example", To: []string{"c@d.example"}}, nil, loopback)
	if err != nil {
		t.Fatal(err)
	}
	err = ch.Send(context.Background(), notifytest.AlertFiringJa())
	if err == nil || notify.IsPermanent(err) {
		t.Fatalf("Send = %v, want a retryable error", err)
	}
}

func TestSendCanceled(t *testing.T) {
	srv := smtptest.NewServer(t, smtptest.Options{})
	cfg := config(srv)
	cfg.TLS = TLSNone
	ch, err := New(cfg, nil, loopback)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := ch.Send(ctx, notifytest.AlertFiringJa()); err == nil || notify.IsPermanent(err) {
		t.Fatalf("Send = %v, want a retryable error", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("%d messages delivered after cancel", n)
	}
}

func TestHTMLGolden(t *testing.T) {
	for _, s := range notifytest.Samples() {
		t.Run(s.Name, func(t *testing.T) {
			v, err := notify.Render(s.Message)
			if err != nil {
				t.Fatal(err)
			}
			html, err := renderHTML(v)
			if err != nil {
				t.Fatal(err)
			}
			notifytest.Golden(t, s.Name+".html", []byte(html))
		})
	}
}

func TestMessageID(t *testing.T) {
	a := MessageID("alert-1", "alerts@msp.example")
	if a != MessageID("alert-1", "alerts@msp.example") || a == MessageID("alert-2", "alerts@msp.example") {
		t.Fatal("MessageID must be a function of the key")
	}
	if !strings.HasSuffix(a, "@msp.example") || !strings.HasPrefix(a, "unyo.") {
		t.Fatalf("MessageID = %q", a)
	}
	if b := MessageID("k", "broken"); !strings.HasSuffix(b, "@unyo.invalid") {
		t.Fatalf("MessageID without domain = %q", b)
	}
}

func TestConfigValidate(t *testing.T) {
	f := func(edit func(*Config), field string) {
		t.Helper()
		cfg := Config{Host: "smtp.example.com", From: "a@msp.example", To: []string{"b@acme.example"}}
		edit(&cfg)
		err := cfg.Validate()
		if field == "" {
			if err != nil {
				t.Fatalf("Validate = %v", err)
			}
			return
		}
		if e, ok := invalid.As(err); !ok || e.Field != field {
			t.Fatalf("Validate = %v, want *invalid.Error on %s", err, field)
		}
	}
	withAuth := func(c *Config) { c.Auth, c.Username, c.Password = AuthPlain, "u", "p" }
	f(func(*Config) {}, "")
	f(withAuth, "")
	f(func(c *Config) { withAuth(c); c.TLS = TLSImplicit }, "")
	f(func(c *Config) { withAuth(c); c.Host, c.TLS = "127.0.0.1", TLSNone }, "")
	f(func(c *Config) { c.Host = "" }, "host")
	f(func(c *Config) { c.Port = 70000 }, "port")
	f(func(c *Config) { c.TLS = "ssl" }, "tls")
	f(func(c *Config) { c.Auth = "cram-md5" }, "auth")
	f(func(c *Config) { withAuth(c); c.Username = "" }, "username")
	f(func(c *Config) { withAuth(c); c.Password = "" }, "password")
	f(func(c *Config) { withAuth(c); c.TLS = TLSOpportunistic }, "tls")
	f(func(c *Config) { withAuth(c); c.TLS = TLSNone }, "tls")
	f(func(c *Config) { c.From = "not an address" }, "from")
	f(func(c *Config) { c.To = nil }, "to")
	f(func(c *Config) { c.To = []string{"b@acme.example", "nope"} }, "to[1]")
}

func TestConfigHidesPassword(t *testing.T) {
	cfg := Config{Host: "smtp.example.com", Auth: AuthPlain, Username: "u", Password: "s3cr3t", From: "a@b.example", To: []string{"c@d.example"}}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("channel", "config", cfg)
	for _, s := range []string{buf.String(), fmt.Sprint(cfg), fmt.Sprintf("%+v %#v", cfg, cfg)} {
		if strings.Contains(s, "s3cr3t") {
			t.Fatalf("password shown: %s", s)
		}
	}
}

func config(srv *smtptest.Server) Config {
	return Config{
		Host: srv.Host(),
		Port: srv.Port(),
		From: "unyo 監視 <alerts@msp.example>",
		To:   []string{"ops@acme.example", "SRE <sre@acme.example>"},
	}
}

func sendOne(t *testing.T, srv *smtptest.Server, cfg Config, tlsConfig *tls.Config, m notify.Message) *smtptest.Message {
	t.Helper()
	ch, err := New(cfg, tlsConfig, loopback)
	if err != nil {
		t.Fatal(err)
	}
	ch.now = func() time.Time { return sentAt }
	if err := ch.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v (rejections %v)", err, srv.Rejections())
	}
	got, err := srv.WaitFor(1, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return got[0]
}
