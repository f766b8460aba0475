package backup

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/apitest"
)

// restoreBody is a restore test's record of started → finished.
func restoreBody(started, finished time.Time, result string) string {
	return fmt.Sprintf(`{"started_at":%q,"finished_at":%q,"performed_by":"Sato","restored":"shop-db from the 02:00 dump to db-restore1",
		"verification":"row counts of orders and customers match the source","result":%q}`,
		started.Format(time.RFC3339), finished.Format(time.RFC3339), result)
}

// TestRestoreTestsAPI: a restore test is recorded (audited) with who,
// what and the verification, measured against the effective RTO (8h from
// the service level, or the policy's tighter one), and bad input is a 400
// naming the field that stores nothing.
func TestRestoreTestsAPI(t *testing.T) {
	fx := newFixture(t)
	p := fx.createPolicy(t, "acme", "shop-db", "")
	path := fmt.Sprintf("/api/v1/tenants/acme/backups/policies/%d/restore-tests", p.ID)
	now := time.Now().UTC().Truncate(time.Second)
	do := func(method, path string, b any) (int, []byte) {
		code, out := fx.do(t, method, path, "acme:read,write", b.(string))
		return code, []byte(out)
	}
	state := func() string { _, out := fx.do(t, "GET", path, "acme:read", ""); return out }
	var within RestoreTest
	out := apitest.CheckAudited(t, fx.store.db, do, "acme", apitest.Change{Method: "POST", Path: path,
		Body: restoreBody(now.Add(-30*time.Hour), now.Add(-23*time.Hour), "ok"), State: state, Action: "create", ObjectType: "backup_restore_test"})
	if err := json.Unmarshal(out, &within); err != nil || within.ID == 0 || within.OverRTO || time.Duration(within.Duration) != 7*time.Hour ||
		time.Duration(within.RTO) != 8*time.Hour || within.PerformedBy != "Sato" {
		t.Fatalf("7h restore against an 8h RTO: %s", out)
	}
	code, body := fx.do(t, "POST", path, "acme:read,write", restoreBody(now.Add(-10*time.Hour), now.Add(-90*time.Minute), "ok"))
	var over RestoreTest
	json.Unmarshal([]byte(body), &over)
	if code != 201 || !over.OverRTO || time.Duration(over.Duration) != 8*time.Hour+30*time.Minute {
		t.Fatalf("8h30m restore: %d %s, want over the RTO", code, body)
	}
	// Without performed_by the caller performed it.
	code, body = fx.do(t, "POST", path, "acme:read,write", strings.Replace(restoreBody(now.Add(-time.Hour), now, "failed"), `"performed_by":"Sato",`, "", 1))
	if code != 201 || !strings.Contains(body, `"performed_by":"token:test"`) {
		t.Fatalf("default performer: %d %s", code, body)
	}
	bad := func(b, field string) {
		t.Helper()
		code, out := fx.do(t, "POST", path, "acme:read,write", b)
		if code != 400 || !strings.Contains(out, `"field":"`+field+`"`) {
			t.Errorf("%s: %d %s, want 400 naming %s", b, code, out, field)
		}
	}
	good := restoreBody(now.Add(-2*time.Hour), now.Add(-time.Hour), "ok")
	bad(strings.Replace(good, `"result":"ok"`, `"result":"fine"`, 1), "result")
	bad(restoreBody(now.Add(-time.Hour), now.Add(-2*time.Hour), "ok"), "finished_at")
	bad(restoreBody(now, now.Add(time.Hour), "ok"), "finished_at")
	bad(strings.Replace(good, now.Add(-2*time.Hour).Format(time.RFC3339), "yesterday", 1), "started_at")
	bad(strings.Replace(good, `"verification":"row counts of orders and customers match the source"`, `"verification":" "`, 1), "verification")
	bad(strings.Replace(good, `"restored":"shop-db from the 02:00 dump to db-restore1"`, `"restored":""`, 1), "restored")
	if code, _ := fx.do(t, "POST", path, "acme:read", good); code != 403 {
		t.Errorf("record with a read token: %d", code)
	}
	if code, _ := fx.do(t, "POST", "/api/v1/tenants/acme/backups/policies/999999/restore-tests", "acme:read,write", good); code != 404 {
		t.Errorf("unknown policy: %d", code)
	}
	code, body = fx.do(t, "GET", path, "acme:read", "")
	var list []RestoreTest
	json.Unmarshal([]byte(body), &list)
	if code != 200 || len(list) != 3 || list[0].Result != RestoreFailed || !list[1].OverRTO || list[2].OverRTO || list[2].Verification == "" {
		t.Fatalf("list: %d %s", code, body)
	}
	// A tighter RTO on the policy measures every test again.
	if code, out := fx.do(t, "PUT", fmt.Sprintf("/api/v1/tenants/acme/backups/policies/%d", p.ID), "acme:read,write",
		strings.Replace(fx.policyBody("acme", "shop-db", ""), `"rpo":""`, `"rpo":"","rto":"6h"`, 1)); code != 200 {
		t.Fatalf("tighter RTO: %d %s", code, out)
	}
	_, body = fx.do(t, "GET", path, "acme:read", "")
	json.Unmarshal([]byte(body), &list)
	if !list[2].OverRTO || time.Duration(list[2].RTO) != 6*time.Hour {
		t.Errorf("7h restore against a 6h RTO: %+v", list[2])
	}
}

