package backup

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
)

// TestStatusesOfMatchesStatus: the batched read of every policy's history
// (the watch's resync, the status list) gives each policy exactly the
// Status the single-policy path gives it, over histories chosen to trip
// each rule and each tie: more good jobs than the size history holds, good
// points sharing one moment, jobs finishing at the same moment, a job that
// started last but finished first, points outside the retention, restore
// tests sharing a start, two tenants in different time zones (every
// tenant's read at once, as the watch and the MSP's board read them).
func TestStatusesOfMatchesStatus(t *testing.T) {
	ctx := context.Background()
	db, err := database.Open(ctx, dbtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	objects := storage.New(db)
	store := NewStore(db, objects)
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	svc := map[string]int64{}
	for _, tz := range [][2]string{{"acme", "Asia/Tokyo"}, {"beta", "America/New_York"}} {
		if err := objects.CreateTenant(ctx, &model.Tenant{ID: tz[0], Name: tz[0], Language: "ja", TimeZone: tz[1]}); err != nil {
			t.Fatal(err)
		}
		s := &model.Service{TenantID: tz[0], Name: "shop", Level: model.ServiceLevel{RPO: model.Duration(26 * time.Hour), RTO: model.Duration(4 * time.Hour)}}
		if err := objects.CreateService(ctx, s); err != nil {
			t.Fatal(err)
		}
		svc[tz[0]] = s.ID
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	policy := func(tenant, name, plan string, retention time.Duration, created time.Time) int64 {
		t.Helper()
		var id int64
		err := db.QueryRowContext(ctx, `INSERT INTO backup_policies (tenant_id, name, service_id, target, method, schedule, retention_ms,
			rpo_ms, rto_ms, grace_ms, runbook, created_at, updated_at, size_low_percent, size_high_percent, restore_plan, restore_grace_ms,
			restore_plan_since) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id`,
			tenant, name, svc[tenant], "db", MethodDBDump, "0 2 * * *", retention.Milliseconds(), 0, 0, time.Hour.Milliseconds(), "",
			created.UnixMilli(), created.UnixMilli(), 50, 200, plan, (168 * time.Hour).Milliseconds(), created.UnixMilli()).Scan(&id)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	job := func(tenant string, p int64, status Result, started, finished, point time.Time, size int64, source string) {
		t.Helper()
		exec(`INSERT INTO backup_jobs (tenant_id, policy_id, status, started_at, finished_at, size_bytes, recovery_point, message,
			created_at, source) VALUES (?,?,?,?,?,?,?,?,?,?)`, tenant, p, status, started.UnixMilli(), finished.UnixMilli(), size,
			point.UnixMilli(), "", finished.UnixMilli(), source)
	}
	// daily stores n good daily jobs of p, the newest run today at 02:00
	// in Tokyo (17:00 UTC the day before), sizes from size(i), i=0 newest.
	run := time.Date(2026, 12, 6, 17, 0, 0, 0, time.UTC)
	daily := func(tenant string, p int64, n int, size func(i int) int64) {
		t.Helper()
		for i := n - 1; i >= 0; i-- {
			at := run.Add(-time.Duration(i) * day)
			job(tenant, p, StatusOK, at, at.Add(20*time.Minute), at, size(i), OriginAPI)
		}
	}
	restore := func(tenant string, p int64, started time.Time) {
		t.Helper()
		exec(`INSERT INTO backup_restore_tests (tenant_id, policy_id, started_at, finished_at, performed_by, restored, verification,
			result, created_at) VALUES (?,?,?,?,?,?,?,?,?)`, tenant, p, started.UnixMilli(), started.Add(time.Hour).UnixMilli(), "ops",
			"db", "ok", RestoreOK, started.UnixMilli())
	}
	gib := func(int) int64 { return 1 << 30 }
	old := now.AddDate(0, -2, 0)
	want := map[string]State{}

	// No job ever: the RPO, a missed run, the retention.
	policy("acme", "none", "", 240*time.Hour, old)
	want["none"] = StateAtRisk
	// 15 good days, more than the size history holds; a recent restore test.
	p := policy("acme", "fresh", "quarterly", 240*time.Hour, old)
	daily("acme", p, 15, gib)
	restore("acme", p, now.AddDate(0, 0, -20))
	want["fresh"] = StateOK
	// The newest good job is 40% of the ones before: a size anomaly.
	p = policy("acme", "shrunk", "", 240*time.Hour, old)
	daily("acme", p, 12, func(i int) int64 { return map[bool]int64{true: 400, false: 1000}[i == 0] })
	want["shrunk"] = StateAtRisk
	// 14 good jobs at one recovery point: the id orders them, so which 11
	// make the size history (and which is the newest) is the id's choice.
	p = policy("acme", "ties", "", 240*time.Hour, old)
	daily("acme", p, 11, gib)
	for i := range 14 {
		job("acme", p, StatusOK, run, run.Add(time.Minute), run, int64(1000+i*10)+map[bool]int64{true: 5000, false: 0}[i == 13], OriginAPI)
	}
	want["ties"] = StateAtRisk
	// Failed after good ones (pushed): failed. From the agent: the item alerts.
	p = policy("acme", "failed-last", "", 240*time.Hour, old)
	daily("acme", p, 12, gib)
	job("acme", p, StatusFailed, run.Add(time.Hour), run.Add(2*time.Hour), run.Add(time.Hour), 0, OriginAPI)
	want["failed-last"] = StateFailed
	p = policy("acme", "agent-failed", "", 240*time.Hour, old)
	daily("acme", p, 12, gib)
	job("acme", p, StatusFailed, run.Add(time.Hour), run.Add(2*time.Hour), run.Add(time.Hour), 0, OriginAgent)
	want["agent-failed"] = StateOK
	// Two jobs finishing at one moment: the later id is the last job.
	p = policy("acme", "finished-tie", "", 240*time.Hour, old)
	daily("acme", p, 5, gib)
	job("acme", p, StatusOK, run.Add(time.Hour), run.Add(3*time.Hour), run.Add(time.Hour), 1<<30, OriginAPI)
	job("acme", p, StatusPartial, run.Add(2*time.Hour), run.Add(3*time.Hour), run.Add(2*time.Hour), 1<<29, OriginAPI)
	want["finished-tie"] = StateFailed
	// A long job started first and finished last; a short one started
	// later: the last job is the long one, the last start the short one's.
	p = policy("acme", "overlap", "", 240*time.Hour, old)
	daily("acme", p, 4, gib)
	job("acme", p, StatusOK, run.Add(time.Hour), run.Add(9*time.Hour), run.Add(time.Hour), 1<<30, OriginAPI)
	job("acme", p, StatusFailed, run.Add(2*time.Hour), run.Add(3*time.Hour), run.Add(2*time.Hour), 0, OriginAPI)
	want["overlap"] = StateAtRisk
	// Three days of jobs kept where the retention promises ten; sizes of 0
	// (not sent) among them.
	p = policy("acme", "short-retention", "", 240*time.Hour, old)
	daily("acme", p, 3, func(i int) int64 { return int64(i%2) * 1 << 30 })
	want["short-retention"] = StateAtRisk
	// Points older than the retention: the oldest kept is the first inside.
	p = policy("acme", "kept", "", 72*time.Hour, old)
	daily("acme", p, 30, gib)
	want["kept"] = StateOK
	// A point exactly at the retention's edge is still kept.
	p = policy("acme", "edge", "", 72*time.Hour, old)
	daily("acme", p, 3, gib)
	job("acme", p, StatusOK, now.Add(-72*time.Hour), now.Add(-71*time.Hour), now.Add(-72*time.Hour), 1<<30, OriginAPI)
	want["edge"] = StateOK
	// Nothing for three days: the RPO and a missed run; an overdue restore
	// test plan, two tests sharing a start.
	p = policy("acme", "stale", "monthly", 240*time.Hour, old)
	for i := 3; i < 20; i++ {
		at := run.Add(-time.Duration(i) * day)
		job("acme", p, StatusOK, at, at.Add(20*time.Minute), at, 1<<30, OriginAPI)
	}
	restore("acme", p, now.AddDate(0, -3, 0))
	restore("acme", p, now.AddDate(0, -3, 0))
	want["stale"] = StateAtRisk
	// New: younger than its retention and its first run.
	policy("acme", "new", "monthly", 240*time.Hour, now.Add(-time.Hour))
	want["new"] = StateOK
	// Another tenant, another zone: its 02:00 is not Tokyo's.
	p = policy("beta", "fresh", "quarterly", 240*time.Hour, old)
	daily("beta", p, 15, gib)
	restore("beta", p, now.AddDate(0, 0, -20))
	p = policy("beta", "failed-last", "", 240*time.Hour, old)
	daily("beta", p, 12, gib)
	job("beta", p, StatusFailed, run.Add(time.Hour), run.Add(2*time.Hour), run.Add(time.Hour), 0, OriginAPI)

	seen := map[Condition]bool{}
	states := map[State]bool{}
	check := func(tenant string) {
		t.Helper()
		list, err := store.Policies(ctx, tenant)
		if err != nil {
			t.Fatal(err)
		}
		batch, err := store.StatusesOf(ctx, tenant, list, now)
		if err != nil {
			t.Fatal(err)
		}
		if len(batch) != len(list) {
			t.Fatalf("tenant %q: %d statuses of %d policies", tenant, len(batch), len(list))
		}
		facts, err := store.factsOf(ctx, tenant, now)
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range list {
			// The facts too, which the rules may not all show.
			f, err := store.Facts(ctx, p, now)
			if err != nil {
				t.Fatal(err)
			}
			bf := Facts{}
			if facts[p.ID] != nil {
				bf = *facts[p.ID]
			}
			if !reflect.DeepEqual(bf, f) {
				t.Errorf("tenant %q, %s/%s: batched facts\n%+v\nper policy\n%+v", tenant, p.TenantID, p.Name, bf, f)
			}
			one, err := store.Status(ctx, p, now)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(batch[i], one) {
				t.Errorf("tenant %q, %s/%s: batched\n%s\nper policy\n%s", tenant, p.TenantID, p.Name, dump(batch[i]), dump(one))
			}
			if p.TenantID == "acme" && batch[i].State != want[p.Name] {
				t.Errorf("%s: %s %v, want %s", p.Name, batch[i].State, batch[i].Conditions, want[p.Name])
			}
			for _, c := range batch[i].Conditions {
				seen[c] = true
			}
			states[batch[i].State] = true
		}
	}
	check("")
	check("acme")
	check("beta")
	// Every tenant's policies (their services read at once) are each
	// tenant's own, effective RPO and RTO included.
	all, err := store.Policies(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	byTenant := map[string][]*Policy{}
	for _, p := range all {
		byTenant[p.TenantID] = append(byTenant[p.TenantID], p)
	}
	for _, tenant := range []string{"acme", "beta"} {
		own, err := store.Policies(ctx, tenant)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(byTenant[tenant], own) {
			t.Errorf("%s's policies of every tenant's list differ from its own list", tenant)
		}
		if own[0].EffectiveRPO != model.Duration(26*time.Hour) {
			t.Errorf("%s/%s: effective RPO %v, want the service's 26h", tenant, own[0].Name, own[0].EffectiveRPO)
		}
	}
	// The set is varied enough to mean something: every rule and state.
	for _, c := range Conditions {
		if !seen[c] {
			t.Errorf("no policy of the set has %s", c)
		}
	}
	for _, s := range []State{StateOK, StateAtRisk, StateFailed} {
		if !states[s] {
			t.Errorf("no policy of the set is %s", s)
		}
	}
	// A policy of another tenant is refused, not evaluated without its history.
	acme, _ := store.Policies(ctx, "acme")
	beta, _ := store.Policies(ctx, "beta")
	if _, err := store.StatusesOf(ctx, "acme", append(acme, beta...), now); err == nil {
		t.Error("acme's statuses of beta's policies: no error")
	}
}

// dump shows a Status with the facts behind it, for a failure message.
func dump(st Status) string {
	s := fmt.Sprintf("%+v", st)
	if st.LastJob != nil {
		s += fmt.Sprintf("\n  last job %+v", *st.LastJob)
	}
	if st.LastRestoreTest != nil {
		s += fmt.Sprintf("\n  last restore %+v", *st.LastRestoreTest)
	}
	return s
}
