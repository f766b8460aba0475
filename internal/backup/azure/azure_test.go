package azure_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/unyo-ops/unyo/internal/backup"
	"github.com/unyo-ops/unyo/internal/backup/azure"
	"github.com/unyo-ops/unyo/internal/backup/azure/azuretest"
	"github.com/unyo-ops/unyo/internal/backup/backuptest"
	"github.com/unyo-ops/unyo/internal/backup/poller"
	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func account(f *azuretest.Fake, secret string) *cloudaccount.Account {
	return &cloudaccount.Account{ID: 7, TenantID: "acme", Name: "acme-prod", Provider: cloudaccount.ProviderAzure,
		Azure: &cloudaccount.Azure{TenantID: f.Tenant, ClientID: f.ClientID, ClientSecret: secret, SubscriptionID: f.Subscription,
			ResourceManager: f.URL, Login: f.URL}}
}

func fetcher(f *azuretest.Fake) *azure.Fetcher {
	fe := azure.New(f.Client())
	fe.Retry = policy.RetryOptions{MaxRetries: 3, RetryDelay: 10 * time.Millisecond, MaxRetryDelay: 2 * time.Second}
	return fe
}

// TestAzureJobsStoredOnce: the finished backup jobs of every vault of the
// subscription (listed page by page) reach the history of the policy whose
// resource they protect, each once with its ARM ID, through a 429; a job
// still running is stored when it finishes, and a restart of the server
// (a new store, a new poller reading from the lookback again) stores
// nothing twice.
func TestAzureJobsStoredOnce(t *testing.T) {
	f := azuretest.New(azure.VaultsAPIVersion, azure.JobsAPIVersion)
	defer f.Close()
	now := time.Now().UTC().Truncate(time.Second)
	at := func(h float64) time.Time { return now.Add(-time.Duration(h * float64(time.Hour))) }
	f.AddJob("rg-shop/rsv-shop", azuretest.Job{Name: "j1", Entity: "vm-shop", Operation: "Backup", Status: "Completed", Start: at(30), End: at(29.5)})
	f.AddJob("rg-shop/rsv-shop", azuretest.Job{Name: "j2", Entity: "vm-shop", Operation: "Backup", Status: "Failed", Start: at(6), End: at(5.9), Error: "VM agent unresponsive"})
	f.AddJob("rg-shop/rsv-shop", azuretest.Job{Name: "j3", Entity: "vm-shop", Operation: "Backup", Status: "InProgress", Start: at(1)})
	f.AddJob("rg-shop/rsv-shop", azuretest.Job{Name: "j4", Entity: "vm-shop", Operation: "Restore", Status: "Completed", Start: at(2), End: at(1.5)})
	f.AddJob("rg-shop/rsv-shop", azuretest.Job{Name: "j5", Entity: "vm-other", Operation: "Backup", Status: "Completed", Start: at(2), End: at(1.5)})
	f.AddJob("rg-shop/rsv-shop", azuretest.Job{Name: "j0", Entity: "vm-shop", Operation: "Backup", Status: "Completed", Start: at(24 * 10), End: at(24*10 - 1)})
	f.AddJob("rg-dr/rsv-dr", azuretest.Job{Name: "d1", Entity: "vm-dr", Operation: "Backup", Status: "CompletedWithWarnings", Start: at(3), End: at(2)})

	f.AddJob("rg-old/rsv-old", azuretest.Job{Name: "o1", Entity: "vm-shop", Operation: "Backup", Status: "Completed", Start: at(24 * 30), End: at(24*30 - 1)})
	f.PageSize = 2 // three vaults, six jobs in one: both lists take several pages

	env := backuptest.New(t)
	accounts := &backuptest.Accounts{}
	accounts.Put(account(f, f.ClientSecret))
	shop := env.Policy(t, "acme", backup.MethodAzureBackup, &backup.Source{Kind: backup.SourceAzure, AccountID: 7, Resources: []string{"VM-SHOP"}})
	dr := env.Policy(t, "acme", backup.MethodAzureBackup, &backup.Source{Kind: backup.SourceAzure, AccountID: 7, Vaults: []string{"rg-dr/rsv-dr"}})
	// Tenancy: beta naming acme's account ID reaches nothing of acme's.
	other := env.Policy(t, "beta", backup.MethodAzureBackup, &backup.Source{Kind: backup.SourceAzure, AccountID: 7})

	round := func() {
		reg := prometheus.NewRegistry()
		p := poller.New(env.Store, accounts, map[backup.SourceKind]poller.Fetcher{backup.SourceAzure: fetcher(f)}, poller.Options{Registerer: reg}, nil)
		p.Round(context.Background())
	}
	f.Throttle(1)
	round()
	if f.Calls("throttled") != 1 {
		t.Errorf("throttled calls %d, want 1", f.Calls("throttled"))
	}
	want := map[string]backup.Result{f.JobID("rg-shop/rsv-shop", "j1"): backup.StatusOK, f.JobID("rg-shop/rsv-shop", "j2"): backup.StatusFailed,
		f.JobID("rg-dr/rsv-dr", "d1"): backup.StatusOK}
	check := func(stage string, extra map[string]backup.Result) {
		t.Helper()
		got := map[string]*backup.Job{}
		for _, pol := range []*backup.Policy{shop, dr} {
			for _, j := range env.Jobs(t, "acme", pol.ID) {
				if got[j.ExternalID] != nil {
					t.Errorf("%s: job %s stored twice", stage, j.ExternalID)
				}
				got[j.ExternalID] = j
				if j.Source != string(backup.SourceAzure) {
					t.Errorf("%s: job %s source %q", stage, j.ExternalID, j.Source)
				}
			}
		}
		all := map[string]backup.Result{}
		for k, v := range want {
			all[k] = v
		}
		for k, v := range extra {
			all[k] = v
		}
		for id, st := range all {
			if got[id] == nil || got[id].Status != st {
				t.Errorf("%s: job %s: %+v, want status %s", stage, id, got[id], st)
			}
		}
		if len(got) != len(all) {
			t.Errorf("%s: %d jobs stored, want %d: %v", stage, len(got), len(all), got)
		}
	}
	check("first round", nil)
	if n := len(env.Jobs(t, "beta", other.ID)); n != 0 {
		t.Errorf("beta's policy naming acme's account got %d jobs", n)
	}
	if len(f.Problems()) > 0 {
		t.Fatalf("contract breaches: %v", f.Problems())
	}
	j2 := env.Jobs(t, "acme", shop.ID)[0]
	if !strings.Contains(j2.Message, "VM agent unresponsive") || !j2.StartedAt.Equal(at(6)) || !j2.RecoveryPoint.Equal(at(6)) {
		t.Errorf("failed job %+v: want its error and times", j2)
	}
	if len(f.Problems()) > 0 {
		t.Fatalf("contract breaches: %v", f.Problems())
	}

	f.SetJob("j3", "Completed", now)
	env.Open(t) // a restart: nothing in memory of the first run
	round()
	round()
	check("after restart", map[string]backup.Result{f.JobID("rg-shop/rsv-shop", "j3"): backup.StatusOK})
	if len(f.Problems()) > 0 {
		t.Fatalf("contract breaches: %v", f.Problems())
	}
}

