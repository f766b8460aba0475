package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/unyo-ops/unyo/internal/session"
	"github.com/unyo-ops/unyo/internal/throttle"
)

// loginWithRetry posts the login form and returns the status, page and Retry-After.
func (b *browser) loginWithRetry(login, password string) (int, string, string) {
	b.e.t.Helper()
	_, page, _ := b.get("/login")
	req, _ := http.NewRequest("POST", b.e.url+"/login", strings.NewReader(url.Values{"login": {login}, "password": {password},
		session.CSRFField: {csrfOf(page)}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := b.client.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		body.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp.StatusCode, body.String(), resp.Header.Get("Retry-After")
}

func TestLoginIsThrottledAfterManyWrongPasswords(t *testing.T) {
	e := newEnv(t)
	reg := prometheus.NewRegistry()
	reg.MustRegister(e.limiter)
	b := e.browser()
	unauthorized, throttled := 0, 0
	for i := 0; i < 200; i++ {
		switch code, _, _ := b.loginWithRetry("admin", "wrong-password-"+strconv.Itoa(i)); code {
		case http.StatusUnauthorized:
			unauthorized++
		case http.StatusTooManyRequests:
			throttled++
		default:
			t.Fatalf("wrong password %d = %d", i, code)
		}
	}
	if unauthorized != throttle.DefaultPolicy.Pair.After || throttled != 200-unauthorized {
		t.Errorf("200 wrong passwords: %d refused as wrong, %d throttled; want %d and the rest", unauthorized, throttled, throttle.DefaultPolicy.Pair.After)
	}
	code, page, retry := b.loginWithRetry("admin", testPassword)
	if code != http.StatusTooManyRequests {
		t.Fatalf("the right password after 200 wrong ones = %d, want 429", code)
	}
	secs, err := strconv.Atoi(retry)
	if err != nil || secs < 1 {
		t.Fatalf("Retry-After = %q, want whole seconds", retry)
	}
	if !strings.Contains(page, "秒後にもう一度お試しください") {
		t.Error("the login page does not say to wait")
	}
	if got := metricSum(t, reg, "unyo_signin_throttled_total"); got != float64(throttled+1) {
		t.Errorf("unyo_signin_throttled_total = %v, want %d", got, throttled+1)
	}
	// The lock ends when Retry-After says.
	e.clock.add(time.Duration(secs) * time.Second)
	if code, _, _ := b.loginWithRetry("admin", testPassword); code != http.StatusSeeOther {
		t.Errorf("the right password after Retry-After = %d, want 303", code)
	}
}

func TestLoginThrottleSparesAnotherAddress(t *testing.T) {
	e := newEnv(t)
	office := e.browserFrom("198.51.100.7:50123")
	if code, _, _ := office.loginWithRetry("admin", testPassword); code != http.StatusSeeOther {
		t.Fatalf("first login from the office = %d", code)
	}
	attacker := e.browserFrom("203.0.113.9:40000")
	for i := 0; i < 200; i++ {
		attacker.loginWithRetry("admin", "guess-"+strconv.Itoa(i))
	}
	if code, _, _ := attacker.loginWithRetry("admin", testPassword); code != http.StatusTooManyRequests {
		t.Errorf("the attacker's address with the right password = %d, want 429", code)
	}
	// The address admin signed in from before is not held by the account limit.
	if code, _, _ := e.browserFrom("198.51.100.7:50999").loginWithRetry("admin", testPassword); code != http.StatusSeeOther {
		t.Errorf("the admin's usual address = %d, want 303", code)
	}
	// Another user from yet another address is untouched.
	if code, _, _ := e.browserFrom("192.0.2.44:1").loginWithRetry("operator", testPassword); code != http.StatusSeeOther {
		t.Errorf("another user from another address = %d, want 303", code)
	}
}

// metricSum is the sum of a metric family's series in reg, as /metrics shows it.
func metricSum(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
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
