package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/improvement"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/workreport"
)

// withImprovements wires the real improvement register into the console.
func withImprovements(o *Options) { o.Improvements = improvement.NewStore(o.Store.DB()) }

// TestImprovementRegisterPages: an operator files an issue from the form
// (a refused form names the field and stores nothing), moves it along its
// life from its page, and the list, the detail with its history and the
// automation candidates read in Japanese and in English.
func TestImprovementRegisterPages(t *testing.T) {
	e := newEnv(t, withImprovements)
	ctx := context.Background()
	op := e.login("operator")
	form := url.Values{"title": {"ログ肥大化の恒久対策"}, "category": {"operations"}, "evidence": {"alert:a-17 ディスク使用率90%\nproblem:PRB0001"},
		"proposal": {"logrotateを毎日にする"}, "expected_effect": {"アラート月3件減"}, "owner": {"佐藤"}, "due": {"2027-01-31"}}
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("evidence", "rumour:1")
	if code, page, _ := op.postForm("/tenants/acme/improvements", "/tenants/acme/improvements", bad); code != http.StatusBadRequest || !strings.Contains(page, "evidence[0].kind") {
		t.Fatalf("bad evidence = %d, want 400 naming evidence[0].kind", code)
	}
	code, _, loc := op.postForm("/tenants/acme/improvements", "/tenants/acme/improvements", form)
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/tenants/acme/improvements/") {
		t.Fatalf("file = %d to %q", code, loc)
	}
	_, page, _ := op.get("/tenants/acme/improvements")
	for _, want := range []string{"ログ肥大化の恒久対策", "運用", "佐藤", "2027-01-31", "提案", "アラート月3件減", `id="improvement-form"`} {
		if !strings.Contains(page, want) {
			t.Errorf("register page lacks %q", want)
		}
	}
	for _, to := range []string{"accepted", "in_progress"} {
		if code, _, _ := op.postForm(loc, loc+"/status", url.Values{"status": {to}, "note": {"定例会で合意"}}); code != http.StatusSeeOther {
			t.Fatalf("move to %s = %d", to, code)
		}
	}
	if code, page, _ := op.postForm(loc, loc+"/status", url.Values{"status": {"proposed"}}); code != http.StatusBadRequest || !strings.Contains(page, "status") {
		t.Errorf("move back to proposed = %d, want 400", code)
	}
	_, page, _ = op.get(loc)
	for _, want := range []string{"対応中", "提案 → 承認済み", "承認済み → 対応中", "定例会で合意", "alert:a-17 ディスク使用率90%", "problem:PRB0001", `value="done"`} {
		if !strings.Contains(page, want) {
			t.Errorf("item page lacks %q", want)
		}
	}

	// Work reports of the month make an automation candidate.
	work := workreport.NewStore(e.store.DB())
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	first := time.Date(time.Now().In(tokyo).Year(), time.Now().In(tokyo).Month(), 1, 9, 0, 0, 0, tokyo)
	for i := range 3 {
		r := &workreport.Report{TenantID: "acme", Subject: fmt.Sprintf("手動再起動 app%d", i), Worker: "佐藤", Result: workreport.ResultDone,
			StartedAt: first.Add(time.Duration(i) * time.Hour), EndedAt: first.Add(time.Duration(i)*time.Hour + 30*time.Minute), CreatedBy: "user:sato"}
		if err := work.Create(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	_, page, _ = op.get("/tenants/acme/automation")
	for _, want := range []string{"自動化可能業務", "手動再起動 app0", "作業報告", "3件 / 1.5時間", `data-rank="1"`} {
		if !strings.Contains(page, want) {
			t.Errorf("automation page lacks %q", want)
		}
	}
	if code, _, _ := op.get("/tenants/acme/automation?from=2026-13"); code != http.StatusBadRequest {
		t.Errorf("a bad month = %d, want 400", code)
	}

	// In English.
	en := &model.User{Login: "en-operator", Role: model.RoleOperator, PasswordHash: testPasswordHash(), Email: "en@example.com", Language: "en"}
	en.Normalize()
	if err := e.store.CreateUser(ctx, en); err != nil {
		t.Fatal(err)
	}
	eb := e.login("en-operator")
	_, page, _ = eb.get(loc)
	for _, want := range []string{"In progress", "Proposed → Accepted", "Operations", "Change the status"} {
		if !strings.Contains(page, want) {
			t.Errorf("English item page lacks %q", want)
		}
	}
	_, page, _ = eb.get("/tenants/acme/automation")
	for _, want := range []string{"Automation candidates", "Work report", "3 / 1.5 h"} {
		if !strings.Contains(page, want) {
			t.Errorf("English automation page lacks %q", want)
		}
	}
	// Every change is audited.
	audit, _ := e.store.AuditLog(ctx, "acme", 10)
	n := 0
	for _, a := range audit {
		if a.ObjectType == "improvement" {
			n++
		}
	}
	if n != 3 {
		t.Errorf("audit has %d improvement entries, want 3 (create and two moves)", n)
	}
}
