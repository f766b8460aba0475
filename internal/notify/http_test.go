package notify_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/notify"
	"github.com/unyo-ops/unyo/internal/outbound"
)

func TestResponseErr(t *testing.T) {
	f := func(status int, retryAfter string, wantNil, wantPermanent bool, wantDelay time.Duration) {
		t.Helper()
		r := &notify.Response{StatusCode: status, Header: http.Header{}, Body: []byte("oops\nline")}
		if retryAfter != "" {
			r.Header.Set("Retry-After", retryAfter)
		}
		err := r.Err()
		if (err == nil) != wantNil {
			t.Fatalf("%d: Err() = %v", status, err)
		}
		if err == nil {
			return
		}
		if notify.IsPermanent(err) != wantPermanent {
			t.Fatalf("%d: IsPermanent = %v, want %v", status, !wantPermanent, wantPermanent)
		}
		d, ok := notify.RetryDelay(err)
		if d != wantDelay || ok != (wantDelay > 0) {
			t.Fatalf("%d: RetryDelay = %v, %v; want %v", status, d, ok, wantDelay)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Fatalf("%d: error spans lines: %q", status, err)
		}
	}
	f(200, "", true, false, 0)
	f(202, "", true, false, 0)
	f(301, "", false, true, 0)
	f(400, "", false, true, 0)
	f(403, "", false, true, 0)
	f(404, "", false, true, 0)
	f(410, "", false, true, 0)
	f(408, "", false, false, 0)
	f(429, "", false, false, 0)
	f(429, "7", false, false, 7*time.Second)
	f(500, "", false, false, 0)
	f(503, "120", false, false, 2*time.Minute)
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	f := func(v string, want time.Duration, wantOK bool) {
		t.Helper()
		got, ok := notify.ParseRetryAfter(v, now)
		if got != want || ok != wantOK {
			t.Fatalf("ParseRetryAfter(%q) = %v, %v; want %v, %v", v, got, ok, want, wantOK)
		}
	}
	f("", 0, false)
	f("soon", 0, false)
	f("0", 0, true)
	f("30", 30*time.Second, true)
	f("-5", 0, true)
	f("99999999999999999", 24*time.Hour, true)
	f("Sun, 22 Nov 2026 00:01:30 GMT", 90*time.Second, true)
	f("Sat, 21 Nov 2026 00:00:00 GMT", 0, true)
}

func TestRedactURL(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		if got := notify.RedactURL(in); got != want {
			t.Fatalf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
	f("https://hooks.slack.com/services/T0/B0/secret", "https://hooks.slack.com/…")
	f("https://x.logic.azure.com:443/workflows/1?sig=secret", "https://x.logic.azure.com:443/…")
	f("https://user:pw@example.com", "https://example.com")
	f("https://example.com", "https://example.com")
	f("::", "(invalid URL)")
	f("no-host", "(invalid URL)")
}

// A failed POST must not reveal the secret part of the URL.
func TestPostJSONErrorHidesURL(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + "/services/T0/B0/s3cr3t?sig=k3y"
	srv.Close()
	_, err := notify.PostJSON(context.Background(), notify.HTTPClient(loopback.Client(0)), url, nil, []byte("{}"))
	if err == nil {
		t.Fatal("POST to a closed server succeeded")
	}
	if strings.Contains(err.Error(), "s3cr3t") || strings.Contains(err.Error(), "k3y") {
		t.Fatalf("error reveals the URL: %v", err)
	}
	if notify.IsPermanent(err) {
		t.Fatalf("network error marked permanent: %v", err)
	}
}

// loopback allows the tests' httptest servers, which the default refuses.
var loopback = outbound.New([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")})

// TestHTTPClientDefaultRefusesLoopback: a channel built without a client
// gets the default outbound policy: a loopback receiver never sees the
// POST, and the refusal is permanent with the URL's secret hidden.
func TestHTTPClientDefaultRefusesLoopback(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	_, err := notify.PostJSON(context.Background(), notify.HTTPClient(nil), srv.URL+"/hook/s3cr3t", nil, []byte("{}"))
	if !outbound.IsRefused(err) || !notify.IsPermanent(err) || strings.Contains(err.Error(), "s3cr3t") {
		t.Fatalf("POST to loopback = %v, want a permanent refusal without the URL's path", err)
	}
	if _, err := notify.PostJSON(context.Background(), notify.HTTPClient(loopback.Client(0)), srv.URL, nil, []byte("{}")); err != nil {
		t.Fatal(err)
	}
	if hits.Load() != 1 {
		t.Fatalf("the receiver got %d requests, want only the allowed one", hits.Load())
	}
}

func TestHTTPClientRefusesRedirects(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	resp, err := notify.PostJSON(context.Background(), notify.HTTPClient(srv.Client()), srv.URL, nil, []byte("{}"))
	if err != nil {
		t.Fatal(err)
	}
	if err := resp.Err(); !notify.IsPermanent(err) {
		t.Fatalf("redirect: Err() = %v, want permanent", err)
	}
}

func TestValidateWebhookURL(t *testing.T) {
	f := func(u string, ok bool) {
		t.Helper()
		err := notify.ValidateWebhookURL(u)
		if (err == nil) != ok {
			t.Fatalf("ValidateWebhookURL(%q) = %v, want ok=%v", u, err, ok)
		}
		if err != nil && strings.Contains(err.Error(), "s3cr3t") {
			t.Fatalf("reason quotes the URL: %v", err)
		}
	}
	f("https://hooks.slack.com/services/T/B/s3cr3t", true)
	f("http://127.0.0.1:8080/services/T/B/s3cr3t", true)
	f("http://localhost/hook", true)
	f("http://[::1]:9/hook", true)
	f("http://hooks.slack.com/services/T/B/s3cr3t", false)
	f("ftp://example.com/s3cr3t", false)
	f("/services/T/B/s3cr3t", false)
	f("https://user:s3cr3t@example.com/", false)
	f("", false)
	f("https://", false)
	f("https://:443/s3cr3t", false)
}