// TestPolicyRulesFields: the size bounds and the restore plan are stored
// and checked; a plan kept on update keeps when it was set.
func TestPolicyRulesFields(t *testing.T) {
	fx := newFixture(t)
	body := func(extra string) string {
		return strings.Replace(fx.policyBody("acme", "shop-db", ""), `"rpo":""`, `"rpo":""`+extra, 1)
	}
	code, out := fx.do(t, "POST", "/api/v1/tenants/acme/backups/policies", "acme:read,write",
		body(`,"size_low_percent":80,"size_high_percent":150,"restore_plan":"quarterly","restore_grace":"336h"`))
	var p Policy
	json.Unmarshal([]byte(out), &p)
	if code != 201 || p.SizeLowPercent != 80 || p.SizeHighPercent != 150 || p.RestorePlan != "quarterly" ||
		time.Duration(p.RestoreGrace) != 336*time.Hour || p.RestorePlanSince == nil {
		t.Fatalf("create: %d %s", code, out)
	}
	since := *p.RestorePlanSince
	path := fmt.Sprintf("/api/v1/tenants/acme/backups/policies/%d", p.ID)
	bad := func(extra, field string) {
		t.Helper()
		code, out := fx.do(t, "PUT", path, "acme:read,write", body(extra))
		if code != 400 || !strings.Contains(out, `"field":"`+field+`"`) {
			t.Errorf("%s: %d %s, want 400 naming %s", extra, code, out, field)
		}
	}
	bad(`,"size_low_percent":100`, "size_low_percent")
	bad(`,"size_high_percent":100`, "size_high_percent")
	bad(`,"restore_plan":"sometimes"`, "restore_plan")
	bad(`,"restore_plan":"quarterly","restore_grace":"30m"`, "restore_grace")
	code, out = fx.do(t, "PUT", path, "acme:read,write", body(`,"restore_plan":"quarterly","restore_grace":"48h"`))
	json.Unmarshal([]byte(out), &p)
	if code != 200 || p.RestorePlanSince == nil || !p.RestorePlanSince.Equal(since) || p.SizeLowPercent != DefaultSizeLowPercent {
		t.Fatalf("plan kept: %d %s (since %s)", code, out, since)
	}
	got, _ := fx.store.Policy(t.Context(), "acme", p.ID)
	if !got.RestorePlanSince.Equal(since) || time.Duration(got.RestoreGrace) != 48*time.Hour {
		t.Errorf("stored plan kept: %+v", got)
	}
	fx.store.now = func() time.Time { return time.Now().Add(time.Minute) }
	fx.do(t, "PUT", path, "acme:read,write", body(`,"restore_plan":"monthly"`))
	got, _ = fx.store.Policy(t.Context(), "acme", p.ID)
	if got.RestorePlan != "monthly" || got.RestorePlanSince == nil || !got.RestorePlanSince.After(since) {
		t.Errorf("a new plan starts anew: %+v", got)
	}
}

