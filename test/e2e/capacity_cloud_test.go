package e2e

import (
	"fmt"
	"testing"
	"time"
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
