package aws_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/unyo-ops/unyo/internal/backup"
	"github.com/unyo-ops/unyo/internal/backup/aws"
	"github.com/unyo-ops/unyo/internal/backup/aws/awstest"
	"github.com/unyo-ops/unyo/internal/backup/backuptest"
	"github.com/unyo-ops/unyo/internal/backup/poller"
	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

const region = "ap-northeast-1"

func account(f *awstest.Fake) *cloudaccount.Account {
	return &cloudaccount.Account{ID: 9, TenantID: "acme", Name: "acme-aws", Provider: cloudaccount.ProviderAWS,
		AWS: &cloudaccount.AWS{AccessKeyID: f.AccessKey, SecretAccessKey: f.SecretKey, Regions: []string{region}, Endpoint: f.URL,
			RoleARN: f.RoleARN, ExternalID: f.ExternalID}}
}

func fetcher() *aws.Fetcher {
	fe := aws.New(nil)
	fe.MaxBackoff = 50 * time.Millisecond
	return fe
}

// TestAWSJobsStoredOnce: through an assumed role with its external ID,
// the finished jobs of the policy's vault and resource reach its history
// page by page and through a ThrottlingException, each once under its
// BackupJobId (a job the history refuses is skipped alone); a running job
// is stored when it completes; a restart
// (a new store and poller) stores nothing twice.
func TestAWSJobsStoredOnce(t *testing.T) {
	f := awstest.New(region)
	defer f.Close()
	f.RoleARN, f.ExternalID = "arn:aws:iam::123456789012:role/unyo-backup-reader", "acme-7f3e"
	now := time.Now().UTC().Truncate(time.Second)
	at := func(h float64) time.Time { return now.Add(-time.Duration(h * float64(time.Hour))) }
	db := "arn:aws:rds:ap-northeast-1:123456789012:db:shop"
	// A clock far ahead: the history refuses this one job, not the rest.
	f.AddJob(awstest.Job{ID: "job-future", Vault: "shop-vault", ResourceARN: db, State: "COMPLETED", Created: at(1), Completed: now.Add(time.Hour)})
	f.AddJob(awstest.Job{ID: "job-1", Vault: "shop-vault", ResourceARN: db, ResourceName: "shop", State: "COMPLETED", Created: at(30), Completed: at(29), Size: 5 << 30})
	f.AddJob(awstest.Job{ID: "job-2", Vault: "shop-vault", ResourceARN: db, ResourceName: "shop", State: "FAILED", Created: at(6), Completed: at(5.5), Message: "Insufficient privileges"})
	f.AddJob(awstest.Job{ID: "job-3", Vault: "shop-vault", ResourceARN: db, ResourceName: "shop", State: "RUNNING", Created: at(1)})
	f.AddJob(awstest.Job{ID: "job-4", Vault: "shop-vault", ResourceARN: db, ResourceName: "shop", State: "PARTIAL", Created: at(3), Completed: at(2)})
	f.AddJob(awstest.Job{ID: "job-5", Vault: "shop-vault", ResourceARN: "arn:aws:ec2:ap-northeast-1:123456789012:volume/vol-1", State: "COMPLETED", Created: at(2), Completed: at(1)})
	f.AddJob(awstest.Job{ID: "job-6", Vault: "other-vault", ResourceARN: db, State: "COMPLETED", Created: at(2), Completed: at(1)})
	f.AddJob(awstest.Job{ID: "job-0", Vault: "shop-vault", ResourceARN: db, State: "COMPLETED", Created: at(24 * 10), Completed: at(24*10 - 1)})

	env := backuptest.New(t)
	accounts := &backuptest.Accounts{}
	accounts.Put(account(f))
	pol := env.Policy(t, "acme", backup.MethodAWSBackup, &backup.Source{Kind: backup.SourceAWS, AccountID: 9,
		Vaults: []string{"shop-vault"}, Resources: []string{db}})
	fe := fetcher()
	round := func() {
		p := poller.New(env.Store, accounts, map[backup.SourceKind]poller.Fetcher{backup.SourceAWS: fe},
			poller.Options{Registerer: prometheus.NewRegistry()}, nil)
		p.Round(context.Background())
	}
	check := func(stage string, want map[string]backup.Result) {
		t.Helper()
		if p := f.Problems(); len(p) > 0 {
			t.Fatalf("%s: contract breaches: %v", stage, p)
		}
		got := map[string]*backup.Job{}
		for _, j := range env.Jobs(t, "acme", pol.ID) {
			if got[j.ExternalID] != nil {
				t.Errorf("%s: job %s stored twice", stage, j.ExternalID)
			}
			got[j.ExternalID] = j
		}
		for id, st := range want {
			if got[id] == nil || got[id].Status != st || got[id].Source != "aws_backup" {
				t.Errorf("%s: job %s: %+v, want status %s from aws_backup", stage, id, got[id], st)
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s: %d jobs, want %d", stage, len(got), len(want))
		}
	}
	f.Throttle(1)
	round()
	want := map[string]backup.Result{"job-1": backup.StatusOK, "job-2": backup.StatusFailed, "job-4": backup.StatusPartial}
	check("first round", want)
	if f.Calls("throttled") != 1 || f.Calls("assume") < 1 {
		t.Errorf("throttled %d, assumed %d: want 1 and at least 1", f.Calls("throttled"), f.Calls("assume"))
	}
	jobs := env.Jobs(t, "acme", pol.ID)
	for _, j := range jobs {
		if j.ExternalID == "job-1" && (j.SizeBytes != 5<<30 || !j.RecoveryPoint.Equal(at(30)) || !j.FinishedAt.Equal(at(29))) {
			t.Errorf("job-1 %+v: want its size, creation as recovery point, completion", j)
		}
		if j.ExternalID == "job-2" && !strings.Contains(j.Message, "Insufficient privileges") {
			t.Errorf("job-2 message %q: want the status message", j.Message)
		}
	}

	f.SetJob("job-3", "COMPLETED", now)
	env.Open(t)
	fe = fetcher() // a restart: no session kept
	round()
	round()
	want["job-3"] = backup.StatusOK
	check("after restart", want)
	if n := f.Calls("assume"); n != 2 {
		t.Errorf("%d AssumeRole calls, want one per process: the session is kept across rounds", n)
	}
}

// TestAWSRefusals: a wrong external ID is refused by STS and stores
// nothing; throttling beyond the retries is an error the poller backs off from.
func TestAWSRefusals(t *testing.T) {
	f := awstest.New(region)
	defer f.Close()
	f.RoleARN, f.ExternalID = "arn:aws:iam::123456789012:role/unyo-backup-reader", "acme-7f3e"
	f.AddJob(awstest.Job{ID: "job-1", Vault: "v", State: "COMPLETED", Created: time.Now().Add(-time.Hour), Completed: time.Now()})
	acct := account(f)
	acct.AWS.ExternalID = "guess"
	pol := &backup.Policy{Source: &backup.Source{Kind: backup.SourceAWS, AccountID: 9}}
	_, err := fetcher().Fetch(context.Background(), acct, pol, time.Now().Add(-24*time.Hour))
	if err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Errorf("fetch with a wrong external ID: %v, want STS's AccessDenied", err)
	}
	f.Throttle(100)
	_, err = fetcher().Fetch(context.Background(), account(f), pol, time.Now().Add(-24*time.Hour))
	if err == nil || !strings.Contains(err.Error(), "ThrottlingException") {
		t.Errorf("fetch while throttled: %v, want ThrottlingException", err)
	}
	if n := f.Calls("throttled"); n != 4 {
		t.Errorf("%d throttled calls, want the SDK's 4 attempts", n)
	}
}
