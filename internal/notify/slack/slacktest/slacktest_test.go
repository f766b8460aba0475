package slacktest

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestServerEnforcesContract(t *testing.T) {
	srv := NewServer(t)
	f := func(path, contentType, body string, wantStatus int, wantBody string) {
		t.Helper()
		resp, err := srv.Client().Post(srv.URL()+path, contentType, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != wantStatus || string(b) != wantBody {
			t.Fatalf("POST %s %s = %d %q, want %d %q", path, body, resp.StatusCode, b, wantStatus, wantBody)
		}
	}
	header := func(text string) string {
		return fmt.Sprintf(`{"blocks":[{"type":"header","text":{"type":"plain_text","text":%q}}]}`, text)
	}
	many := `{"blocks":[` + strings.Repeat(`{"type":"divider"},`, 50) + `{"type":"divider"}]}`
	hook, json := webhookPath, "application/json"

	f(hook, json, `{"text":"hi"}`, 200, "ok")
	f(hook, json, header(strings.Repeat("あ", 150)), 200, "ok")
	f("/services/T/B/wrong", json, `{"text":"hi"}`, 404, "no_service")
	f(hook, "application/x-www-form-urlencoded", `payload={}`, 400, "invalid_payload")
	f(hook, json, `{"text":`, 400, "invalid_payload")
	f(hook, json, `{"text":" "}`, 400, "no_text")
	f(hook, json, many, 400, "invalid_blocks")
	f(hook, json, header(strings.Repeat("あ", 151)), 400, "invalid_blocks")
	f(hook, json, `{"blocks":[{"type":"header","text":{"type":"mrkdwn","text":"x"}}]}`, 400, "invalid_blocks")
	f(hook, json, `{"blocks":[{"type":"section"}]}`, 400, "invalid_blocks")
	f(hook, json, `{"blocks":[{"type":"section","text":{"type":"mrkdwn","text":"`+strings.Repeat("x", 3001)+`"}}]}`, 400, "invalid_blocks")
	f(hook, json, `{"blocks":[{"type":"section","fields":[`+strings.Repeat(`{"type":"mrkdwn","text":"x"},`, 10)+`{"type":"mrkdwn","text":"x"}]}]}`, 400, "invalid_blocks")
	f(hook, json, `{"blocks":[{"type":"context","elements":[]}]}`, 400, "invalid_blocks")
	f(hook, json, `{"blocks":[{"type":"actions","elements":[{"type":"button","text":{"type":"plain_text","text":"`+strings.Repeat("x", 76)+`"},"url":"https://x"}]}]}`, 400, "invalid_blocks")
	f(hook, json, `{"blocks":[{"type":"carousel"}]}`, 400, "invalid_blocks")

	if got := len(srv.Messages()); got != 2 {
		t.Fatalf("accepted %d, want 2", got)
	}
	if got := len(srv.Rejections()); got != 13 {
		t.Fatalf("rejected %d, want 13", got)
	}
}

func TestServerScriptedFailures(t *testing.T) {
	srv := NewServer(t)
	srv.RateLimitNext(1, 1500*time.Millisecond)
	srv.FailNext(1, http.StatusGone, "channel_is_archived")
	post := func() *http.Response {
		resp, err := srv.Client().Post(srv.WebhookURL(), "application/json", strings.NewReader(`{"text":"hi"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if r := post(); r.StatusCode != 429 || r.Header.Get("Retry-After") != "2" {
		t.Fatalf("first = %d Retry-After %q", r.StatusCode, r.Header.Get("Retry-After"))
	}
	if r := post(); r.StatusCode != 410 {
		t.Fatalf("second = %d", r.StatusCode)
	}
	if r := post(); r.StatusCode != 200 {
		t.Fatalf("third = %d", r.StatusCode)
	}
	if _, err := srv.WaitFor(1, time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.WaitFor(2, 10*time.Millisecond); err == nil {
		t.Fatal("WaitFor(2) succeeded with one message")
	}
}
