package outbox

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/channel"
	"github.com/unyo-ops/unyo/internal/notify"
	"github.com/unyo-ops/unyo/internal/notify/email/smtptest"
)

// TestEmailToContactInTheirLanguage delivers through a real SMTP server
// with STARTTLS and AUTH: beta's tenant language is English, but its
// contact reads Japanese, so the mail is in Japanese with an RFC 2047
// Subject, text and HTML parts, and the same Message-ID on a retry.
func TestEmailToContactInTheirLanguage(t *testing.T) {
	e := newEnv(t)
	srv := smtptest.NewServer(t, smtptest.Options{Username: "unyo", Password: "pw-0123", STARTTLS: true, RequireTLS: true})
	srv.FailNext(1, 451, "try again later")
	e.channels = channel.NewStore(e.db, boxForTest(), channel.Builder{Outbound: loopback, TLS: srv.ClientTLSConfig()})
	e.addChannel(t, "beta", "mail", "email", map[string]any{"host": srv.Host(), "port": srv.Port(), "auth": "plain",
		"username": "unyo", "password": "pw-0123", "from": "unyo <alerts@msp.example>", "to": []string{"noc@msp.example"}})
	ctx := context.Background()
	if err := e.channels.CreateContact(ctx, &channel.Contact{Tenant: "beta", Name: "tanaka", Email: "tanaka@beta.example",
		Language: "ja", TimeZone: "Asia/Tokyo", Via: "mail"}); err != nil {
		t.Fatal(err)
	}
	o := e.outbox(t, Options{}, nil)
	e.start(t, o)
	n := alert("beta", "disk-1", "ディスク残量低下", notify.StatusFiring)
	n.Routes = []string{"contact:tanaka"}
	if err := o.Enqueue(ctx, n); err != nil {
		t.Fatal(err)
	}
	msgs, err := srv.WaitFor(1, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	m := msgs[0]
	if raw := m.Header.Get("Subject"); !strings.HasPrefix(strings.ToLower(raw), "=?utf-8?b?") {
		t.Errorf("Subject %q is not RFC 2047 B-encoded", raw)
	}
	if !strings.Contains(m.Subject, "ディスク残量低下") || !strings.Contains(m.Subject, "発生") {
		t.Errorf("Subject %q is not the Japanese rendering", m.Subject)
	}
	if len(m.RcptTo) != 1 || m.RcptTo[0] != "tanaka@beta.example" || !m.TLS || m.AuthUser != "unyo" {
		t.Errorf("envelope: rcpt %v tls %v auth %q", m.RcptTo, m.TLS, m.AuthUser)
	}
	if m.ContentType != "multipart/alternative" || !strings.Contains(m.Text, "JST") || !strings.Contains(m.HTML, "ディスク残量低下") {
		t.Errorf("parts: %s\n%s\n%.300s", m.ContentType, m.Text, m.HTML)
	}
	if m.Header.Get("X-Unyo-Idempotency-Key") != "disk-1" || !strings.HasPrefix(m.Header.Get("Message-ID"), "<unyo.") {
		t.Errorf("idempotency headers: %q %q", m.Header.Get("X-Unyo-Idempotency-Key"), m.Header.Get("Message-ID"))
	}
	eventually(t, "delivered", func() bool { return e.states(t, o, "beta")[StateDelivered] == 1 })
	list, _ := o.Deliveries(ctx, "beta", Filter{})
	if list[0].Attempts != 2 {
		t.Fatalf("attempts = %d, want 2 (the 451 is retried)", list[0].Attempts)
	}
}
