package e2e

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/backup/aws/awstest"
	"github.com/unyo-ops/unyo/internal/backup/azure/azuretest"
)

// sourceFetches reads the server's count of good fetches of a source kind.
func sourceFetches(s *server, kind string) float64 {
	_, body := s.call("GET", "/metrics", "", nil)
	for _, l := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(l, `unyo_backup_source_fetches_total{outcome="ok",source="`+kind+`"} `) {
			var n float64
			fmt.Sscan(strings.Fields(l)[1], &n)
			return n
		}
	}
	return 0
}

// TestBackupCloudJobsOnceAcrossRestarts: the Azure Backup and AWS Backup
// contract fakes' jobs, read through cloud accounts created with the API,
// appear in each policy's history once each, and still once each after
// the server is killed (-9) and after it is stopped (SIGTERM) and started
// again on the same data; a job that finishes while the server is away is
// stored once when it comes back.
func TestBackupCloudJobsOnceAcrossRestarts(t *testing.T) {
	// The fakes serve the backup APIs only: discovery's calls to the same
	// accounts (Resource Graph, the Tagging API) would be contract breaches.
	t.Setenv("UNYO_DISCOVERY_INTERVAL", "off")
	t.Setenv("UNYO_BACKUP_POLL_INTERVAL", "1s")
	az := azuretest.New("2023-04-01", "2023-04-01")
	defer az.Close()
	az.ClientID = "0d8e5a3c-1f2b-4c5d-8e9f-a0b1c2d3e4f5" // the API takes a GUID
	cert, err := az.WriteCert(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("SSL_CERT_FILE", cert) // the server trusts the fake's TLS as it would Azure's
	aw := awstest.New("ap-northeast-1")
	defer aw.Close()
	aw.RoleARN, aw.ExternalID = "arn:aws:iam::123456789012:role/unyo-msp", "acme-ext-7"

	now := time.Now().UTC().Truncate(time.Second)
	az.AddJob("rg-shop/rsv-shop", azuretest.Job{Name: "a0000000-0000-4000-8000-000000000001", Entity: "vm-shop", Operation: "Backup",
		Status: "Completed", Start: now.Add(-30 * time.Minute), End: now.Add(-25 * time.Minute)})
	az.AddJob("rg-shop/rsv-shop", azuretest.Job{Name: "a0000000-0000-4000-8000-000000000002", Entity: "vm-shop", Operation: "Backup",
		Status: "Failed", Start: now.Add(-20 * time.Minute), End: now.Add(-19 * time.Minute), Error: "UserErrorVmNotFound"})
	az.AddJob("rg-shop/rsv-shop", azuretest.Job{Name: "a0000000-0000-4000-8000-000000000003", Entity: "vm-shop", Operation: "Backup",
		Status: "InProgress", Start: now.Add(-5 * time.Minute)})
	az.AddJob("rg-shop/rsv-shop", azuretest.Job{Name: "a0000000-0000-4000-8000-000000000004", Entity: "vm-other", Operation: "Backup",
		Status: "Completed", Start: now.Add(-10 * time.Minute), End: now.Add(-9 * time.Minute)})
	aw.AddJob(awstest.Job{ID: "job-1", Vault: "shop-vault", ResourceARN: "arn:aws:rds:ap-northeast-1:123456789012:db:shop", ResourceName: "shop",
		State: "COMPLETED", Created: now.Add(-40 * time.Minute), Completed: now.Add(-35 * time.Minute), Size: 4096})
	aw.AddJob(awstest.Job{ID: "job-2", Vault: "shop-vault", ResourceARN: "arn:aws:rds:ap-northeast-1:123456789012:db:shop", ResourceName: "shop",
		State: "FAILED", Created: now.Add(-20 * time.Minute), Completed: now.Add(-18 * time.Minute), Message: "Insufficient privileges"})
	aw.AddJob(awstest.Job{ID: "job-3", Vault: "shop-vault", ResourceARN: "arn:aws:rds:ap-northeast-1:123456789012:db:shop", ResourceName: "shop",
		State: "RUNNING", Created: now.Add(-4 * time.Minute)})

	dir := t.TempDir()
	s := startServer(t, dir)
	_, read := s.tenantWithTokens("acme")
	var svc, azAcct, awsAcct, azPol, awsPol struct {
		ID int64 `json:"id"`
	}
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/services", "", map[string]any{"name": "shop",
		"service_level": map[string]any{"rpo": "24h", "rto": "8h"}}, &svc)
	// The MSP admin points the accounts at the fakes.
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/cloud-accounts", "", map[string]any{"name": "acme-azure", "provider": "azure",
		"azure": map[string]any{"tenant_id": az.Tenant, "client_id": az.ClientID, "client_secret": az.ClientSecret,
			"subscription_id": az.Subscription, "resource_manager": az.URL, "login": az.URL}}, &azAcct)
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/cloud-accounts", "", map[string]any{"name": "acme-aws", "provider": "aws",
		"aws": map[string]any{"access_key_id": aw.AccessKey, "secret_access_key": aw.SecretKey, "role_arn": aw.RoleARN,
			"external_id": aw.ExternalID, "regions": []string{"ap-northeast-1"}, "endpoint": aw.URL}}, &awsAcct)
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/backups/policies", "", map[string]any{"name": "vm-shop", "service_id": svc.ID,
		"target": "vm-shop", "method": "azure_backup", "schedule": "every 6h", "retention": "720h",
		"source": map[string]any{"kind": "azure_backup", "account_id": azAcct.ID, "vaults": []string{"rg-shop/rsv-shop"}, "resources": []string{"vm-shop"}}}, &azPol)
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/backups/policies", "", map[string]any{"name": "shop-rds", "service_id": svc.ID,
		"target": "RDS shop", "method": "aws_backup", "schedule": "every 6h", "retention": "720h",
		"source": map[string]any{"kind": "aws_backup", "account_id": awsAcct.ID, "vaults": []string{"shop-vault"},
			"resources": []string{"arn:aws:rds:ap-northeast-1:123456789012:db:shop"}}}, &awsPol)

	// byID checks the history of policy: each wanted external ID once,
	// with its status, and nothing else.
	byID := func(s *server, policy int64, want map[string]string) string {
		jobs := s.jobsOf("acme", read, policy)
		seen := map[string]int{}
		for _, j := range jobs {
			seen[j.ExternalID]++
		}
		for _, j := range jobs {
			id := j.ExternalID[strings.LastIndex(j.ExternalID, "/")+1:]
			if seen[j.ExternalID] != 1 || want[id] != j.Status {
				return fmt.Sprintf("policy %d history %+v, want once each %v", policy, jobs, want)
			}
		}
		if len(jobs) != len(want) {
			return fmt.Sprintf("policy %d history %+v, want once each %v", policy, jobs, want)
		}
		return ""
	}
	azWant := map[string]string{"a0000000-0000-4000-8000-000000000001": "ok", "a0000000-0000-4000-8000-000000000002": "failed"}
	awsWant := map[string]string{"job-1": "ok", "job-2": "failed"}
	both := func(s *server) string {
		if m := byID(s, azPol.ID, azWant); m != "" {
			return m
		}
		return byID(s, awsPol.ID, awsWant)
	}
	eventually(t, 60*time.Second, func() string { return both(s) })
	for _, j := range s.jobsOf("acme", read, awsPol.ID) {
		if j.Source != "aws_backup" || (j.ExternalID == "job-1" && j.SizeBytes != 4096) || (j.ExternalID == "job-2" && !strings.Contains(j.Message, "Insufficient privileges")) {
			t.Errorf("AWS job %+v: want its source, size and message", j)
		}
	}
	for _, j := range s.jobsOf("acme", read, azPol.ID) {
		if j.Source != "azure_backup" || (j.Status == "failed" && !strings.Contains(j.Message, "UserErrorVmNotFound")) {
			t.Errorf("Azure job %+v: want its source and error", j)
		}
	}

	// awaitPolls waits for two more good fetches of each source, so that
	// the history checked after them has been read again from the fakes.
	awaitPolls := func(s *server) {
		t.Helper()
		a, b := sourceFetches(s, "azure_backup")+2, sourceFetches(s, "aws_backup")+2
		eventually(t, 60*time.Second, func() string {
			if x, y := sourceFetches(s, "azure_backup"), sourceFetches(s, "aws_backup"); x < a || y < b {
				return fmt.Sprintf("fetches azure %v aws %v, want %v and %v\n%s", x, y, a, b, s.stderr)
			}
			return ""
		})
	}
	awaitPolls(s)
	if m := both(s); m != "" {
		t.Fatalf("polled again: %s", m)
	}

	// kill -9, then the running jobs finish while the server is down.
	if err := s.stop(syscall.SIGKILL); err == nil {
		t.Fatal("kill -9: the server exited cleanly")
	}
	az.SetJob("a0000000-0000-4000-8000-000000000003", "Completed", time.Now())
	aw.SetJob("job-3", "COMPLETED", time.Now())
	azWant["a0000000-0000-4000-8000-000000000003"] = "ok"
	awsWant["job-3"] = "ok"
	s = startServer(t, dir)
	eventually(t, 60*time.Second, func() string { return both(s) })
	awaitPolls(s)
	if m := both(s); m != "" {
		t.Fatalf("after kill -9: %s", m)
	}

	// A clean stop and start: still once each.
	if err := s.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("server stop: %v", err)
	}
	s = startServer(t, dir)
	awaitPolls(s)
	if m := both(s); m != "" {
		t.Errorf("after SIGTERM and a start: %s", m)
	}
	if p := az.Problems(); len(p) != 0 {
		t.Errorf("Azure contract breaches: %v", p)
	}
	if p := aw.Problems(); len(p) != 0 {
		t.Errorf("AWS contract breaches: %v", p)
	}
	if az.Calls("token") == 0 || aw.Calls("assume") == 0 {
		t.Errorf("tokens %d, role assumed %d: want the accounts' credentials used", az.Calls("token"), aw.Calls("assume"))
	}
}
