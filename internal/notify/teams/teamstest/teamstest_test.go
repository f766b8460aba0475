package teamstest

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestServerEnforcesContract(t *testing.T) {
	srv := NewServer(t)
	f := func(url, body string, wantStatus int) {
		t.Helper()
		resp, err := srv.Client().Post(url, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != wantStatus {
			t.Fatalf("POST %s = %d %s, want %d", body, resp.StatusCode, b, wantStatus)
		}
	}
	card := func(content string) string {
		return `{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","contentUrl":null,"content":` + content + `}]}`
	}
	good := `{"$schema":"http://adaptivecards.io/schemas/adaptive-card.json","type":"AdaptiveCard","version":"1.4","body":[{"type":"TextBlock","text":"hi"}],"actions":[{"type":"Action.OpenUrl","title":"Open","url":"https://x.example"}]}`
	hook := srv.WebhookURL()

	f(hook, card(good), 202)
	f(srv.URL()+"/workflows/other/triggers/manual/paths/invoke?api-version=1&sig=fake-signature", card(good), 404)
	f(strings.Replace(hook, "sig=fake-signature", "sig=x", 1), card(good), 401)
	f(strings.Replace(hook, "api-version=2016-06-01", "", 1), card(good), 400)
	f(hook, `{"type":"message"`, 400)
	f(hook, `{"type":"message","attachments":[]}`, 400)
	f(hook, strings.Replace(card(good), "card.adaptive", "card.hero", 1), 400)
	f(hook, strings.Replace(card(good), `"contentUrl":null`, `"contentUrl":"https://x"`, 1), 400)
	f(hook, card(strings.Replace(good, `"version":"1.4"`, `"version":"1.6"`, 1)), 400)
	f(hook, card(strings.Replace(good, `"type":"AdaptiveCard"`, `"type":"Card"`, 1)), 400)
	f(hook, card(strings.Replace(good, `"text":"hi"`, `"text":""`, 1)), 400)
	f(hook, card(strings.Replace(good, `"body":[{"type":"TextBlock","text":"hi"}]`, `"body":[]`, 1)), 400)
	f(hook, card(strings.Replace(good, "Action.OpenUrl", "Action.Submit", 1)), 400)
	f(hook, card(strings.Replace(good, "https://x.example", "javascript:alert(1)", 1)), 400)
	f(hook, card(strings.Replace(good, `"text":"hi"`, `"text":"`+strings.Repeat("x", 29<<10)+`"`, 1)), 413)

	if len(srv.Messages()) != 1 || len(srv.Rejections()) != 14 {
		t.Fatalf("accepted %d, rejected %d", len(srv.Messages()), len(srv.Rejections()))
	}
	if srv.Messages()[0].Card().Texts()[0] != "hi" {
		t.Fatalf("texts = %v", srv.Messages()[0].Card().Texts())
	}
}

func TestServerRateLimit(t *testing.T) {
	srv := NewServer(t)
	srv.RateLimitNext(1, 0)
	resp, err := srv.Client().Post(srv.WebhookURL(), "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "0" {
		t.Fatalf("got %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}
