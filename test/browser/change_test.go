package browser

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestCustomerApprovesChangeInTheBrowser: the MSP submits a normal change of
// web-01 for the customer; the customer's requester, in the console, finds
// the approve button (and no staff actions), approves, and sees its
// approval and the window recorded; an alert of web-01 then fires held in
// maintenance, while the same alert of web-02, which the change does not
// affect, is not. The incident the change caused shows it, and the
// change shows the incident.
func TestCustomerApprovesChangeInTheBrowser(t *testing.T) {
	s := startServer(t, freePort(t))
	s.api(201, "POST", "/api/v1/tenants", "", map[string]string{"id": "acme", "name": "株式会社アクメ", "language": "ja", "time_zone": "Asia/Tokyo"}, nil)
	var web01, web02, chg struct{ ID int64 }
	s.api(201, "POST", "/api/v1/tenants/acme/resources", "", map[string]any{"name": "web-01", "kind": "host"}, &web01)
	s.api(201, "POST", "/api/v1/tenants/acme/resources", "", map[string]any{"name": "web-02", "kind": "host"}, &web02)
	s.api(201, "POST", "/api/v1/users", "", map[string]any{"login": "acme-requester", "role": "requester", "tenant": "acme", "password": userPassword, "language": "ja"}, nil)
	now := time.Now()
	s.api(201, "POST", "/api/v1/tenants/acme/changes", "", map[string]any{"type": "normal", "title": "IIS 月例パッチ", "risk": "medium",
		"resource_ids": []int64{web01.ID}, "implementation_plan": "KB を適用し再起動", "backout_plan": "KB をアンインストール",
		"start": now.Add(-time.Minute).Format(time.RFC3339), "end": now.Add(time.Hour).Format(time.RFC3339)}, &chg)
	s.api(200, "POST", fmt.Sprintf("/api/v1/tenants/acme/changes/%d/submit", chg.ID), "", nil, nil)
	page := fmt.Sprintf("%s/tenants/acme/changes/%d", s.url, chg.ID)

	customer := chromium(t)
	if err := login(customer, s.url, "acme-requester", userPassword); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(customer, chromedp.Navigate(s.url+"/tenants/acme/changes"), chromedp.WaitVisible(chromedp.CSS("#changes"))); err != nil {
		t.Fatal(err)
	}
	if st := textOf(t, customer, fmt.Sprintf(`#changes tr[data-change="%d"] .state`, chg.ID)); st != "承認待ち" {
		t.Errorf("the list shows the change as %q", st)
	}
	if err := chromedp.Do(customer, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#change-approve"))); err != nil {
		t.Fatal(err)
	}
	if count(t, customer, "#change-link-form") != 0 || count(t, customer, "#change-submit") != 0 || count(t, customer, "#approve-reference") != 0 {
		t.Error("the customer's requester is offered staff actions or a reference field")
	}
	if err := chromedp.Do(customer, chromedp.Click(chromedp.CSS("#change-approve")), chromedp.WaitVisible(chromedp.CSS("p.notice"))); err != nil {
		t.Fatal(err)
	}
	if a := textOf(t, customer, "#change-approval"); !strings.Contains(a, "お客様承認") || !strings.Contains(a, "acme-requester") || strings.Contains(a, "user:") {
		t.Errorf("approval shown: %q", a)
	}
	if st := textOf(t, customer, "#change-state"); st != "承認済み" {
		t.Errorf("state after approval: %q", st)
	}
	if n := count(t, customer, "#change-windows li"); n != 1 {
		t.Errorf("%d windows shown, want 1", n)
	}

	// The same alert on both hosts: web-01's is held, web-02's is not.
	var tok struct{ Token string }
	s.api(201, "POST", "/api/v1/tokens", "", map[string]any{"name": "acme-intake", "tenant": "acme", "scopes": []string{"ingest"}}, &tok)
	for _, host := range []string{"web-01", "web-02"} {
		s.api(200, "POST", "/api/v1/intake/events", tok.Token, map[string]any{"fingerprint": "cpu-" + host, "severity": "critical",
			"summary": "CPU high on " + host, "resource": host}, nil)
	}
	type heldAlert struct {
		ID            int64
		Fingerprint   string `json:"fingerprint"`
		State         string `json:"state"`
		InMaintenance bool   `json:"in_maintenance"`
		ResourceID    int64  `json:"resource_id"`
	}
	byHost := map[int64]heldAlert{}
	deadline := time.Now().Add(30 * time.Second)
	for len(byHost) < 2 && time.Now().Before(deadline) {
		var alerts []heldAlert
		s.api(200, "GET", "/api/v1/tenants/acme/alerts", "", nil, &alerts)
		for _, a := range alerts {
			if a.State == "firing" {
				byHost[a.ResourceID] = a
			}
		}
		if len(byHost) < 2 {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if !byHost[web01.ID].InMaintenance {
		t.Errorf("web-01's alert is not held by the approved change's window: %+v", byHost)
	}
	if a, ok := byHost[web02.ID]; !ok || a.InMaintenance {
		t.Errorf("web-02's alert, which the change does not affect: %+v (found %v)", a, ok)
	}

	// The change caused an incident: linked, each side shows the other.
	var inc struct{ ID int64 }
	s.api(201, "POST", "/api/v1/tenants/acme/incidents", "", map[string]any{"short_description": "web-01 の応答なし", "impact": 2, "urgency": 2}, &inc)
	s.api(200, "POST", fmt.Sprintf("/api/v1/tenants/acme/changes/%d/incidents", chg.ID), "", map[string]any{"incident_id": inc.ID, "note": "再起動後に IIS が停止"}, nil)
	err := chromedp.Do(customer, chromedp.Navigate(fmt.Sprintf("%s/tenants/acme/incidents/%d", s.url, inc.ID)), chromedp.WaitVisible(chromedp.CSS("#incident-change")))
	if err != nil {
		t.Fatal(err)
	}
	if l := textOf(t, customer, "#incident-change"); !strings.Contains(l, fmt.Sprintf("CHG%d", chg.ID)) || !strings.Contains(l, "IIS が停止") {
		t.Errorf("the incident names its change as %q", l)
	}
	if err := chromedp.Do(customer, chromedp.Click(chromedp.CSS("#incident-change a")), chromedp.WaitVisible(chromedp.CSS("#change-incidents"))); err != nil {
		t.Fatal(err)
	}
	if n := count(t, customer, fmt.Sprintf(`#change-incidents li[data-incident="%d"]`, inc.ID)); n != 1 {
		t.Errorf("the change lists the incident %d times", n)
	}
}
