package e2e

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// consoleBrowser is a cookie-keeping client that does not follow redirects.
type consoleBrowser struct {
	s      *server
	client *http.Client
}

func (s *server) browser() *consoleBrowser {
	jar, _ := cookiejar.New(nil)
	return &consoleBrowser{s: s, client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]*)"`)

func (b *consoleBrowser) do(method, path string, form url.Values) (int, string, http.Header) {
	b.s.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, b.s.url+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out), resp.Header
}

// login posts the console's login form and returns the status.
func (b *consoleBrowser) login(login, password string) (int, http.Header) {
	b.s.t.Helper()
	_, page, _ := b.do("GET", "/login", nil)
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		b.s.t.Fatal("the login page has no form token")
	}
	code, _, h := b.do("POST", "/login", url.Values{"login": {login}, "password": {password}, "csrf_token": {m[1]}})
	return code, h
}

// loggedIn reports whether the browser's session still opens the board.
func (b *consoleBrowser) loggedIn() bool {
	code, _, _ := b.do("GET", "/board", nil)
	return code == http.StatusOK
}

// TestDeletedTenantsTokenIsRefusedAtOnce: the token cache must not let a
// deleted tenant's token in for its 10 s lifetime.
func TestDeletedTenantsTokenIsRefusedAtOnce(t *testing.T) {
	s := startServer(t, t.TempDir())
	_, read := s.tenantWithTokens("doomed")
	if code, body := s.call("GET", "/api/v1/whoami", read, nil); code != http.StatusOK {
		t.Fatalf("whoami with the token = %d: %s", code, body)
	}
	if code, body := s.call("DELETE", "/api/v1/tenants/doomed", "", nil); code != http.StatusNoContent {
		t.Fatalf("delete tenant = %d: %s", code, body)
	}
	if code, body := s.call("GET", "/api/v1/whoami", read, nil); code != http.StatusUnauthorized {
		t.Errorf("the deleted tenant's token on the next request = %d, want 401: %s", code, body)
	}
	if code, _ := s.call("GET", "/api/v1/query?query=up", read, nil); code != http.StatusUnauthorized {
		t.Errorf("the deleted tenant's token on a query = %d, want 401", code)
	}
}

// TestPasswordChangeAndDisableEndConsoleSessions: an admin resets a user's
// password, or disables the user, over the API; the user's open console
// sessions end, and do not come back when the user is enabled again.
func TestPasswordChangeAndDisableEndConsoleSessions(t *testing.T) {
	s := startServer(t, t.TempDir())
	var u struct {
		ID int64 `json:"id"`
	}
	user := map[string]any{"login": "hanako", "name": "Hanako", "role": "operator", "password": "first-password-123"}
	s.mustJSON(201, "POST", "/api/v1/users", "", user, &u)
	path := "/api/v1/users/" + strconv.FormatInt(u.ID, 10)

	b := s.browser()
	if code, _ := b.login("hanako", "first-password-123"); code != http.StatusSeeOther || !b.loggedIn() {
		t.Fatalf("login = %d", code)
	}
	delete(user, "login")
	user["password"] = "second-password-456"
	s.mustJSON(200, "PUT", path, "", user, nil)
	if b.loggedIn() {
		t.Error("the console session survived a password reset")
	}
	if code, _ := b.login("hanako", "first-password-123"); code != http.StatusUnauthorized {
		t.Errorf("the old password after the reset = %d, want 401", code)
	}
	if code, _ := b.login("hanako", "second-password-456"); code != http.StatusSeeOther || !b.loggedIn() {
		t.Fatalf("login with the new password = %d", code)
	}

	delete(user, "password")
	user["disabled"] = true
	s.mustJSON(200, "PUT", path, "", user, nil)
	user["disabled"] = false
	s.mustJSON(200, "PUT", path, "", user, nil)
	if b.loggedIn() {
		t.Error("a session survived disabling the user and came back on enabling")
	}
}

// TestBasicAuthGuessingIsThrottled: 200 wrong passwords over API basic auth,
// then the right one, against the real server: 429 with Retry-After, and
// the refusals counted on /metrics without tenant labels.
func TestBasicAuthGuessingIsThrottled(t *testing.T) {
	s := startServer(t, t.TempDir())
	basic := func(password string) *http.Response {
		req, _ := http.NewRequest("GET", s.url+"/api/v1/whoami", nil)
		req.SetBasicAuth("admin", password)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	throttled := 0
	for i := 0; i < 200; i++ {
		if basic("wrong-"+strconv.Itoa(i)).StatusCode == http.StatusTooManyRequests {
			throttled++
		}
	}
	if throttled < 150 {
		t.Errorf("200 wrong passwords: %d answered 429, want nearly all", throttled)
	}
	resp := basic(adminPassword)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("the right password after 200 wrong ones = %d (Retry-After %q), want 429 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	mresp, err := http.Get(s.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(mresp.Body)
	mresp.Body.Close()
	found := false
	for _, line := range strings.Split(string(metrics), "\n") {
		if strings.HasPrefix(line, "unyo_signin_throttled_total") {
			found = true
			if strings.Contains(line, "tenant") || strings.Contains(line, "admin") {
				t.Errorf("/metrics: %s names a tenant or an account", line)
			}
			if f := strings.Fields(line); len(f) != 2 || f[1] == "0" {
				t.Errorf("/metrics: %s, want a count above 0", line)
			}
		}
	}
	if !found {
		t.Error("/metrics has no unyo_signin_throttled_total")
	}
}
