package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/notify"
	"github.com/unyo-ops/unyo/internal/notify/notifytest"
	"github.com/unyo-ops/unyo/internal/notify/slack/slacktest"
)

func TestPayloadGolden(t *testing.T) {
	for _, s := range notifytest.Samples() {
		t.Run(s.Name, func(t *testing.T) {
			v, err := notify.Render(s.Message)
			if err != nil {
				t.Fatal(err)
			}
			body, err := notify.EncodeJSON(newPayload(v))
			if err != nil {
				t.Fatal(err)
			}
			notifytest.GoldenJSON(t, s.Name+".json", body)
		})
	}
}

// Every sample, including the one built to break limits, must be accepted
// by a fake that enforces Slack's contract.
func TestSendAcceptedByFake(t *testing.T) {
	srv := slacktest.NewServer(t)
	ch := newChannel(t, srv)
	samples := notifytest.Samples()
	for _, s := range samples {
		if err := ch.Send(context.Background(), s.Message); err != nil {
			t.Fatalf("%s: %v (rejections: %+v)", s.Name, err, srv.Rejections())
		}
	}
	got, err := srv.WaitFor(len(samples), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if h := got[0].Header(); h != "🔴 【発生・重大】ACME株式会社 — CPU使用率が閾値を超過しました" {
		t.Errorf("header = %q", h)
	}
	for _, s := range mrkdwnTexts(got[len(got)-1]) {
		if strings.Contains(s, "<!") || strings.Contains(s, "<https://evil") {
			t.Errorf("markup from the message reached Slack unescaped: %s", s)
		}
	}
}

func TestSendClassifiesSlackAnswers(t *testing.T) {
	f := func(status int, body string, wantPermanent bool, wantDelay time.Duration) {
		t.Helper()
		srv := slacktest.NewServer(t)
		if status == http.StatusTooManyRequests {
			srv.RateLimitNext(1, wantDelay)
		} else {
			srv.FailNext(1, status, body)
		}
		err := newChannel(t, srv).Send(context.Background(), notifytest.AlertFiringJa())
		if err == nil {
			t.Fatalf("%d %s: Send succeeded", status, body)
		}
		if notify.IsPermanent(err) != wantPermanent {
			t.Fatalf("%d %s: IsPermanent(%v) = %v", status, body, err, !wantPermanent)
		}
		if d, _ := notify.RetryDelay(err); d != wantDelay {
			t.Fatalf("%d: RetryDelay = %v, want %v", status, d, wantDelay)
		}
		if strings.Contains(err.Error(), "XXXXXXXX") {
			t.Fatalf("error reveals the webhook token: %v", err)
		}
	}
	f(400, "invalid_payload", true, 0)
	f(403, "action_prohibited", true, 0)
	f(404, "no_service", true, 0)
	f(410, "channel_is_archived", true, 0)
	f(200, "<html>login</html>", true, 0)
	f(500, "rollup_error", false, 0)
	f(503, "", false, 0)
	f(429, "", false, 3*time.Second)
}

// After a scripted failure the fake accepts the retry, as the outbox will.
func TestSendRetrySucceeds(t *testing.T) {
	srv := slacktest.NewServer(t)
	srv.FailNext(2, http.StatusInternalServerError, "rollup_error")
	ch := newChannel(t, srv)
	var err error
	for range 3 {
		if err = ch.Send(context.Background(), notifytest.AlertFiringJa()); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.Requests(); n != 3 {
		t.Fatalf("requests = %d, want 3", n)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Fatalf("accepted = %d, want 1", n)
	}
}

func TestSendRefusesInvalidMessage(t *testing.T) {
	srv := slacktest.NewServer(t)
	m := notifytest.AlertFiringJa()
	m.Severity = "page"
	err := newChannel(t, srv).Send(context.Background(), m)
	if !notify.IsPermanent(err) {
		t.Fatalf("Send = %v, want permanent", err)
	}
	if _, ok := invalid.As(err); !ok {
		t.Fatalf("Send = %v, want an *invalid.Error inside", err)
	}
	if srv.Requests() != 0 {
		t.Fatal("an invalid message reached Slack")
	}
}

func TestSendCanceled(t *testing.T) {
	srv := slacktest.NewServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := newChannel(t, srv).Send(ctx, notifytest.AlertFiringJa())
	if err == nil || notify.IsPermanent(err) {
		t.Fatalf("Send on canceled context = %v, want a retryable error", err)
	}
}

func TestConfigValidate(t *testing.T) {
	f := func(url, wantField string) {
		t.Helper()
		err := Config{WebhookURL: url}.Validate()
		if wantField == "" {
			if err != nil {
				t.Fatalf("Validate(%q) = %v", url, err)
			}
			return
		}
		if e, ok := invalid.As(err); !ok || e.Field != wantField {
			t.Fatalf("Validate(%q) = %v, want *invalid.Error on %s", url, err, wantField)
		}
	}
	f("https://hooks.slack.com/services/T/B/x", "")
	f("http://127.0.0.1:1/services/T/B/x", "")
	f("http://hooks.slack.com/services/T/B/x", "webhook_url")
	f("", "webhook_url")
	if _, err := New(Config{}, nil); err == nil {
		t.Fatal("New accepted an empty config")
	}
}

func TestConfigHidesSecret(t *testing.T) {
	cfg := Config{WebhookURL: "https://hooks.slack.com/services/T/B/s3cr3t"}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("channel", "config", cfg)
	for _, s := range []string{buf.String(), fmt.Sprint(cfg), fmt.Sprintf("%+v %#v", cfg, cfg)} {
		if strings.Contains(s, "s3cr3t") {
			t.Fatalf("secret shown: %s", s)
		}
	}
}

// mrkdwnTexts returns the texts Slack parses for mentions and links;
// plain_text is shown as written.
func mrkdwnTexts(m slacktest.Message) []string {
	out := []string{m.Text}
	for _, b := range m.Blocks {
		if b.Text != nil && b.Text.Type == "mrkdwn" {
			out = append(out, b.Text.Text)
		}
		for _, f := range b.Fields {
			out = append(out, f.Text)
		}
		if b.Type == "context" {
			for _, e := range b.Elements {
				var s string
				_ = json.Unmarshal(e.RawText, &s)
				out = append(out, s)
			}
		}
	}
	return out
}

func newChannel(t *testing.T, srv *slacktest.Server) *Channel {
	t.Helper()
	ch, err := New(Config{WebhookURL: srv.WebhookURL()}, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	return ch
}
