package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/secret"
	"github.com/unyo-ops/unyo/internal/testwait"
)

// replica is one in-process `unyo server` on a shared database.
type replica struct {
	t    *testing.T
	base string
	a    *app
	stop func() // stops the replica as SIGTERM does; the test's cleanup calls it too
}

// startReplica runs a server on dsn with its own data directory and the
// sealing key at keyFile (replicas share it), and waits until it is ready.
func startReplica(t *testing.T, dsn, keyFile string, extra ...string) *replica {
	t.Helper()
	args := append([]string{"--data", t.TempDir(), "--listen", "127.0.0.1:0", "--monitor-self=false", "--database", dsn,
		"--secret-key-file", keyFile, "--admin-password", testAdminPassword}, extra...)
	cfg, err := parseServerFlags(args, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	a, err := openApp(context.Background(), cfg, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.run(ctx, cfg, io.Discard) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("replica %s: %v", a.replicaID, err)
			}
			a.close()
		})
	}
	t.Cleanup(stop)
	r := &replica{t: t, base: "http://" + a.ln.Addr().String(), a: a, stop: stop}
	awaitCond(t, 30*time.Second, "the replica to be ready", func() bool { return r.status("GET", "/readyz", nil, nil) == 200 })
	return r
}

// sharedKey writes a sealing key every replica of a test reads.
func sharedKey(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "secret.key")
	if _, err := secret.LoadKey("", path); err != nil { // made on first use, as a first start does
		t.Fatal(err)
	}
	return path
}

// awaitCond polls cond until it holds or within passes.
func awaitCond(t *testing.T, within time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	return testwait.For(t, within, what, cond)
}

