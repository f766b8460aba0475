package improvement

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/workreport"
)

// TestAutomationCandidatesRankByHoursThenCount builds three months of a
// tenant's manual work through the real desk and work report store and
// reads the ranking a user sees: the kinds of work seen three times or
// more, by hours, ties by count; work attached to a request or incident
// adds hours there and is not counted twice; two occurrences are no
// routine, however long; another tenant's work is not there.
func TestAutomationCandidatesRankByHoursThenCount(t *testing.T) {
	fx := newFixture(t)
	ctx := t.Context()
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	now := time.Now().In(tokyo)
	month := func(back int) time.Time {
		return time.Date(now.Year(), now.Month()-time.Month(back), 1, 0, 0, 0, 0, tokyo)
	}
	m2, m1, m0 := month(2), month(1), month(0)
	work := func(tenant, subject string, start time.Time, d time.Duration, incidentID int64) {
		t.Helper()
		r := &workreport.Report{TenantID: tenant, Subject: subject, Worker: "佐藤", Result: workreport.ResultDone,
			StartedAt: start, EndedAt: start.Add(d), IncidentID: incidentID, CreatedBy: "user:sato"}
		if err := fx.work.Create(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	// Monthly patching, numbered hosts: one kind of work, 7 h in all.
	work("acme", "月次パッチ適用 web1", m2.Add(34*time.Hour), 2*time.Hour, 0)
	work("acme", "月次パッチ適用 web2", m1.Add(34*time.Hour), 2*time.Hour, 0)
	work("acme", "月次パッチ適用  WEB3", m0.Add(10*time.Hour), 3*time.Hour, 0)
	// Log checks: four short ones, 1 h.
	for i := range 4 {
		work("acme", "ログ確認", m1.Add(time.Duration(48+i*24)*time.Hour), 15*time.Minute, 0)
	}
	// Certificate renewals: long, but only twice.
	work("acme", "証明書更新", m2.Add(50*time.Hour), 5*time.Hour, 0)
	work("acme", "証明書更新", m1.Add(50*time.Hour), 5*time.Hour, 0)
	// Three account requests, two with their work reports (1.5 h).
	item := &incident.CatalogItem{TenantID: "acme", Name: "アカウント追加"}
	if err := fx.desk.CreateCatalogItem(ctx, item); err != nil {
		t.Fatal(err)
	}
	for i, d := range []time.Duration{time.Hour, 30 * time.Minute, 0} {
		req, err := fx.desk.OpenRequest(ctx, "acme", "user:cust", incident.RequestInput{Kind: incident.KindRequest, CatalogItemID: item.ID,
			Fields: incident.Fields{ShortDescription: ptr(fmt.Sprintf("account %d", i))}})
		if err != nil {
			t.Fatal(err)
		}
		if d > 0 {
			work("acme", "アカウント作成作業", later(now.Add(-time.Duration(i+1)*time.Minute), m0), d, req.ID)
		}
	}
	// An incident of cause "disk full": three work notes and 1 h of work.
	inc, err := fx.desk.Open(ctx, "acme", "user:sato", incident.Fields{ShortDescription: ptr("/var full")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fx.desk.RecordCause(ctx, "acme", inc.ID, "user:sato", incident.Cause{Category: "Disk Full", Cause: "logs"}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"古いログを削除", "logrotate再起動", "空き容量確認"} {
		if _, err := fx.desk.AddNote(ctx, "acme", inc.ID, "user:sato", n, true); err != nil {
			t.Fatal(err)
		}
	}
	work("acme", "ディスク整理", later(now.Add(-2*time.Hour), m0), time.Hour, inc.ID) // within this month
	// beta patches more than anyone: none of it is acme's.
	for i := range 5 {
		work("beta", "月次パッチ適用 web1", m1.Add(time.Duration(30+i)*time.Hour), 10*time.Hour, 0)
	}

	q := fmt.Sprintf("?from=%s&to=%s", m2.Format("2006-01"), m0.Format("2006-01"))
	code, out := fx.do(t, "GET", "/api/v1/tenants/acme/automation-candidates"+q, "acme:read", "")
	var got []Candidate
	if err := json.Unmarshal([]byte(out), &got); code != 200 || err != nil {
		t.Fatalf("candidates: %d %s", code, out)
	}
	var lines []string
	for _, c := range got {
		var months []string
		for _, m := range c.Months {
			months = append(months, fmt.Sprintf("%d/%g", m.Count, m.Hours))
		}
		lines = append(lines, fmt.Sprintf("%d %s %s count=%d hours=%g [%s]", c.Rank, c.Source, c.Label, c.Count, c.Hours, strings.Join(months, " ")))
	}
	want := []string{
		"1 work_report 月次パッチ適用 web1 count=3 hours=7 [1/2 1/2 1/3]",
		"2 catalog_request アカウント追加 count=3 hours=1.5 [0/0 0/0 3/1.5]",
		"3 work_report ログ確認 count=4 hours=1 [0/0 4/1 0/0]",
		"4 incident Disk Full count=3 hours=1 [0/0 0/0 3/1]",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("ranking:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if got[0].Months[0].Month != m2.Format("2006-01") || got[0].Key != "月次パッチ適用 web#" {
		t.Errorf("first candidate: %+v", got[0])
	}
	// A window without the patching months leaves it under the threshold.
	code, out = fx.do(t, "GET", "/api/v1/tenants/acme/automation-candidates?from="+m0.Format("2006-01")+"&to="+m0.Format("2006-01"), "acme:read", "")
	if code != 200 || strings.Contains(out, "パッチ") || !strings.Contains(out, "アカウント追加") {
		t.Errorf("this month only: %d %s", code, out)
	}
	for _, bad := range []struct{ q, field string }{{"?from=2026-13", "from"}, {"?to=26-01", "to"}, {"?from=2026-05&to=2026-01", "from"}, {"?from=2020-01&to=2026-01", "from"}} {
		if code, out := fx.do(t, "GET", "/api/v1/tenants/acme/automation-candidates"+bad.q, "acme:read", ""); code != 400 || !strings.Contains(out, `"field":"`+bad.field+`"`) {
			t.Errorf("%s = %d %s, want 400 naming %s", bad.q, code, out, bad.field)
		}
	}
}

// later is the later of a and b: work of "just now" stays in this month
// even in its first hours.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
