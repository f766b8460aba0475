package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/notify/webhook/webhooktest"
)

// TestOperationPlanOnAzureAndAWS is the operation plan on the real binary
// against the cloud contract fakes: an Azure VM Scale Set (Entra's token
// endpoint and armcompute's fake server, over https trusted through
// SSL_CERT_FILE) and an AWS Auto Scaling group (the Query API with SigV4
// and an assumed role), each reached through a cloud account the MSP admin
// created with the API. Agreed and activated plans with an event two
// minutes ahead and a one-minute lead bring each group to its baseline,
// scale it out at start − lead and back at the event's end, with exactly
// one PATCH or SetDesiredCapacity per step; every step is recorded as
// verified with the count the cloud reports.
func TestOperationPlanOnAzureAndAWS(t *testing.T) {
	t.Setenv("UNYO_CAPACITY_INTERVAL", "500ms")
	az := newVMSSCloud(t, 1)
	t.Setenv("SSL_CERT_FILE", az.WriteCert(t))
	aw := newASGCloud(t, 1)
	s := startServer(t, t.TempDir())
	_, read := s.tenantWithTokens("acme")
	svc := s.capacityService()

	var azAcct, awsAcct struct {
		ID int64 `json:"id"`
	}
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/cloud-accounts", "", map[string]any{"name": "acme-azure", "provider": "azure",
		"azure": map[string]any{"tenant_id": az.Entra.Tenant, "client_id": az.Entra.ClientID, "client_secret": az.Entra.Secret,
			"subscription_id": az.Sub, "resource_manager": az.URL, "login": az.URL}}, &azAcct)
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/cloud-accounts", "", map[string]any{"name": "acme-aws", "provider": "aws",
		"aws": map[string]any{"access_key_id": aw.Key, "secret_access_key": aw.Secret, "role_arn": aw.Role, "external_id": aw.ExtID,
			"regions": []string{"ap-northeast-1"}, "endpoint": aw.URL}}, &awsAcct)
	group := func(name, kind string, account int64, cfg map[string]any) string {
		var g struct {
			ID int64 `json:"id"`
		}
		s.mustJSON(201, "POST", "/api/v1/tenants/acme/capacity/groups", "", map[string]any{"name": name, "service_id": svc, "kind": kind,
			"account_id": account, "config": cfg, "min": 1, "max": 10, "instance_size": "Standard_D2s_v5", "hourly_price": 0.2,
			"verify_within": "20s"}, &g)
		return fmt.Sprintf("/api/v1/tenants/acme/capacity/groups/%d", g.ID)
	}
	azGroup := group("web-azure", "azure_vmss", azAcct.ID, map[string]any{"resource_group": "rg-shop", "name": "web"})
	awsGroup := group("web-aws", "aws_asg", awsAcct.ID, map[string]any{"name": "web"})

	start := time.Now().Add(2 * time.Minute).Truncate(time.Second)
	end := start.Add(30 * time.Second)
	for _, g := range []string{azGroup, awsGroup} {
		s.mustJSON(201, "POST", g+"/plan/versions", "", map[string]any{"document": map[string]any{"baseline": map[string]any{"default": 2},
			"events": []any{map[string]any{"name": "winter campaign", "start": start.Format(time.RFC3339), "end": end.Format(time.RFC3339), "count": 6, "lead": "1m"}}}}, nil)
		s.mustJSON(200, "POST", g+"/plan/versions/1/propose", "", nil, nil)
		s.mustJSON(200, "POST", g+"/plan/versions/1/approve", "", map[string]any{"reference": "定例会議事録 2026-12-04"}, nil)
		s.mustJSON(200, "POST", g+"/plan/versions/1/activate", "", nil, nil)
	}

	counts := func(calls []applied) []int64 {
		var out []int64
		for _, c := range calls {
			out = append(out, c.Count)
		}
		return out
	}
	eventually(t, 3*time.Minute, func() string {
		if p, a := az.Patches(), aw.Sets(); len(p) < 3 || len(a) < 3 {
			return fmt.Sprintf("Azure PATCHes %v, AWS SetDesiredCapacity %v; want 2, 6, 2 each; Azure steps %+v, refused %v",
				counts(p), counts(a), s.steps(azGroup, read), az.Refused())
		}
		return ""
	})
	// Every step verified, read back through the API.
	for _, g := range []string{azGroup, awsGroup} {
		var steps []e2eStep
		eventually(t, 30*time.Second, func() string {
			steps = s.steps(g, read)
			if len(steps) != 3 || steps[2].State != "verified" {
				return fmt.Sprintf("%s steps %+v", g, steps)
			}
			return ""
		})
		for i, want := range []struct {
			count  int
			winner string
			at     time.Time
		}{{2, "baseline", time.Time{}}, {6, "winter campaign", start.Add(-time.Minute)}, {2, "baseline", end}} {
			st := steps[i]
			if st.Count != want.count || st.Winner != want.winner || st.State != "verified" || st.AppliedAt == nil || st.Attempts != 1 ||
				st.ReachedCount == nil || *st.ReachedCount != want.count || st.ReachedAt == nil || (!want.at.IsZero() && !st.PlannedAt.Equal(want.at)) {
				t.Errorf("%s step %d: %+v, want %d by %s planned at %s, applied once, verified", g, i, st, want.count, want.winner, want.at)
			}
		}
	}
	// Exactly one call per step (the steps were verified after their
	// calls, so a second apply of any would be here), each at its time.
	lead := start.Add(-time.Minute)
	for name, calls := range map[string][]applied{"Azure PATCH": az.Patches(), "AWS SetDesiredCapacity": aw.Sets()} {
		if len(calls) != 3 || calls[0].Count != 2 || calls[1].Count != 6 || calls[2].Count != 2 {
			t.Errorf("%s calls %v, want exactly 2, 6, 2", name, counts(calls))
			continue
		}
		if at := calls[1].At; at.Before(lead) || at.After(lead.Add(3*time.Second)) {
			t.Errorf("%s scaled out at %s, want at %s (start − lead)", name, at.Format(time.RFC3339Nano), lead.Format(time.RFC3339))
		}
		if at := calls[2].At; at.Before(end) || at.After(end.Add(3*time.Second)) {
			t.Errorf("%s scaled back at %s, want at %s (the event's end)", name, at.Format(time.RFC3339Nano), end.Format(time.RFC3339))
		}
	}
	if r := az.Refused(); len(r) != 0 {
		t.Errorf("Azure calls that broke the contract: %v", r)
	}
	if az.Entra.Tokens() == 0 {
		t.Error("no Entra token was issued: the account's secret was not used")
	}
}

