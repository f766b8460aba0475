package browser

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// webClient is a plain HTTP client with a session, for checking every
// endpoint of the console without a browser.
type webClient struct {
	t    *testing.T
	base string
	c    *http.Client
	csrf string
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]*)"`)

func webLogin(t *testing.T, base, user, password string) *webClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	w := &webClient{t: t, base: base, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	_, body := w.get("/login")
	code, _ := w.post("/login", url.Values{"login": {user}, "password": {password}, "csrf_token": {csrfOf(body)}})
	if code != http.StatusSeeOther {
		t.Fatalf("login %s = %d", user, code)
	}
	_, body = w.get("/board")
	if w.csrf = csrfOf(body); w.csrf == "" {
		t.Fatalf("no CSRF token on %s's board", user)
	}
	return w
}

func csrfOf(page string) string {
	if m := csrfRE.FindStringSubmatch(page); m != nil {
		return m[1]
	}
	return ""
}

func (w *webClient) get(path string) (int, string) {
	w.t.Helper()
	resp, err := w.c.Get(w.base + path)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (w *webClient) post(path string, form url.Values) (int, string) {
	w.t.Helper()
	resp, err := w.c.PostForm(w.base+path, form)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// postCSRF posts form with the session's CSRF token.
func (w *webClient) postCSRF(path string, form url.Values) (int, string) {
	w.t.Helper()
	form.Set("csrf_token", w.csrf)
	return w.post(path, form)
}

// TestDeskIsolation: a customer viewer reads and changes nothing of another
// tenant on any of the operations pages, an ID of another tenant under the
// caller's own tenant is 404, a POST without the CSRF token or with bad
// input changes nothing, and a viewer changes nothing even of its own tenant.
func TestDeskIsolation(t *testing.T) {
	f := newFixture(t)
	d := newDeskData(t, f)
	base := f.srv.url
	viewer := webLogin(t, base, "acme-viewer", userPassword)
	admin := webLogin(t, base, "admin", adminPassword)

	var betaCh struct{ ID int64 }
	f.srv.api(201, "POST", "/api/v1/tenants/beta/channels", "", map[string]any{"name": "beta-hook", "type": "webhook",
		"config": map[string]string{"url": "http://127.0.0.1:1/hook", "secret": "beta-secret-0123456789"}}, &betaCh)
	alert := fmt.Sprintf("/tenants/beta/alerts/%d", d.betaAlert)
	inc := fmt.Sprintf("/tenants/beta/incidents/%d", d.betaIncident)
	rep := fmt.Sprintf("/tenants/beta/reports/%d", d.betaReport)
	gets := []string{alert, inc, rep, rep + "/report.html", rep + "/report.pdf",
		"/tenants/beta/alerts", "/tenants/beta/alerts?view=history", "/tenants/beta/incidents", "/tenants/beta/reports",
		"/alerts?tenant=beta", "/incidents?tenant=beta", "/reports?tenant=beta", "/tenants/beta/maintenance", "/maintenance?tenant=beta", "/tenants/beta/settings/notifications", "/settings/notifications",
		"/tenants/beta/silences"}
	posts := map[string]url.Values{
		alert + "/acknowledge":      {},
		alert + "/silence":          {"until": {"2099-01-01T00:00"}},
		inc + "/acknowledge":        {},
		inc + "/state":              {"state": {"in_progress"}},
		inc + "/cause":              {"cause": {"x"}, "category": {"y"}},
		inc + "/notes":              {"kind": {"comment"}, "text": {"from another tenant"}},
		rep:                         {"topic_title": {"x"}, "topic_body": {"y"}, "comment": {"z"}},
		rep + "/publish":            {},
		"/tenants/beta/maintenance": {"name": {"x"}, "kind": {"once"}, "start": {"2099-01-01T00:00"}, "end": {"2099-01-01T01:00"}},
		fmt.Sprintf("/tenants/beta/maintenance/%d/delete", d.betaWindow):  {},
		"/tenants/beta/settings/channels":                                 {"name": {"x"}, "type": {"webhook"}, "config": {`{"url":"http://127.0.0.1:1/x","secret":"0123456789abcdef0123"}`}},
		"/tenants/beta/settings/contacts":                                 {"name": {"x"}, "email": {"x@example.com"}, "via": {"beta-mail"}},
		"/tenants/beta/settings/policies":                                 {"name": {"x"}, "step_targets": {"x"}, "step_wait": {""}, "step_when": {""}},
		fmt.Sprintf("/tenants/beta/settings/channels/%d/test", betaCh.ID): {},
		// The operator's forms: opening, assigning, linking, report drafts.
		"/tenants/beta/incidents": {"short_description": {"x"}, "impact": {"1"}, "urgency": {"1"}},
		"/incidents":              {"tenant": {"beta"}, "short_description": {"x"}, "impact": {"1"}, "urgency": {"1"}},
		inc + "/assign":           {"assignee": {"intruder"}},
		alert + "/incident":       {"incident": {fmt.Sprint(d.betaIncident)}},
		"/tenants/beta/reports":   {"from": {"2026-11-01"}, "to": {"2026-11-30"}},
		"/tenants/beta/silences":  {"m_name": {"host"}, "m_op": {"="}, "m_value": {"x"}, "duration": {"1h"}, "comment": {"x"}},
		"/reports":                {"tenant": {"beta"}, "from": {"2026-11-01"}, "to": {"2026-11-30"}},
	}
	for _, p := range gets {
		if code, body := viewer.get(p); code != http.StatusForbidden || !strings.Contains(body, "権限がありません") {
			t.Errorf("viewer GET %s = %d, want 403", p, code)
		}
	}
	for p, form := range posts {
		if code, _ := viewer.postCSRF(p, form); code != http.StatusForbidden {
			t.Errorf("viewer POST %s = %d, want 403", p, code)
		}
		if code, _ := admin.post(p, form); code != http.StatusForbidden {
			t.Errorf("admin POST %s without the CSRF token = %d, want 403", p, code)
		}
		// beta's IDs under acme's path are not acme's: 404, for the MSP too.
		if !strings.Contains(p, "/maintenance/") && !strings.Contains(p, "/alerts/") && !strings.Contains(p, "/incidents/") &&
			!strings.Contains(p, "/reports/") && !strings.Contains(p, "/channels/") {
			continue // names no ID: under acme it would add acme's own window
		}
		if code, _ := admin.postCSRF(strings.Replace(p, "/tenants/beta/", "/tenants/acme/", 1), form); code != http.StatusNotFound {
			t.Errorf("admin POST %s under acme = %d, want 404", p, code)
		}
	}
	for _, p := range []string{alert, inc, rep} {
		if code, _ := admin.get(strings.Replace(p, "/tenants/beta/", "/tenants/acme/", 1)); code != http.StatusNotFound {
			t.Errorf("admin GET %s under acme = %d, want 404", p, code)
		}
	}
	// A viewer changes nothing of its own tenant either.
	own := fmt.Sprintf("/tenants/acme/incidents/%d/notes", d.acmeIncident)
	if code, _ := viewer.postCSRF(own, url.Values{"kind": {"comment"}, "text": {"viewer comment"}}); code != http.StatusForbidden {
		t.Errorf("viewer POST %s = %d, want 403", own, code)
	}
	if code, _ := viewer.postCSRF(fmt.Sprintf("/tenants/acme/alerts/%d/acknowledge", d.acmeAlert), url.Values{}); code != http.StatusForbidden {
		t.Errorf("viewer acknowledging its own alert = %d, want 403", code)
	}

	// The MSP reads a draft's HTML and PDF, rendered now.
	acmeRep := fmt.Sprintf("/tenants/acme/reports/%d", d.acmeReport)
	if code, body := admin.get(acmeRep + "/report.html"); code != http.StatusOK || !strings.Contains(body, "株式会社アクメ") {
		t.Errorf("GET %s/report.html = %d, want the report's HTML", acmeRep, code)
	}
	if code, body := admin.get(acmeRep + "/report.pdf"); code != http.StatusOK || !strings.HasPrefix(body, "%PDF-") {
		t.Errorf("GET %s/report.pdf = %d, want a PDF", acmeRep, code)
	}

	// Bad input names the field and changes nothing.
	code, body := admin.postCSRF(alert+"/silence", url.Values{"until": {"tomorrow"}})
	if code != http.StatusBadRequest || !strings.Contains(body, "until:") {
		t.Errorf("silence until=tomorrow = %d, want 400 naming until", code)
	}
	code, body = admin.postCSRF(inc+"/state", url.Values{"state": {"resolved"}, "close_notes": {"done"}})
	if code != http.StatusBadRequest || !strings.Contains(body, "close_code:") {
		t.Errorf("resolve without a close code = %d, want 400 naming close_code", code)
	}
	code, body = admin.postCSRF(inc+"/notes", url.Values{"kind": {"work_note"}, "text": {"  "}})
	if code != http.StatusBadRequest || !strings.Contains(body, "text:") {
		t.Errorf("an empty note = %d, want 400 naming text", code)
	}

	// Nothing of beta changed.
	var a struct {
		AcknowledgedBy string  `json:"acknowledged_by"`
		SilencedUntil  *string `json:"silenced_until"`
	}
	f.srv.api(200, "GET", fmt.Sprintf("/api/v1/tenants/beta/alerts/%d", d.betaAlert), "", nil, &a)
	if a.AcknowledgedBy != "" || a.SilencedUntil != nil {
		t.Errorf("beta's alert changed: %+v", a)
	}
	var i struct {
		State string
		Cause string
	}
	f.srv.api(200, "GET", fmt.Sprintf("/api/v1/tenants/beta/incidents/%d", d.betaIncident), "", nil, &i)
	if i.State != "new" || i.Cause != "" {
		t.Errorf("beta's incident changed: %+v", i)
	}
	var tl []struct{ Kind string }
	f.srv.api(200, "GET", fmt.Sprintf("/api/v1/tenants/beta/incidents/%d/timeline", d.betaIncident), "", nil, &tl)
	for _, e := range tl {
		if e.Kind == "comment" || e.Kind == "work_note" {
			t.Errorf("beta's incident has a %s", e.Kind)
		}
	}
	var r struct{ State string }
	f.srv.api(200, "GET", "/api/v1"+rep, "", nil, &r)
	if r.State != "draft" {
		t.Errorf("beta's report = %q, want still a draft", r.State)
	}
	var channels []struct{ ID int64 }
	f.srv.api(200, "GET", "/api/v1/tenants/beta/channels", "", nil, &channels)
	if len(channels) != 1 || channels[0].ID != betaCh.ID {
		t.Errorf("beta has channels %+v, want only its own", channels)
	}
	var windows []struct{ ID int64 }
	f.srv.api(200, "GET", "/api/v1/tenants/beta/maintenance-windows", "", nil, &windows)
	if len(windows) != 1 || windows[0].ID != d.betaWindow {
		t.Errorf("beta's maintenance windows = %+v, want only its own one", windows)
	}
}
