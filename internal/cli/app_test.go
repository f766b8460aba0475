package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/servicenow"
	"github.com/unyo-ops/unyo/internal/servicenow/servicenowtest"
	"github.com/unyo-ops/unyo/internal/session"
)

const testAdminPassword = "cli-test-admin-password"

// testApp opens the server's app on a fresh data directory, with one
// tenant and the first admin.
func testApp(t *testing.T) (*app, *serverConfig) {
	t.Helper()
	a, cfg := testAppWithoutAdmin(t)
	if _, err := bootstrapAdmin(context.Background(), a.objects, testAdminPassword); err != nil {
		t.Fatal(err)
	}
	return a, cfg
}

// testAppWithoutAdmin is testApp before the first start's bootstrap.
func testAppWithoutAdmin(t *testing.T) (*app, *serverConfig) {
	t.Helper()
	// The fakes listen on loopback, which integrations may not reach by default.
	cfg, err := parseServerFlags([]string{"--data", t.TempDir(), "--outbound-allow", "127.0.0.0/8"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, err := openApp(ctx, cfg, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.close)
	if err := a.objects.CreateTenant(ctx, &model.Tenant{ID: "acme", Name: "Acme", Language: "en", TimeZone: "UTC"}); err != nil {
		t.Fatal(err)
	}
	return a, cfg
}

// consoleClient logs in to the console served from a as the first admin.
type consoleClient struct {
	t    *testing.T
	base string
	http *http.Client
}

func loginConsole(t *testing.T, a *app, cfg *serverConfig) *consoleClient {
	t.Helper()
	return loginConsoleAs(t, a, cfg, testAdminPassword)
}

// loginConsoleAs logs in to the console as the first admin with password.
func loginConsoleAs(t *testing.T, a *app, cfg *serverConfig, password string) *consoleClient {
	t.Helper()
	web, err := newConsole(context.Background(), &cfg.console, a)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	web.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	c := &consoleClient{t: t, base: srv.URL, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if code := c.postForm("/login", "/login", url.Values{"login": {"admin"}, "password": {password}}); code != http.StatusSeeOther {
		t.Fatalf("login = %d, want 303", code)
	}
	return c
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]*)"`)

// postForm posts form to path with the CSRF token of the page at from.
func (c *consoleClient) postForm(from, path string, form url.Values) int {
	c.t.Helper()
	resp, err := c.http.Get(c.base + from)
	if err != nil {
		c.t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if m := csrfRE.FindSubmatch(page); m != nil {
		form.Set(session.CSRFField, string(m[1]))
	}
	resp, err = c.http.PostForm(c.base+path, form)
	if err != nil {
		c.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestConsoleAcknowledgementReachesServiceNow: an incident acknowledged in
// the console goes through the one incident desk, whose hooks queue the
// change for the tenant's ServiceNow instance. A second incident store
// without the hooks, as the wiring once built, would change the incident
// and leave ServiceNow behind.
func TestConsoleAcknowledgementReachesServiceNow(t *testing.T) {
	a, cfg := testApp(t)
	ctx := context.Background()
	sn := servicenowtest.New("unyo.integration", "s3cret-pass", "unyo-client", "client-s3cret")
	t.Cleanup(sn.Close)
	if _, err := a.snConfigs.Put(ctx, "acme", servicenow.ConfigInput{InstanceURL: sn.URL, Auth: servicenow.AuthBasic,
		Username: "unyo.integration", Password: "s3cret-pass"}); err != nil {
		t.Fatal(err)
	}
	desc, impact := "mail relay down", 2
	inc, err := a.desk.Open(ctx, "acme", "user:sato", incident.Fields{ShortDescription: &desc, Impact: &impact, Urgency: &impact})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.snSync.Deliver(ctx); err != nil {
		t.Fatal(err)
	}

	c := loginConsole(t, a, cfg)
	page := fmt.Sprintf("/tenants/acme/incidents/%d", inc.ID)
	if code := c.postForm(page, page+"/acknowledge", url.Values{}); code != http.StatusSeeOther {
		t.Fatalf("console acknowledge = %d, want 303", code)
	}
	got, err := a.desk.Incident(ctx, "acme", inc.ID)
	if err != nil || got.AcknowledgedAt == nil {
		t.Fatalf("incident after the console's acknowledgement: %+v, %v", got, err)
	}
	// The hooks queue the change in the acknowledgement's transaction: one
	// delivery round carries it.
	if _, err := a.snSync.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	for _, r := range sn.Requests() {
		if r.Method == "PATCH" && strings.HasPrefix(r.Fields["work_notes"], "Acknowledged in unyo") {
			return
		}
	}
	t.Fatalf("ServiceNow never heard of the console's acknowledgement: %+v", sn.Requests())
}