// TestAzureRefusedSecretBacksOff: a wrong client secret stores nothing,
// and the account is not asked again until its back-off ends.
func TestAzureRefusedSecretBacksOff(t *testing.T) {
	f := azuretest.New(azure.VaultsAPIVersion, azure.JobsAPIVersion)
	defer f.Close()
	f.AddJob("rg-shop/rsv-shop", azuretest.Job{Name: "j1", Entity: "vm-shop", Operation: "Backup", Status: "Completed",
		Start: time.Now().Add(-time.Hour), End: time.Now().Add(-time.Minute)})
	env := backuptest.New(t)
	accounts := &backuptest.Accounts{}
	accounts.Put(account(f, "wrong"))
	pol := env.Policy(t, "acme", backup.MethodAzureBackup, &backup.Source{Kind: backup.SourceAzure, AccountID: 7})

	_, err := fetcher(f).Fetch(context.Background(), account(f, "wrong"), pol, time.Now().Add(-time.Hour))
	if err == nil || !strings.Contains(err.Error(), "AADSTS7000215") {
		t.Fatalf("fetch with a wrong secret: %v, want the token endpoint's refusal", err)
	}
	reg := prometheus.NewRegistry()
	p := poller.New(env.Store, accounts, map[backup.SourceKind]poller.Fetcher{backup.SourceAzure: fetcher(f)}, poller.Options{Registerer: reg}, nil)
	p.Round(context.Background())
	tokens := f.Calls("token")
	p.Round(context.Background())
	if f.Calls("token") != tokens {
		t.Errorf("the failing account was asked again within its back-off: %d token calls, want %d", f.Calls("token"), tokens)
	}
	if n := len(env.Jobs(t, "acme", pol.ID)); n != 0 {
		t.Errorf("%d jobs stored with a refused secret", n)
	}
	if got := pollerCounter(t, reg, "unyo_backup_source_fetches_total", "error"); got != 1 {
		t.Errorf("fetch errors counted %v, want 1", got)
	}
	if got := pollerCounter(t, reg, "unyo_backup_source_fetches_total", "backoff"); got != 1 {
		t.Errorf("back-offs counted %v, want 1", got)
	}

	// An unknown vault is the API's 404, named by its error code.
	pol.Source.Vaults = []string{"rg-x/rsv-missing"}
	_, err = fetcher(f).Fetch(context.Background(), account(f, f.ClientSecret), pol, time.Now().Add(-time.Hour))
	if err == nil || !strings.Contains(err.Error(), "ResourceNotFound") {
		t.Errorf("fetch of a missing vault: %v, want ResourceNotFound", err)
	}
}

// pollerCounter reads the poller's counter name with outcome from reg.
func pollerCounter(t *testing.T, reg *prometheus.Registry, name, outcome string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "outcome" && l.GetValue() == outcome {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}