// TestFactsFromTheHistory: the size history and the oldest point kept are
// read from the stored jobs, of this policy only.
func TestFactsFromTheHistory(t *testing.T) {
	fx := newFixture(t)
	p := fx.createPolicy(t, "acme", "shop-db", "")
	other := fx.createPolicy(t, "acme", "other", "")
	now := time.Now().UTC().Truncate(time.Millisecond)
	add := func(policy int64, status Result, ago time.Duration, size int64) {
		t.Helper()
		at := now.Add(-ago)
		if _, _, err := fx.store.AddJob(t.Context(), &Job{TenantID: "acme", PolicyID: policy, Status: status, StartedAt: at, FinishedAt: at, SizeBytes: size}); err != nil {
			t.Fatal(err)
		}
	}
	// Retention 720h: the point 31 days old has expired.
	add(p.ID, StatusOK, 31*24*time.Hour, 1)
	for i := 20; i >= 1; i-- {
		add(p.ID, StatusOK, time.Duration(i)*24*time.Hour, int64(1000+i))
	}
	add(p.ID, StatusFailed, time.Hour, 5)
	add(other.ID, StatusOK, 25*24*time.Hour, 7)
	full, _ := fx.store.Policy(t.Context(), "acme", p.ID)
	f, err := fx.store.Facts(t.Context(), full, now)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.Sizes, []int64{1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009, 1010, 1011}) {
		t.Errorf("sizes: %v", f.Sizes)
	}
	if f.Oldest == nil || !f.Oldest.RecoveryPoint.Equal(now.Add(-20*24*time.Hour)) {
		t.Errorf("oldest kept: %+v", f.Oldest)
	}
}

// TestWatchRestoreOverdue: a policy whose quarterly restore test is past
// its grace raises one alert carrying the runbook; recording a test
// resolves it.
func TestWatchRestoreOverdue(t *testing.T) {
	fx := newFixture(t)
	log := &intakeLog{}
	w := NewWatch(fx.store, fx.st, log.intake, nil)
	fx.store.OnChange(w.Touch)
	// The plan was set 100 days ago: the test due after 3 months plus 7 days is overdue.
	long := time.Now().Add(-100 * 24 * time.Hour)
	fx.store.now = func() time.Time { return long }
	p := fx.createPolicy(t, "acme", "shop-db", "")
	if _, err := fx.store.db.Exec(`UPDATE backup_policies SET restore_plan='quarterly', restore_plan_since=? WHERE id=?`, long.UnixMilli(), p.ID); err != nil {
		t.Fatal(err)
	}
	fx.store.now = time.Now
	if _, _, err := fx.store.AddJob(t.Context(), &Job{TenantID: "acme", PolicyID: p.ID, Status: StatusOK}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	fp := fmt.Sprintf("policy/%d/%s", p.ID, ConditionRestoreOverdue)
	log.await(t, fp, alert.StateFiring, 1)
	log.mu.Lock()
	var sig alert.Signal
	for _, s := range log.signals {
		if s.Fingerprint == fp {
			sig = s
		}
	}
	log.mu.Unlock()
	if sig.RunbookURL != "https://wiki.example/restore-shop-db" || sig.Severity != alert.SeverityWarning ||
		!strings.Contains(sig.Name, "Restore test overdue") || !strings.Contains(sig.Summaries.En, "quarterly") || !strings.Contains(sig.Summaries.Ja, "quarterly") {
		t.Errorf("overdue signal: %+v", sig)
	}
	now := time.Now()
	if err := fx.store.AddRestoreTest(t.Context(), &RestoreTest{TenantID: "acme", PolicyID: p.ID, StartedAt: now.Add(-time.Hour),
		FinishedAt: now, PerformedBy: "Sato", Restored: "shop-db", Verification: "counts match", Result: RestoreOK}); err != nil {
		t.Fatal(err)
	}
	log.await(t, fp, alert.StateResolved, 1)
	if n, _ := log.count(fp, alert.StateFiring); n != 1 {
		t.Errorf("%d overdue alerts, want 1", n)
	}
}
