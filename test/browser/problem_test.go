package browser

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestRecurringIncidentsBecomeAProblem: three incidents of one host make
// unyo propose a problem on acme's problems page; the operator records it
// from the proposal, lands on the problem with the three incidents linked,
// moves it to Assess and records a workaround as a known error; a fourth
// incident of the host then shows "known error: workaround …" on its page
// and in the API.
func TestRecurringIncidentsBecomeAProblem(t *testing.T) {
	s := startServer(t, freePort(t))
	s.api(201, "POST", "/api/v1/tenants", "", map[string]string{"id": "acme", "name": "株式会社アクメ", "language": "ja", "time_zone": "Asia/Tokyo"}, nil)
	s.api(201, "POST", "/api/v1/users", "", map[string]any{"login": "hanako", "name": "Hanako", "role": "operator", "password": "operator-password-1", "language": "ja", "time_zone": "Asia/Tokyo"}, nil)
	var web struct {
		ID int64 `json:"id"`
	}
	s.api(201, "POST", "/api/v1/tenants/acme/resources", "", map[string]any{"name": "acme-web1", "kind": "host"}, &web)
	var numbers []string
	for i := range 3 {
		var inc struct {
			Number string `json:"number"`
		}
		s.api(201, "POST", "/api/v1/tenants/acme/incidents", "", map[string]any{"short_description": fmt.Sprintf("web1 502 #%d", i+1),
			"resource_ids": []int64{web.ID}}, &inc)
		numbers = append(numbers, inc.Number)
	}

	ctx := chromium(t)
	if err := login(ctx, s.url, "hanako", "operator-password-1"); err != nil {
		t.Fatal(err)
	}
	key := fmt.Sprintf("host:%d", web.ID)
	proposal := fmt.Sprintf(`article[data-proposal=%q]`, key)
	if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/tenants/acme/problems"), chromedp.WaitVisible(chromedp.CSS(proposal))); err != nil {
		t.Fatal(err)
	}
	if got := text(ctx, proposal); !strings.Contains(got, "acme-web1") || !strings.Contains(got, "3 件再発") ||
		!strings.Contains(got, numbers[0]) || !strings.Contains(got, numbers[2]) {
		t.Errorf("the proposal = %q, want acme-web1's three incidents", got)
	}
	err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(proposal+` input[name="title"]`), "web1 が高負荷時に 502"),
		chromedp.Click(chromedp.CSS(proposal+" button.accept")),
		chromedp.WaitVisible(chromedp.CSS("#linked-incidents")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(ctx, "h1"); !strings.Contains(got, "PRB") || !strings.Contains(got, "web1 が高負荷時に 502") {
		t.Errorf("problem heading = %q", got)
	}
	if got := count(t, ctx, "#linked-incidents tbody tr"); got != 3 {
		t.Errorf("%d linked incidents, want 3", got)
	}
	// Each submit loads the page again: wait for what the new page shows,
	// not for an element the old page had too.
	err = chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#pst-state"), "assess"),
		chromedp.Click(chromedp.CSS("#problem-state-submit")),
	)
	if err != nil {
		t.Fatal(err)
	}
	await(t, ctx, `(document.querySelector("#problem-state") || {}).textContent === "評価" && document.readyState === "complete"`)
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#pe-workaround"), "nginx を再起動"),
		chromedp.Click(chromedp.CSS("#pe-known")),
		chromedp.Click(chromedp.CSS("#problem-edit-submit")),
	)
	if err != nil {
		t.Fatal(err)
	}
	await(t, ctx, `(document.querySelector("#problem-workaround") || {}).textContent === "nginx を再起動" && document.readyState === "complete"`)
	if got := text(ctx, "#problem-state"); got != "評価" {
		t.Errorf("state = %q, want 評価 (Assess)", got)
	}
	if got := text(ctx, "#problem-known-error"); !strings.Contains(got, "はい") {
		t.Errorf("known error = %q, want yes", got)
	}

	// By the API: the problem holds the three, and nothing is proposed any more.
	var problems []struct {
		State       string  `json:"state"`
		IncidentIDs []int64 `json:"incident_ids"`
		KnownError  bool    `json:"known_error"`
	}
	s.api(200, "GET", "/api/v1/tenants/acme/problems", "", nil, &problems)
	if len(problems) != 1 || len(problems[0].IncidentIDs) != 3 || problems[0].State != "assess" || !problems[0].KnownError {
		t.Fatalf("problems by API = %+v", problems)
	}
	var props []any
	s.api(200, "GET", "/api/v1/tenants/acme/problems/proposals", "", nil, &props)
	if len(props) != 0 {
		t.Errorf("still proposed: %+v", props)
	}

	// A fourth incident of the host shows the known error.
	var fourth struct {
		ID int64 `json:"id"`
	}
	s.api(201, "POST", "/api/v1/tenants/acme/incidents", "", map[string]any{"short_description": "web1 502 #4", "resource_ids": []int64{web.ID}}, &fourth)
	if err := chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/tenants/acme/incidents/%d", s.url, fourth.ID)),
		chromedp.WaitVisible(chromedp.CSS("aside.known-error"))); err != nil {
		t.Fatal(err)
	}
	if got := text(ctx, "aside.known-error"); !strings.Contains(got, "既知のエラー: 回避策 nginx を再起動") {
		t.Errorf("the fourth incident shows %q", got)
	}
	var inc struct {
		KnownErrors []struct {
			Workaround string `json:"workaround"`
		} `json:"known_errors"`
	}
	s.api(200, "GET", fmt.Sprintf("/api/v1/tenants/acme/incidents/%d", fourth.ID), "", nil, &inc)
	if len(inc.KnownErrors) != 1 || inc.KnownErrors[0].Workaround != "nginx を再起動" {
		t.Errorf("the incident's known_errors by API = %+v", inc.KnownErrors)
	}

	// A new alert of the host, through the generic intake, shows it too.
	var tok struct{ Token string }
	s.api(201, "POST", "/api/v1/tokens", "", map[string]any{"name": "acme-events", "tenant": "acme", "scopes": []string{"ingest"}}, &tok)
	s.api(200, "POST", "/api/v1/intake/events", tok.Token, map[string]any{"fingerprint": "web1-502", "severity": "warning",
		"summary": "web1 502 rate", "resource": "acme-web1"}, nil)
	var alerts []struct {
		ID int64 `json:"id"`
	}
	s.api(200, "GET", "/api/v1/tenants/acme/alerts", "", nil, &alerts)
	if len(alerts) != 1 {
		t.Fatalf("acme's alerts = %+v, want one", alerts)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/tenants/acme/alerts/%d", s.url, alerts[0].ID)),
		chromedp.WaitVisible(chromedp.CSS("aside.known-error"))); err != nil {
		t.Fatal(err)
	}
	if got := text(ctx, "aside.known-error"); !strings.Contains(got, "既知のエラー: 回避策 nginx を再起動") {
		t.Errorf("the alert shows %q", got)
	}
}
