package teams

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/notify"
	"github.com/unyo-ops/unyo/internal/notify/notifytest"
	"github.com/unyo-ops/unyo/internal/notify/teams/teamstest"
)

func TestCardGolden(t *testing.T) {
	for _, s := range notifytest.Samples() {
		t.Run(s.Name, func(t *testing.T) {
			v, err := notify.Render(s.Message)
			if err != nil {
				t.Fatal(err)
			}
			body, err := notify.EncodeJSON(newMessage(v))
			if err != nil {
				t.Fatal(err)
			}
			notifytest.GoldenJSON(t, s.Name+".json", body)
		})
	}
}

func TestSendAcceptedByFake(t *testing.T) {
	srv := teamstest.NewServer(t)
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
	card := got[0].Card()
	if texts := card.Texts(); texts[0] != "【発生・重大】ACME株式会社 — CPU使用率が閾値を超過しました" {
		t.Errorf("title = %q", texts[0])
	}
	if !slices.Contains(card.Facts(), teamstest.Fact{Title: "発生日時", Value: "2026-11-22 09:15 JST"}) {
		t.Errorf("facts = %+v", card.Facts())
	}
	want := []teamstest.Action{
		{Type: "Action.OpenUrl", Title: "unyoで開く", URL: "https://unyo.example.com/alerts/123"},
		{Type: "Action.OpenUrl", Title: "CPU高負荷時の対応手順", URL: "https://unyo.example.com/runbooks/cpu-high"},
	}
	if !slices.Equal(card.Actions, want) {
		t.Errorf("actions = %+v", card.Actions)
	}
	for _, s := range got[len(got)-1].Card().Texts() {
		if strings.Contains(s, "](https://evil") {
			t.Errorf("alert text forms a Markdown link: %q", s)
		}
	}
}

func TestSendClassifiesAnswers(t *testing.T) {
	f := func(status int, wantPermanent bool, wantDelay time.Duration) {
		t.Helper()
		srv := teamstest.NewServer(t)
		if status == http.StatusTooManyRequests {
			srv.RateLimitNext(1, wantDelay)
		} else {
			srv.FailNext(1, status, `{"error":{"code":"x","message":"y"}}`)
		}
		err := newChannel(t, srv).Send(context.Background(), notifytest.AlertFiringJa())
		if err == nil {
			t.Fatalf("%d: Send succeeded", status)
		}
		if notify.IsPermanent(err) != wantPermanent {
			t.Fatalf("%d: IsPermanent(%v) = %v", status, err, !wantPermanent)
		}
		if d, _ := notify.RetryDelay(err); d != wantDelay {
			t.Fatalf("%d: RetryDelay = %v, want %v", status, d, wantDelay)
		}
		if strings.Contains(err.Error(), "fake-signature") {
			t.Fatalf("error reveals the signature: %v", err)
		}
	}
	f(400, true, 0)
	f(401, true, 0)
	f(404, true, 0)
	f(408, false, 0)
	f(429, false, 10*time.Second)
	f(502, false, 0)
}

func TestSendWrongSignatureIsPermanent(t *testing.T) {
	srv := teamstest.NewServer(t)
	ch, err := New(Config{WebhookURL: strings.Replace(srv.WebhookURL(), "sig=fake", "sig=stale", 1)}, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	err = ch.Send(context.Background(), notifytest.AlertFiringJa())
	if !notify.IsPermanent(err) || !strings.Contains(err.Error(), "HTTP 401") {
		t.Fatalf("Send = %v, want permanent HTTP 401", err)
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
	f("https://prod-01.japaneast.logic.azure.com:443/workflows/x/triggers/manual/paths/invoke?api-version=2016-06-01&sig=s", "")
	f("https://acme.webhook.office.com/webhookb2/x/IncomingWebhook/y/z", "webhook_url")
	f("http://prod-01.japaneast.logic.azure.com/workflows/x", "webhook_url")
	f("", "webhook_url")
}

func TestConfigHidesSecret(t *testing.T) {
	cfg := Config{WebhookURL: "https://x.logic.azure.com/workflows/1/triggers/manual/paths/invoke?sig=s3cr3t"}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("channel", "config", cfg)
	for _, s := range []string{buf.String(), fmt.Sprint(cfg), fmt.Sprintf("%+v %#v", cfg, cfg)} {
		if strings.Contains(s, "s3cr3t") {
			t.Fatalf("secret shown: %s", s)
		}
	}
}

func newChannel(t *testing.T, srv *teamstest.Server) *Channel {
	t.Helper()
	ch, err := New(Config{WebhookURL: srv.WebhookURL()}, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	return ch
}
