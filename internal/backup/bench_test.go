package backup

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
)

// BenchmarkCompliance10000 evaluates every rule of 10,000 policies (10
// tenants of 1,000, each policy with 12 daily jobs and a restore test) as
// the watch's resync does: read the policies, then the history of all of
// them at once (StatusesOf), then Evaluate each. go test -run '^$' -bench
// Compliance ./internal/backup/ reports ns/op for all 10,000 and ns/policy.
func BenchmarkCompliance10000(b *testing.B) {
	store, now := complianceFixture(b)
	b.ResetTimer()
	var n int
	for b.Loop() {
		list, err := store.Policies(context.Background(), "")
		if err != nil {
			b.Fatal(err)
		}
		sts, err := store.StatusesOf(context.Background(), "", list, now)
		if err != nil {
			b.Fatal(err)
		}
		n = 0
		for i, st := range sts {
			if st.State != StateOK {
				b.Fatalf("policy %s: %s %v", list[i].Name, st.State, st.Conditions)
			}
			n++
		}
	}
	if n != complianceTenants*compliancePer {
		b.Fatalf("%d policies evaluated", n)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/policy")
}

// BenchmarkCompliance10000PerPolicy is the same through the single-policy
// path (Status: the history of each policy read on its own), as the
// resync did before StatusesOf, and as a job arriving still does.
func BenchmarkCompliance10000PerPolicy(b *testing.B) {
	store, now := complianceFixture(b)
	b.ResetTimer()
	var n int
	for b.Loop() {
		list, err := store.Policies(context.Background(), "")
		if err != nil {
			b.Fatal(err)
		}
		n = 0
		for _, p := range list {
			st, err := store.Status(context.Background(), p, now)
			if err != nil {
				b.Fatal(err)
			}
			if st.State != StateOK {
				b.Fatalf("policy %s: %s %v", p.Name, st.State, st.Conditions)
			}
			n++
		}
	}
	if n != complianceTenants*compliancePer {
		b.Fatalf("%d policies evaluated", n)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/policy")
}

// The compliance benchmarks' fixture: tenants of per policies each.
const complianceTenants, compliancePer = 10, 1000

// complianceFixture stores complianceTenants tenants of compliancePer
// policies (a daily cron schedule, a quarterly restore plan), each with
// 12 daily good jobs and a restore test, all compliant at the now it
// returns.
func complianceFixture(b *testing.B) (*Store, time.Time) {
	const tenants, per = complianceTenants, compliancePer
	ctx := context.Background()
	db, err := database.Open(ctx, dbtest.URL(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	st := storage.New(db)
	store := NewStore(db, st)
	now := time.Now().UTC().Truncate(time.Millisecond)
	svcs := map[string]int64{}
	for i := range tenants {
		tenant := fmt.Sprintf("t%02d", i)
		if err := st.CreateTenant(ctx, &model.Tenant{ID: tenant, Name: tenant, Language: "ja", TimeZone: "Asia/Tokyo"}); err != nil {
			b.Fatal(err)
		}
		svc := &model.Service{TenantID: tenant, Name: "shop", Level: model.ServiceLevel{RPO: model.Duration(26 * time.Hour), RTO: model.Duration(4 * time.Hour)}}
		if err := st.CreateService(ctx, svc); err != nil {
			b.Fatal(err)
		}
		svcs[tenant] = svc.ID
	}
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	sched, _ := ParseSchedule("0 2 * * *")
	run := sched.Prev(now, tokyo) // the jobs ran as scheduled
	err = database.InTx(ctx, db, func(tx *sql.Tx) error {
		for tenant, svc := range svcs {
			for j := range per {
				var id int64
				created := now.AddDate(0, -2, 0).UnixMilli()
				if err := tx.QueryRowContext(ctx, `INSERT INTO backup_policies (tenant_id, name, service_id, target, method, schedule, retention_ms,
					rpo_ms, rto_ms, grace_ms, runbook, created_at, updated_at, size_low_percent, size_high_percent, restore_plan, restore_grace_ms,
					restore_plan_since) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id`,
					tenant, fmt.Sprintf("db-%04d", j), svc, "db", MethodDBDump, "0 2 * * *", (240 * time.Hour).Milliseconds(), 0, 0,
					time.Hour.Milliseconds(), "", created, created, 50, 200, "quarterly", (168 * time.Hour).Milliseconds(), created).Scan(&id); err != nil {
					return err
				}
				for d := 1; d <= 12; d++ {
					at := run.AddDate(0, 0, 1-d)
					if _, err := tx.ExecContext(ctx, `INSERT INTO backup_jobs (tenant_id, policy_id, status, started_at, finished_at, size_bytes,
						recovery_point, message, created_at) VALUES (?,?,?,?,?,?,?,?,?)`, tenant, id, StatusOK, at.UnixMilli(),
						at.Add(20*time.Minute).UnixMilli(), 1<<30+d, at.UnixMilli(), "", at.UnixMilli()); err != nil {
						return err
					}
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO backup_restore_tests (tenant_id, policy_id, started_at, finished_at, performed_by,
					restored, verification, result, created_at) VALUES (?,?,?,?,?,?,?,?,?)`, tenant, id, now.AddDate(0, 0, -20).UnixMilli(),
					now.AddDate(0, 0, -20).Add(time.Hour).UnixMilli(), "ops", "db", "ok", RestoreOK, now.UnixMilli()); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return store, now
}

// BenchmarkEvaluate10000 is the rules alone for 10,000 policies whose
// history is already read: what the watch spends beyond the database.
func BenchmarkEvaluate10000(b *testing.B) {
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	sched, _ := ParseSchedule("0 2 * * *")
	now := time.Now()
	run := sched.Prev(now, tokyo)
	ps := make([]*Policy, 10000)
	facts := make([]Facts, len(ps))
	since := now.AddDate(0, -2, 0)
	for i := range ps {
		ps[i] = &Policy{ID: int64(i), Name: "db", Schedule: "0 2 * * *", EffectiveRPO: model.Duration(26 * time.Hour), Grace: DefaultGrace,
			Retention: model.Duration(240 * time.Hour), CreatedAt: since, SizeLowPercent: 50, SizeHighPercent: 200,
			RestorePlan: "quarterly", RestoreGrace: DefaultRestoreGrace, RestorePlanSince: &since}
		last := &Job{Status: StatusOK, StartedAt: run, FinishedAt: run.Add(20 * time.Minute), RecoveryPoint: run, SizeBytes: 1 << 30}
		oldest := &Job{Status: StatusOK, RecoveryPoint: run.AddDate(0, 0, -9)}
		facts[i] = Facts{LastGood: last, Last: last, LastStart: run, Oldest: oldest,
			Sizes:       []int64{1 << 30, 1<<30 + 1, 1<<30 + 2, 1<<30 + 3, 1<<30 + 4, 1<<30 + 5, 1<<30 + 6, 1<<30 + 7, 1<<30 + 8, 1<<30 + 9, 1<<30 + 10},
			LastRestore: &RestoreTest{StartedAt: now.AddDate(0, 0, -20)}}
	}
	for b.Loop() {
		for i, p := range ps {
			if st := Evaluate(p, facts[i], sched, tokyo, now); st.State != StateOK {
				b.Fatalf("%s %v", st.State, st.Conditions)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(ps)), "ns/policy")
}