// status sends a request with basic credentials (user, password) or a
// bearer token (user "", password the token) and returns the status.
func (r *replica) status(method, path string, auth []string, body any, out ...any) int {
	r.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, r.base+path, rd)
	if err != nil {
		r.t.Fatal(err)
	}
	switch {
	case len(auth) == 2 && auth[0] == "":
		req.Header.Set("Authorization", "Bearer "+auth[1])
	case len(auth) == 2:
		req.SetBasicAuth(auth[0], auth[1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if len(out) > 0 && resp.StatusCode < 300 {
		if err := json.Unmarshal(data, out[0]); err != nil {
			r.t.Fatalf("%s %s: %v: %s", method, path, err, data)
		}
	}
	return resp.StatusCode
}

var admin = []string{"admin", testAdminPassword}

// TestRevocationAcrossReplicas: two servers on one PostgreSQL. What is
// revoked, disabled, changed or logged out on A is refused by B within a
// second, though B had just accepted it (its token cache was warm).
func TestRevocationAcrossReplicas(t *testing.T) {
	t.Setenv("UNYO_TOKEN_CACHE_TTL", "1h") // the notice must do it, not the safety net
	dsn := dbtest.URLFor(t, database.Postgres)
	key := sharedKey(t)
	a := startReplica(t, dsn, key)
	b := startReplica(t, dsn, key)
	const within = time.Second

	// An API token, used on B (cached there), revoked on A.
	var tok struct {
		ID    int64  `json:"id"`
		Token string `json:"token"`
	}
	if c := a.status("POST", "/api/v1/tokens", admin, map[string]any{"name": "ci", "scopes": []string{"read", "admin"}}, &tok); c != 201 {
		t.Fatalf("creating a token: %d", c)
	}
	bearer := []string{"", tok.Token}
	// B caches tokens only while it hears the notices: wait for that, so
	// that the cache is warm and only a notice can clear it.
	awaitCond(t, 10*time.Second, "B to listen for revocations", func() bool { return gauge(t, b.a.reg, "unyo_cluster_revocations_listening") == 1 })
	for range 3 {
		if c := b.status("GET", "/api/v1/whoami", bearer, nil); c != 200 {
			t.Fatalf("B with a fresh token: %d", c)
		}
	}
	if c := a.status("DELETE", fmt.Sprintf("/api/v1/tokens/%d", tok.ID), admin, nil); c != 204 {
		t.Fatalf("revoking on A: %d", c)
	}
	took := awaitCond(t, within, "B to refuse the revoked token", func() bool { return b.status("GET", "/api/v1/whoami", bearer, nil) == 401 })
	t.Logf("B refused the revoked token after %s", took)

	// A user disabled on A, whose password B had just taken.
	var usr struct {
		ID int64 `json:"id"`
	}
	alice := []string{"alice", "alice-first-password"}
	if c := a.status("POST", "/api/v1/users", admin, map[string]any{"login": "alice", "role": "admin", "password": alice[1]}, &usr); c != 201 {
		t.Fatalf("creating a user: %d", c)
	}
	if c := b.status("GET", "/api/v1/whoami", alice, nil); c != 200 {
		t.Fatalf("B with alice's password: %d", c)
	}
	// A new password set on A: B refuses the old one.
	if c := a.status("PUT", fmt.Sprintf("/api/v1/users/%d", usr.ID), admin, map[string]any{"login": "alice", "role": "admin", "password": "alice-second-password"}); c != 200 {
		t.Fatalf("changing alice's password on A: %d", c)
	}
	awaitCond(t, within, "B to refuse the old password", func() bool { return b.status("GET", "/api/v1/whoami", alice, nil) == 401 })
	alice[1] = "alice-second-password"
	if c := b.status("GET", "/api/v1/whoami", alice, nil); c != 200 {
		t.Fatalf("B with alice's new password: %d", c)
	}
	if c := a.status("PUT", fmt.Sprintf("/api/v1/users/%d", usr.ID), admin, map[string]any{"login": "alice", "role": "admin", "disabled": true}); c != 200 {
		t.Fatalf("disabling alice on A: %d", c)
	}
	awaitCond(t, within, "B to refuse the disabled user", func() bool { return b.status("GET", "/api/v1/whoami", alice, nil) == 401 })

	// A console session started on A, used on B, logged out on A.
	cookie, csrf := consoleLogin(t, a)
	if c := consoleGet(t, b, cookie); c != 200 {
		t.Fatalf("B with A's console session: %d", c)
	}
	form := url.Values{"csrf_token": {csrf}}
	req, _ := http.NewRequest("POST", a.base+"/logout", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(cookie)
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	awaitCond(t, within, "B to refuse the logged-out session", func() bool { return consoleGet(t, b, cookie) == http.StatusSeeOther })
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// consoleLogin signs in to r's console as the admin and returns the
// session cookie and its CSRF token.
func consoleLogin(t *testing.T, r *replica) (*http.Cookie, string) {
	t.Helper()
	formToken := strings.Repeat("f", 43)
	form := url.Values{"login": {admin[0]}, "password": {admin[1]}, "csrf_token": {formToken}}
	req, _ := http.NewRequest("POST", r.base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "unyo_form", Value: formToken})
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "unyo_session" {
			cookie = c
		}
	}
	if cookie == nil {
		t.Fatalf("login: %d, no session cookie", resp.StatusCode)
	}
	req, _ = http.NewRequest("GET", r.base+"/account/password", nil)
	req.AddCookie(cookie)
	resp, err = noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token on the password page (%d)", resp.StatusCode)
	}
	return cookie, string(m[1])
}

// consoleGet loads a console page with cookie and returns the status.
func consoleGet(t *testing.T, r *replica, cookie *http.Cookie) int {
	req, _ := http.NewRequest("GET", r.base+"/account/password", nil)
	req.AddCookie(cookie)
	resp, err := noRedirect.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// gauge reads a gauge without labels from reg; -1 when absent.
func gauge(t *testing.T, reg prometheus.Gatherer, name string) float64 {
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.Metric) == 1 {
			return mf.Metric[0].GetGauge().GetValue()
		}
	}
	return -1
}
