package browser

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestCustomerPortal is issue 17's "Done when" in the browser, on one real
// server: (1) the customer's requester opens an inquiry in the portal and
// sees the MSP's public reply, never its work note; (2) an English-speaking
// requester approves a normal change from its board, and the change's
// window then holds an alert of the affected host (and not of another);
// (3) an operator turns three recurring incidents into a problem and an
// improvement proposal, which the next report's HTML and PDF carry.
func TestCustomerPortal(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("pdftotext is missing: install the Debian package poppler-utils (make deps)")
	}
	s := startServer(t, freePort(t))
	s.api(201, "POST", "/api/v1/tenants", "", map[string]string{"id": "acme", "name": "株式会社アクメ", "language": "ja", "time_zone": "Asia/Tokyo"}, nil)
	s.api(201, "POST", "/api/v1/tenants", "", map[string]string{"id": "beta", "name": "ベータ商事", "language": "ja", "time_zone": "Asia/Tokyo"}, nil)
	for _, u := range []map[string]any{
		{"login": "acme-yamada", "name": "山田", "role": "requester", "tenant": "acme", "language": "ja"},
		{"login": "acme-smith", "name": "Smith", "role": "requester", "tenant": "acme", "language": "en"},
		{"login": "hanako", "name": "Hanako", "role": "operator", "language": "ja"},
	} {
		u["password"], u["time_zone"] = userPassword, "Asia/Tokyo"
		s.api(201, "POST", "/api/v1/users", "", u, nil)
	}
	var web01, web02 struct{ ID int64 }
	s.api(201, "POST", "/api/v1/tenants/acme/resources", "", map[string]any{"name": "web-01", "kind": "host"}, &web01)
	s.api(201, "POST", "/api/v1/tenants/acme/resources", "", map[string]any{"name": "web-02", "kind": "host"}, &web02)

	t.Run("an inquiry gets the public reply, not the work note", func(t *testing.T) {
		ctx := chromium(t)
		if err := login(ctx, s.url, "acme-yamada", userPassword); err != nil {
			t.Fatal(err)
		}
		// The portal speaks of this customer only.
		if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/board"), chromedp.WaitVisible(chromedp.CSS("#portal-todo"))); err != nil {
			t.Fatal(err)
		}
		if h := text(ctx, "h1"); h != "株式会社アクメ の稼働状況" {
			t.Errorf("the customer's board is titled %q", h)
		}
		if body := text(ctx, "body"); strings.Contains(body, "すべてのお客様") || strings.Contains(body, "ベータ") {
			t.Errorf("the customer's board speaks of other customers: %q", body)
		}
		hrefs, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("header nav a")].map(a => a.getAttribute("href"))`))
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hrefs {
			if h != "/board" && !strings.HasPrefix(h, "/tenants/acme") {
				t.Errorf("the customer's navigation links %s", h)
			}
		}
		if !strings.Contains(strings.Join(hrefs, " "), "/tenants/acme/requests") {
			t.Errorf("the customer's navigation lacks its requests: %v", hrefs)
		}

		err = chromedp.Do(ctx,
			chromedp.Navigate(s.url+"/tenants/acme/requests"),
			chromedp.WaitVisible(chromedp.CSS("#inquiry-form")),
			chromedp.SendKeys(chromedp.CSS("#inq-short"), "VPN に接続できない"),
			chromedp.SendKeys(chromedp.CSS("#inq-desc"), "本社から 9 時以降つながりません。"),
			chromedp.Click(chromedp.CSS("#inquiry-submit")),
			chromedp.WaitVisible(chromedp.CSS("#request-facts")),
		)
		if err != nil {
			t.Fatal(err)
		}
		var list []struct {
			ID               int64  `json:"id"`
			Kind             string `json:"kind"`
			ShortDescription string `json:"short_description"`
			OpenedBy         string `json:"opened_by"`
		}
		s.api(200, "GET", "/api/v1/tenants/acme/requests", "", nil, &list)
		if len(list) != 1 || list[0].Kind != "inquiry" || list[0].ShortDescription != "VPN に接続できない" || list[0].OpenedBy != "user:acme-yamada" {
			t.Fatalf("the inquiry by the API: %+v", list)
		}
		path := fmt.Sprintf("/api/v1/tenants/acme/requests/%d", list[0].ID)
		s.api(200, "POST", path+"/work-notes", "", map[string]string{"text": "内部メモ: 顧客FWのNAT設定ミスの疑い"}, nil)
		s.api(200, "POST", path+"/comments", "", map[string]string{"text": "FW のポリシーを確認し、本日中にご連絡します。"}, nil)

		err = chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#timeline")))
		if err != nil {
			t.Fatal(err)
		}
		tl := text(ctx, "#timeline")
		if !strings.Contains(tl, "FW のポリシーを確認し、本日中にご連絡します。") {
			t.Errorf("the customer does not see the MSP's reply: %q", tl)
		}
		if strings.Contains(tl, "NAT設定ミス") || strings.Contains(text(ctx, "body"), "NAT設定ミス") {
			t.Errorf("the customer sees the work note: %q", tl)
		}
		if count(t, ctx, "#note-form, #state-form, #vis-note") != 0 {
			t.Error("the customer is offered the MSP's forms")
		}
		err = chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.CSS("#comment-form #note-text"), "承知しました。お待ちしています。"),
			chromedp.Click(chromedp.CSS("#comment-form #note-submit")),
			// The page after the post: the timeline holding the comment.
			chromedp.WaitVisible(chromedp.Search(`//ol[@id="timeline"]//p[contains(., "承知しました。お待ちしています。")]`)),
		)
		if err != nil {
			t.Fatal(err)
		}
		if tl := text(ctx, "#timeline"); !strings.Contains(tl, "承知しました。お待ちしています。") {
			t.Errorf("the customer's own comment is not on the timeline: %q", tl)
		}
		// Another customer's requests are not the portal's.
		if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/tenants/beta/requests"), chromedp.WaitReady("body")); err != nil {
			t.Fatal(err)
		}
		if body := text(ctx, "body"); !strings.Contains(body, "権限がありません") {
			t.Errorf("beta's requests page for acme's requester: %q", body)
		}
	})

	t.Run("a normal change approved in the portal holds the host's alert", func(t *testing.T) {
		var chg struct{ ID int64 }
		now := time.Now()
		s.api(201, "POST", "/api/v1/tenants/acme/changes", "", map[string]any{"type": "normal", "title": "IIS monthly patches", "risk": "medium",
			"resource_ids": []int64{web01.ID}, "implementation_plan": "apply the KB and reboot", "backout_plan": "uninstall the KB",
			"start": now.Add(-time.Minute).Format(time.RFC3339), "end": now.Add(time.Hour).Format(time.RFC3339)}, &chg)
		s.api(200, "POST", fmt.Sprintf("/api/v1/tenants/acme/changes/%d/submit", chg.ID), "", nil, nil)

		ctx := chromium(t)
		if err := login(ctx, s.url, "acme-smith", userPassword); err != nil {
			t.Fatal(err)
		}
		todo := fmt.Sprintf(`#portal-todo a[href="/tenants/acme/changes/%d"]`, chg.ID)
		err := chromedp.Do(ctx,
			chromedp.Navigate(s.url+"/board"),
			chromedp.WaitVisible(chromedp.CSS(todo)),
		)
		if err != nil {
			t.Fatal(err)
		}
		if h := text(ctx, "h1"); h != "Status of 株式会社アクメ" {
			t.Errorf("the English board is titled %q", h)
		}
		if body := text(ctx, "body"); strings.Contains(body, "every customer") {
			t.Errorf("the customer's board speaks of every customer: %q", body)
		}
		err = chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(todo)),
			chromedp.WaitVisible(chromedp.CSS("#change-approve")),
		)
		if err != nil {
			t.Fatal(err)
		}
		if count(t, ctx, "#change-submit, #approve-reference, #change-link-form") != 0 {
			t.Error("the customer is offered staff actions or a reference field")
		}
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#change-approve")), chromedp.WaitVisible(chromedp.CSS("p.notice"))); err != nil {
			t.Fatal(err)
		}
		if st := text(ctx, "#change-state"); st != "Approved" {
			t.Errorf("state after approval: %q", st)
		}
		if a := text(ctx, "#change-approval"); !strings.Contains(a, "Customer approval") || !strings.Contains(a, "Smith") || strings.Contains(a, "user:") {
			t.Errorf("approval shown: %q", a)
		}
		if n := count(t, ctx, "#change-windows li"); n != 1 {
			t.Errorf("%d windows shown, want 1", n)
		}

		// The same alert on both hosts: web-01's is held by the window, web-02's is not.
		var tok struct{ Token string }
		s.api(201, "POST", "/api/v1/tokens", "", map[string]any{"name": "acme-intake", "tenant": "acme", "scopes": []string{"ingest"}}, &tok)
		for _, host := range []string{"web-01", "web-02"} {
			s.api(200, "POST", "/api/v1/intake/events", tok.Token, map[string]any{"fingerprint": "cpu-" + host, "severity": "critical",
				"summary": "CPU high on " + host, "resource": host}, nil)
		}
		type alert struct {
			State         string `json:"state"`
			InMaintenance bool   `json:"in_maintenance"`
			ResourceID    int64  `json:"resource_id"`
		}
		byHost := map[int64]alert{}
		for deadline := time.Now().Add(30 * time.Second); len(byHost) < 2 && time.Now().Before(deadline); {
			var alerts []alert
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
		if a, ok := byHost[web01.ID]; !ok || !a.InMaintenance {
			t.Errorf("web-01's alert is not held by the approved change's window: %+v (found %v)", a, ok)
		}
		if a, ok := byHost[web02.ID]; !ok || a.InMaintenance {
			t.Errorf("web-02's alert, which the change does not affect: %+v (found %v)", a, ok)
		}
	})

	t.Run("three recurring incidents become a problem and a proposal in the next report", func(t *testing.T) {
		var app01 struct{ ID int64 }
		s.api(201, "POST", "/api/v1/tenants/acme/resources", "", map[string]any{"name": "app-01", "kind": "host"}, &app01)
		for i := range 3 {
			s.api(201, "POST", "/api/v1/tenants/acme/incidents", "", map[string]any{"short_description": fmt.Sprintf("app-01 502 #%d", i+1),
				"resource_ids": []int64{app01.ID}}, nil)
		}
		ctx := chromium(t)
		if err := login(ctx, s.url, "hanako", userPassword); err != nil {
			t.Fatal(err)
		}
		proposal := fmt.Sprintf(`article[data-proposal="host:%d"]`, app01.ID)
		err := chromedp.Do(ctx,
			chromedp.Navigate(s.url+"/tenants/acme/problems"),
			chromedp.WaitVisible(chromedp.CSS(proposal)),
			chromedp.SendKeys(chromedp.CSS(proposal+` input[name="title"]`), "app-01 が高負荷時に 502"),
			chromedp.Click(chromedp.CSS(proposal+" button.accept")),
			chromedp.WaitVisible(chromedp.CSS("#linked-incidents")),
		)
		if err != nil {
			t.Fatal(err)
		}
		if n := count(t, ctx, "#linked-incidents tbody tr"); n != 3 {
			t.Errorf("%d incidents linked to the problem, want 3", n)
		}
		var problems []struct {
			Number string `json:"number"`
		}
		s.api(200, "GET", "/api/v1/tenants/acme/problems", "", nil, &problems)
		if len(problems) != 1 || problems[0].Number == "" {
			t.Fatalf("problems by the API: %+v", problems)
		}
		const title = "nginx 自動再起動の導入"
		err = chromedp.Do(ctx,
			chromedp.Navigate(s.url+"/tenants/acme/improvements"),
			chromedp.WaitVisible(chromedp.CSS("#improvement-form")),
			chromedp.SendKeys(chromedp.CSS("#imp-title"), title),
			chromedp.SetValue(chromedp.CSS("#imp-category"), "automation"),
			chromedp.SendKeys(chromedp.CSS("#imp-evidence"), "problem:"+problems[0].Number),
			chromedp.SendKeys(chromedp.CSS("#imp-proposal"), "502 を検知したら nginx を自動で再起動する"),
			chromedp.SendKeys(chromedp.CSS("#imp-owner"), "Hanako"),
			chromedp.Click(chromedp.CSS("#improvement-submit")),
			chromedp.WaitVisible(chromedp.CSS("dl#improvement")), // the new item's page
			chromedp.Navigate(s.url+"/tenants/acme/improvements"),
			chromedp.WaitVisible(chromedp.CSS("#improvements")),
		)
		if err != nil {
			t.Fatal(err)
		}
		if list := text(ctx, "#improvements"); !strings.Contains(list, title) {
			t.Fatalf("the register lists %q, want the new proposal", list)
		}

		// The next report: this month's draft, as HTML and as PDF.
		jst := time.FixedZone("JST", 9*3600)
		today := time.Now().In(jst)
		var rep struct{ ID int64 }
		s.api(201, "POST", "/api/v1/tenants/acme/reports", "", map[string]string{
			"from": time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, jst).Format(time.DateOnly), "to": today.Format(time.DateOnly)}, &rep)
		base := fmt.Sprintf("/api/v1/tenants/acme/reports/%d", rep.ID)
		html := string(s.get(t, base+"/report.html"))
		if !strings.Contains(html, "改善提案") || !strings.Contains(html, title) {
			t.Errorf("the report's HTML lacks the proposal %q", title)
		}
		pdf := filepath.Join(t.TempDir(), "report.pdf")
		if err := os.WriteFile(pdf, s.get(t, base+"/report.pdf"), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", pdf, "-").Output()
		if err != nil {
			t.Fatalf("pdftotext: %v", err)
		}
		if txt := string(out); !strings.Contains(txt, "改善提案") || !strings.Contains(txt, "nginx 自動再起動") {
			t.Errorf("the report's PDF lacks the proposal: %s", txt)
		}
	})
}

// get reads path as the admin and requires 200.
func (s *server) get(t *testing.T, path string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", s.url+path, nil)
	req.SetBasicAuth("admin", adminPassword)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s = %d: %.300s", path, resp.StatusCode, b)
	}
	return b
}