// TestOperationPlanCloudFailureAndKill9 is the failure and the kill -9
// cases on the cloud fakes. An Azure scale set whose Resource Manager
// refuses every capacity PATCH (the account's role may not write it): the
// step is tried three times, ends failed with ARM's code, and opens one
// incident that reaches the tenant's webhook once. An AWS Auto Scaling
// group whose new instances stay Pending: the server is killed with -9
// while the step waits to verify; after the restart it sends no second
// SetDesiredCapacity and, once the instances are InService, the step
// verifies; still one incident and one message.
func TestOperationPlanCloudFailureAndKill9(t *testing.T) {
	t.Setenv("UNYO_CAPACITY_INTERVAL", "300ms")
	t.Setenv("UNYO_CAPACITY_RETRY_BACKOFF", "500ms")
	az := newVMSSCloud(t, 1)
	t.Setenv("SSL_CERT_FILE", az.WriteCert(t))
	az.FailUpdates(http.StatusForbidden, "AuthorizationFailed")
	aw := newASGCloud(t, 1)
	aw.Lag()
	dir := t.TempDir()
	s := startServer(t, dir)
	_, read := s.tenantWithTokens("acme")
	hook := webhooktest.NewServer(t)
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/channels", "", map[string]any{"name": "noc", "type": "webhook",
		"config": map[string]string{"url": hook.WebhookURL(), "secret": webhooktest.Secret}}, nil)
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/escalation-policies", "", map[string]any{"name": "standard", "default": true,
		"steps": []any{map[string]any{"targets": []string{"noc"}, "wait": "15m"}}}, nil)
	svc := s.capacityService()
	var azAcct, awsAcct struct {
		ID int64 `json:"id"`
	}
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/cloud-accounts", "", map[string]any{"name": "acme-azure", "provider": "azure",
		"azure": map[string]any{"tenant_id": az.Entra.Tenant, "client_id": az.Entra.ClientID, "client_secret": az.Entra.Secret,
			"subscription_id": az.Sub, "resource_manager": az.URL, "login": az.URL}}, &azAcct)
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/cloud-accounts", "", map[string]any{"name": "acme-aws", "provider": "aws",
		"aws": map[string]any{"access_key_id": aw.Key, "secret_access_key": aw.Secret, "role_arn": aw.Role, "external_id": aw.ExtID,
			"regions": []string{"ap-northeast-1"}, "endpoint": aw.URL}}, &awsAcct)
	group := func(name, kind string, account int64, cfg map[string]any, count int) string {
		var g struct {
			ID int64 `json:"id"`
		}
		s.mustJSON(201, "POST", "/api/v1/tenants/acme/capacity/groups", "", map[string]any{"name": name, "service_id": svc, "kind": kind,
			"account_id": account, "config": cfg, "min": 1, "max": 10, "instance_size": "Standard_D2s_v5", "verify_within": "30s"}, &g)
		path := fmt.Sprintf("/api/v1/tenants/acme/capacity/groups/%d", g.ID)
		s.mustJSON(201, "POST", path+"/plan/versions", "", map[string]any{"document": map[string]any{"baseline": map[string]any{"default": count}}, "reason": "e2e"}, nil)
		s.mustJSON(200, "POST", path+"/plan/versions/1/propose", "", nil, nil)
		s.mustJSON(200, "POST", path+"/plan/versions/1/approve", "", map[string]any{"reference": "定例会議事録 2026-12-04"}, nil)
		s.mustJSON(200, "POST", path+"/plan/versions/1/activate", "", nil, nil)
		return path
	}

	// Azure refuses the PATCH: three attempts, failed, one incident, one message.
	azGroup := group("web-azure", "azure_vmss", azAcct.ID, map[string]any{"resource_group": "rg-shop", "name": "web"}, 3)
	eventually(t, 60*time.Second, func() string {
		if st := s.steps(azGroup, read); len(st) != 1 || st[0].State != "failed" || st[0].Attempts != 3 || !strings.Contains(st[0].Error, "AuthorizationFailed") {
			return fmt.Sprintf("Azure steps %+v, refused PATCHes %d", st, az.Failures())
		}
		return ""
	})
	if n, p := az.Failures(), az.Patches(); n != 3 || len(p) != 0 {
		t.Errorf("Azure: %d refused PATCHes and %d accepted, want 3 and 0", n, len(p))
	}
	var incidents []e2eIncident
	eventually(t, 30*time.Second, func() string {
		s.mustJSON(200, "GET", "/api/v1/tenants/acme/incidents", read, nil, &incidents)
		if len(incidents) != 1 || len(hook.Messages()) != 1 {
			return fmt.Sprintf("%d incidents, %d messages", len(incidents), len(hook.Messages()))
		}
		return ""
	})
	if m := hook.Messages()[0].Payload; m.Labels["capacity_group"] != "web-azure" || m.Status != "firing" {
		t.Errorf("the notification: %+v", m)
	}

	// AWS: killed between SetDesiredCapacity and verification.
	awsGroup := group("web-aws", "aws_asg", awsAcct.ID, map[string]any{"name": "web"}, 4)
	eventually(t, 30*time.Second, func() string {
		if st := s.steps(awsGroup, read); len(st) != 1 || st[0].State != "applied" || len(aw.Sets()) != 1 {
			return fmt.Sprintf("AWS steps %+v, SetDesiredCapacity %v", st, aw.Sets())
		}
		return ""
	})
	if err := s.stop(syscall.SIGKILL); err == nil {
		t.Fatal("kill -9: the server exited cleanly")
	}
	reads := aw.Reads()
	s = startServer(t, dir)
	// The restarted server's scheduler reads the group (1 InService of 4)
	// tick after tick and waits: a second apply would come before this.
	eventually(t, 30*time.Second, func() string {
		if n := aw.Reads() - reads; n < 3 {
			return fmt.Sprintf("the restarted server read the group %d times", n)
		}
		return ""
	})
	if st := s.steps(awsGroup, read); len(st) != 1 || st[0].State != "applied" || len(aw.Sets()) != 1 {
		t.Errorf("after the restart, before the instances are ready: steps %+v, SetDesiredCapacity %v", st, aw.Sets())
	}
	aw.Ready()
	eventually(t, 30*time.Second, func() string {
		if st := s.steps(awsGroup, read); len(st) != 1 || st[0].State != "verified" || st[0].ReachedCount == nil || *st[0].ReachedCount != 4 {
			return fmt.Sprintf("AWS steps %+v", st)
		}
		return ""
	})
	if sets := aw.Sets(); len(sets) != 1 || sets[0].Count != 4 {
		t.Errorf("SetDesiredCapacity across the kill: %+v, want one, of 4", sets)
	}
	s.mustJSON(200, "GET", "/api/v1/tenants/acme/incidents", read, nil, &incidents)
	if len(incidents) != 1 || len(hook.Messages()) != 1 {
		t.Errorf("after the restart: %d incidents, %d messages, want still 1 and 1", len(incidents), len(hook.Messages()))
	}
}
