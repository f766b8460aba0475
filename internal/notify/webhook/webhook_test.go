package webhook_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/notify"
	"github.com/unyo-ops/unyo/internal/notify/notifytest"
	"github.com/unyo-ops/unyo/internal/notify/webhook"
	"github.com/unyo-ops/unyo/internal/notify/webhook/webhooktest"
)

func TestPayloadGolden(t *testing.T) {
	for _, s := range notifytest.Samples() {
		t.Run(s.Name, func(t *testing.T) {
			p, err := webhook.NewPayload(s.Message)
			if err != nil {
				t.Fatal(err)
			}
			body, err := notify.EncodeJSON(p)
			if err != nil {
				t.Fatal(err)
			}
			notifytest.GoldenJSON(t, s.Name+".json", body)
		})
	}
}

func TestSendVerifiedByReceiver(t *testing.T) {
	srv := webhooktest.NewServer(t)
	cfg := srv.Config()
	cfg.Headers = map[string]string{"Authorization": "Bearer t0ken"}
	ch, err := webhook.New(cfg, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	want := notifytest.AlertFiringJa()
	if err := ch.Send(context.Background(), want); err != nil {
		t.Fatalf("Send: %v (rejections %+v)", err, srv.Rejections())
	}
	got, err := srv.WaitFor(1, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	p := got[0].Payload
	if p.IdempotencyKey != want.IdempotencyKey || p.Title != want.Title || !p.StartsAt.Equal(want.StartsAt) || p.EndsAt != nil {
		t.Errorf("payload = %+v", p)
	}
	if h := got[0].Header.Get("Authorization"); h != "Bearer t0ken" {
		t.Errorf("Authorization = %q", h)
	}
}

func TestSendSignatureCoversBody(t *testing.T) {
	srv := webhooktest.NewServer(t)
	cfg := srv.Config()
	cfg.Secret = strings.Repeat("w", 20) // not the receiver's secret
	ch, err := webhook.New(cfg, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	err = ch.Send(context.Background(), notifytest.AlertFiringJa())
	if !notify.IsPermanent(err) || !strings.Contains(err.Error(), "HTTP 401") {
		t.Fatalf("Send with the wrong secret = %v, want permanent 401", err)
	}
	if rej := srv.Rejections(); len(rej) != 1 || !strings.Contains(rej[0].Reason, "does not match") {
		t.Fatalf("rejections = %+v", rej)
	}
	if strings.Contains(err.Error(), "wwww") {
		t.Fatalf("error reveals the secret: %v", err)
	}
}

func TestSendRetryAfter(t *testing.T) {
	srv := webhooktest.NewServer(t)
	srv.RateLimitNext(1, 4*time.Second)
	ch, err := webhook.New(srv.Config(), srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	err = ch.Send(context.Background(), notifytest.AlertFiringJa())
	if d, ok := notify.RetryDelay(err); !ok || d != 4*time.Second || notify.IsPermanent(err) {
		t.Fatalf("Send = %v; RetryDelay = %v, %v", err, d, ok)
	}
	if err := ch.Send(context.Background(), notifytest.AlertFiringJa()); err != nil {
		t.Fatal(err)
	}
}

func TestVerify(t *testing.T) {
	secret := []byte("0123456789abcdef")
	body := []byte(`{"version":"1"}`)
	now := time.Now().Unix()
	ts := strconv.FormatInt(now, 10)
	good := webhook.Sign(secret, now, body)
	f := func(secret []byte, header, ts string, body []byte, want error) {
		t.Helper()
		if err := webhook.Verify(secret, header, ts, body, time.Minute); err != want {
			t.Fatalf("Verify(%q, %q) = %v, want %v", header, ts, err, want)
		}
	}
	f(secret, good, ts, body, nil)
	f(secret, strings.ToUpper(good[:7])+good[7:], ts, body, webhook.ErrMalformed)
	f(secret, good, ts, []byte(`{"version":"2"}`), webhook.ErrSignatureMismatch)
	f(secret, good, strconv.FormatInt(now+1, 10), body, webhook.ErrSignatureMismatch)
	f([]byte("another secret!!"), good, ts, body, webhook.ErrSignatureMismatch)
	f(nil, good, ts, body, webhook.ErrNoSecret)
	f(secret, "", ts, body, webhook.ErrMalformed)
	f(secret, good[:len(good)-2], ts, body, webhook.ErrMalformed)
	f(secret, "sha1="+good[7:], ts, body, webhook.ErrMalformed)
	f(secret, good, "+"+ts, body, webhook.ErrMalformed)
	f(secret, good, "0"+ts, body, webhook.ErrMalformed)
	f(secret, good, "", body, webhook.ErrMalformed)
	old := now - 120
	f(secret, webhook.Sign(secret, old, body), strconv.FormatInt(old, 10), body, webhook.ErrStale)
	future := now + 120
	f(secret, webhook.Sign(secret, future, body), strconv.FormatInt(future, 10), body, webhook.ErrStale)
}

// The example in docs/notifications.md, checked there with openssl, so
// that the document cannot drift from the code.
func TestSignDocumentedExample(t *testing.T) {
	got := webhook.Sign([]byte("whsec_0123456789abcdef"), 1795396500, []byte(`{"version":"1"}`))
	want := "sha256=841592930817f3fe36c6f6eb7ee1f2971cb659926d8381ddcb50718efeecc503"
	if got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}

func TestConfigValidate(t *testing.T) {
	f := func(edit func(*webhook.Config), field string) {
		t.Helper()
		cfg := webhook.Config{URL: "https://example.com/hook", Secret: "0123456789abcdef"}
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
	f(func(*webhook.Config) {}, "")
	f(func(c *webhook.Config) { c.Headers = map[string]string{"Authorization": "Bearer x"} }, "")
	f(func(c *webhook.Config) { c.URL = "http://example.com/hook" }, "url")
	f(func(c *webhook.Config) { c.Secret = "short" }, "secret")
	f(func(c *webhook.Config) { c.Headers = map[string]string{"Bad Name": "x"} }, "headers.Bad Name")
	f(func(c *webhook.Config) { c.Headers = map[string]string{"x-unyo-signature": "x"} }, "headers.x-unyo-signature")
	f(func(c *webhook.Config) { c.Headers = map[string]string{"X-Ok": "a\r\nb"} }, "headers.X-Ok")
}

func TestConfigHidesSecrets(t *testing.T) {
	cfg := webhook.Config{URL: "https://example.com/hook?token=s3cr3t", Secret: "s3cr3t-s3cr3t-s3cr3t",
		Headers: map[string]string{"Authorization": "Bearer s3cr3t"}}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("channel", "config", cfg)
	for _, s := range []string{buf.String(), fmt.Sprint(cfg), fmt.Sprintf("%+v %#v", cfg, cfg)} {
		if strings.Contains(s, "s3cr3t") {
			t.Fatalf("secret shown: %s", s)
		}
	}
	if !strings.Contains(buf.String(), "Authorization") {
		t.Fatalf("header names missing from log: %s", buf.String())
	}
}
