package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/throttle"
)

// basicFrom sends GET /api/v1/whoami with basic credentials from the source
// address remote, served in process (the loopback listener has one address).
func (e *env) basicFrom(remote, login, password string) *http.Response {
	req := httptest.NewRequest("GET", "/api/v1/whoami", nil)
	req.RemoteAddr = remote
	req.SetBasicAuth(login, password)
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	return rec.Result()
}

func TestBasicAuthIsThrottledAfterManyWrongPasswords(t *testing.T) {
	e := newEnv(t)
	unauthorized, throttled := 0, 0
	for i := 0; i < 200; i++ {
		switch code, _ := e.do("GET", "/api/v1/whoami", cred{login: "admin", password: "wrong-" + strconv.Itoa(i)}, nil); code {
		case http.StatusUnauthorized:
			unauthorized++
		case http.StatusTooManyRequests:
			throttled++
		default:
			t.Fatalf("wrong password %d = %d", i, code)
		}
	}
	if unauthorized != throttle.DefaultPolicy.Pair.After {
		t.Errorf("200 wrong passwords: %d refused as wrong, %d throttled; want %d refused before the throttle", unauthorized, throttled, throttle.DefaultPolicy.Pair.After)
	}
	resp := e.basicFrom("127.0.0.1:1234", "admin", adminPassword)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("the right password after 200 wrong ones = %d, want 429: %s", resp.StatusCode, body)
	}
	var out struct{ Error string }
	if json.Unmarshal(body, &out) != nil || out.Error == "" {
		t.Errorf("429 body = %s, want a JSON error", body)
	}
	secs, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil || secs < 1 {
		t.Fatalf("Retry-After = %q, want whole seconds", resp.Header.Get("Retry-After"))
	}
	if got := metricSum(t, e, "unyo_signin_throttled_total"); got != float64(throttled+1) {
		t.Errorf("unyo_signin_throttled_total = %v, want %d", got, throttled+1)
	}
	if got := metricSum(t, e, "unyo_signin_failures_total"); got != float64(unauthorized) {
		t.Errorf("unyo_signin_failures_total = %v, want %d", got, unauthorized)
	}
	// Another address is not held: the account limit spares an address
	// the account signed in from, and this one never failed.
	if resp := e.basicFrom("192.0.2.50:1", "admin", adminPassword); resp.StatusCode != http.StatusOK {
		t.Errorf("the right password from another address = %d, want 200 (the account lock is capped at %v; this address waited none)",
			resp.StatusCode, throttle.DefaultPolicy.Account.Max)
		e.clock.add(throttle.DefaultPolicy.Account.Max)
		if resp := e.basicFrom("192.0.2.50:1", "admin", adminPassword); resp.StatusCode != http.StatusOK {
			t.Errorf("... and after the account cap %v = %d", throttle.DefaultPolicy.Account.Max, resp.StatusCode)
		}
	}
	e.clock.add(time.Duration(secs) * time.Second)
	if code, _ := e.do("GET", "/api/v1/whoami", admin, nil); code != http.StatusOK {
		t.Errorf("the right password after Retry-After = %d, want 200", code)
	}
}

// metricSum is the sum of a metric family's series, as /metrics shows it.
func metricSum(t *testing.T, e *env, name string) float64 {
	t.Helper()
	mfs, err := e.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}
