package azure_test

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/unyo-ops/unyo/internal/backup"
	"github.com/unyo-ops/unyo/internal/backup/azure"
	"github.com/unyo-ops/unyo/internal/backup/azure/azuretest"
	"github.com/unyo-ops/unyo/internal/backup/backuptest"
	"github.com/unyo-ops/unyo/internal/backup/poller"
	"github.com/unyo-ops/unyo/internal/database"
)

// TestAzureRecoveryPointsJudgeThePolicy: the recovery points the vault
// holds for the policy's protected item (read page by page, through a
// 429 on each list, other items left out) decide the retention and RPO rules where the jobs unyo saw
// would say otherwise. The history holds a good job from 29.5 days ago
// (long enough for a 30-day retention) and none within the RPO; the vault
// holds 10 days of points, the newest 2 hours old: the policy is short of
// its retention and within its RPO. When the vault holds a month again the
// retention is kept. Polls that find the same points store nothing: no
// job for a point, no change (the watch is not woken), nothing twice
// across a restart.
func TestAzureRecoveryPointsJudgeThePolicy(t *testing.T) {
	f := azuretest.New(azure.VaultsAPIVersion, azure.JobsAPIVersion)
	defer f.Close()
	now := time.Now().UTC().Truncate(time.Second)
	ago := func(h float64) time.Time { return now.Add(-time.Duration(h * float64(time.Hour))) }
	f.AddJob("rg-shop/rsv-shop", azuretest.Job{Name: "j1", Entity: "vm-shop", Operation: "Backup", Status: "Completed", Start: ago(30), End: ago(29.5)})
	points := []time.Time{ago(2)}
	for d := 1; d <= 10; d++ {
		points = append(points, ago(float64(24*d)))
	}
	f.AddItem("rg-shop/rsv-shop", "vm-shop", points...)
	// Another VM of the vault, its one point 50 days old: were it read
	// for this policy, the newest point would break the RPO.
	f.AddItem("rg-shop/rsv-shop", "vm-other", ago(50*24))
	f.PageSize = 2

	env := backuptest.New(t)
	accounts := &backuptest.Accounts{}
	accounts.Put(account(f, f.ClientSecret))
	pol := env.Policy(t, "acme", backup.MethodAzureBackup, &backup.Source{Kind: backup.SourceAzure, AccountID: 7,
		Vaults: []string{"rg-shop/rsv-shop"}, Resources: []string{"vm-shop"}})
	// The policy is 60 days old, so its 30-day retention is judged.
	db, err := database.Open(context.Background(), env.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE backup_policies SET created_at=? WHERE id=?`, ago(60*24).UnixMilli(), pol.ID); err != nil {
		t.Fatal(err)
	}
	// A good job unyo was told of 29.5 days ago; the vault has deleted its point.
	if _, _, err := env.Store.AddJob(context.Background(), &backup.Job{TenantID: "acme", PolicyID: pol.ID, Status: backup.StatusOK,
		StartedAt: ago(29.5 * 24), FinishedAt: ago(29.5*24 - 1), RecoveryPoint: ago(29.5 * 24), Source: backup.OriginAPI}); err != nil {
		t.Fatal(err)
	}

	var changes atomic.Int32
	count := func() { env.Store.OnChange(func(string, int64) { changes.Add(1) }) }
	count()
	round := func() {
		t.Helper()
		p := poller.New(env.Store, accounts, map[backup.SourceKind]poller.Fetcher{backup.SourceAzure: fetcher(f)},
			poller.Options{Registerer: prometheus.NewRegistry()}, nil)
		p.Round(context.Background())
		if len(f.Problems()) > 0 {
			t.Fatalf("contract breaches: %v", f.Problems())
		}
	}
	status := func(stage string) backup.Status {
		t.Helper()
		p, err := env.Store.Policy(context.Background(), "acme", pol.ID)
		if err != nil {
			t.Fatal(err)
		}
		one, err := env.Store.Status(context.Background(), p, now)
		if err != nil {
			t.Fatal(err)
		}
		all, err := env.Store.Statuses(context.Background(), "acme", now)
		if err != nil || len(all) != 1 {
			t.Fatalf("%s: statuses %v, %v", stage, all, err)
		}
		if !slices.Equal(one.Conditions, all[0].Conditions) {
			t.Errorf("%s: one policy's conditions %v, the list's %v", stage, one.Conditions, all[0].Conditions)
		}
		return one
	}

	f.ThrottleKind("items", 1)
	f.ThrottleKind("points", 1)
	round()
	if got := f.Calls("throttled"); got != 2 {
		t.Errorf("throttled calls %d, want the items' and the points' 429", got)
	}
	st := status("first round")
	if !slices.Contains(st.Conditions, backup.ConditionRetention) || slices.Contains(st.Conditions, backup.ConditionRPO) {
		t.Errorf("first round: conditions %v, want retention_short and not rpo_exceeded", st.Conditions)
	}
	if st.LastGoodPoint == nil || !st.LastGoodPoint.Equal(ago(2)) || st.OldestPoint == nil || !st.OldestPoint.Equal(ago(240)) {
		t.Errorf("first round: last good point %v, oldest %v; want the vault's %v and %v", st.LastGoodPoint, st.OldestPoint, ago(2), ago(240))
	}
	if got := f.Calls("points"); got != 6 {
		t.Errorf("recovery point pages read %d, want vm-shop's 11 points in pages of 2 and none of vm-other's", got)
	}
	if n := len(env.Jobs(t, "acme", pol.ID)); n != 2 {
		t.Errorf("first round: %d jobs, want the pushed one and j1 (points are not jobs)", n)
	}

	// The same points again, then a restart: nothing changes.
	changes.Store(0)
	round()
	env.Open(t)
	count()
	round()
	if n := changes.Load(); n != 0 {
		t.Errorf("polls finding the same jobs and points changed the policy %d times", n)
	}
	if n := len(env.Jobs(t, "acme", pol.ID)); n != 2 {
		t.Errorf("after restart: %d jobs, want 2", n)
	}
	if items := f.Calls("items"); items != 3 {
		t.Errorf("protected items listed %d times in 3 polls of one vault, want 3", items)
	}

	// The vault holds a month again (the item was protected longer).
	f.AddItem("rg-shop/rsv-shop", "vm-shop", ago(29.5*24))
	round()
	st = status("a month held")
	if slices.Contains(st.Conditions, backup.ConditionRetention) || slices.Contains(st.Conditions, backup.ConditionRPO) {
		t.Errorf("a month held: conditions %v, want neither retention_short nor rpo_exceeded", st.Conditions)
	}
	if n := changes.Load(); n != 1 {
		t.Errorf("a new oldest point changed the policy %d times, want 1", n)
	}
}

// TestAzureRecoveryPointsGoneForgotten: when the vault no longer holds
// a point of the policy's items, the policy's restorable span is
// forgotten rather than kept from an older poll.
func TestAzureRecoveryPointsGoneForgotten(t *testing.T) {
	f := azuretest.New(azure.VaultsAPIVersion, azure.JobsAPIVersion)
	defer f.Close()
	now := time.Now().UTC().Truncate(time.Second)
	f.AddItem("rg-shop/rsv-shop", "vm-shop", now.Add(-time.Hour), now.Add(-48*time.Hour))
	env := backuptest.New(t)
	accounts := &backuptest.Accounts{}
	accounts.Put(account(f, f.ClientSecret))
	pol := env.Policy(t, "acme", backup.MethodAzureBackup, &backup.Source{Kind: backup.SourceAzure, AccountID: 7})
	round := func() {
		p := poller.New(env.Store, accounts, map[backup.SourceKind]poller.Fetcher{backup.SourceAzure: fetcher(f)},
			poller.Options{Registerer: prometheus.NewRegistry()}, nil)
		p.Round(context.Background())
	}
	read := func() *backup.Restorable {
		p, err := env.Store.Policy(context.Background(), "acme", pol.ID)
		if err != nil {
			t.Fatal(err)
		}
		return p.Restorable
	}
	round()
	if r := read(); r == nil || !r.Newest.Equal(now.Add(-time.Hour)) || !r.Oldest.Equal(now.Add(-48*time.Hour)) {
		t.Fatalf("restorable %+v, want the vault's two points", r)
	}
	f.ExpirePoints(now)
	round()
	if r := read(); r != nil {
		t.Errorf("restorable %+v after the vault deleted every point, want none", r)
	}
	if len(f.Problems()) > 0 {
		t.Fatalf("contract breaches: %v", f.Problems())
	}
}
