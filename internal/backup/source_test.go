package backup

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// TestSourceValidation: a bad source is refused naming its field; a good
// one round-trips through the store on both dialects.
func TestSourceValidation(t *testing.T) {
	bad := func(s Source, field string) {
		t.Helper()
		err := s.Validate()
		e, ok := invalid.As(err)
		if !ok || e.Field != field {
			t.Errorf("%+v: %v, want a refusal naming %s", s, err, field)
		}
	}
	bad(Source{Kind: "gcp"}, "source.kind")
	bad(Source{Kind: SourceAzure}, "source.account_id")
	bad(Source{Kind: SourceAzure, AccountID: 1, Vaults: []string{"novault"}}, "source.vaults")
	bad(Source{Kind: SourceAzure, AccountID: 1, Regions: []string{"us-east-1"}}, "source.regions")
	bad(Source{Kind: SourceAWS, AccountID: 1, Regions: []string{"tokyo"}}, "source.regions")
	bad(Source{Kind: SourceAWS, AccountID: 1, Selector: "x"}, "source.selector")
	bad(Source{Kind: SourceMetric}, "source.selector")
	bad(Source{Kind: SourceMetric, Selector: `x{job=`}, "source.selector")
	bad(Source{Kind: SourceMetric, Selector: "x", AccountID: 2}, "source.kind")
	for _, s := range []Source{
		{Kind: SourceAzure, AccountID: 1, Vaults: []string{"rg-shop/rsv-shop"}, Resources: []string{"vm-shop"}},
		{Kind: SourceAWS, AccountID: 1, Vaults: []string{"Default"}, Regions: []string{"ap-northeast-1"}},
		{Kind: SourceMetric, Selector: `*_last_success_timestamp_seconds{job="shop"}`},
	} {
		if err := s.Validate(); err != nil {
			t.Errorf("%+v: %v", s, err)
		}
	}

	fx := newFixture(t)
	p := &Policy{TenantID: "acme", Name: "vm", ServiceID: fx.svc["acme"], Target: "vm", Method: MethodAzureBackup, Schedule: "0 2 * * *",
		Retention: 720 * 3600e9, Source: &Source{Kind: SourceAzure, AccountID: 3, Vaults: []string{"rg/rsv-1"}}}
	if err := fx.store.CreatePolicy(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	got, err := fx.store.Policy(context.Background(), "acme", p.ID)
	if err != nil || got.Source == nil || got.Source.AccountID != 3 || got.Source.Vaults[0] != "rg/rsv-1" {
		t.Fatalf("stored source %+v, %v", got, err)
	}
	code, out := fx.do(t, "PUT", "/api/v1/tenants/acme/backups/policies/"+itoa(p.ID), "acme:read,write",
		`{"name":"vm","service_id":`+itoa(fx.svc["acme"])+`,"target":"vm","method":"azure_backup","schedule":"0 2 * * *","retention":"720h",
		"source":{"kind":"azure_backup"}}`)
	if code != 400 || !strings.Contains(out, "source.account_id") {
		t.Errorf("PUT without an account: %d %s, want 400 naming source.account_id", code, out)
	}
	if got, _ := fx.store.Policy(context.Background(), "acme", p.ID); got.Source == nil || got.Source.AccountID != 3 {
		t.Errorf("a refused update changed the source: %+v", got.Source)
	}
}

// TestSelectorQuery: a wildcard metric name becomes a __name__ regexp.
func TestSelectorQuery(t *testing.T) {
	for in, want := range map[string]string{
		`bacula_last_success_timestamp_seconds{job="shop"}`: `bacula_last_success_timestamp_seconds{job="shop"}`,
		`*_last_success_timestamp_seconds`:                  `{__name__=~".*_last_success_timestamp_seconds"}`,
		`*_last_success_timestamp_seconds{job="x"}`:         `{__name__=~".*_last_success_timestamp_seconds",job="x"}`,
	} {
		if got := SelectorQuery(in); got != want {
			t.Errorf("SelectorQuery(%s) = %s, want %s", in, got, want)
		}
	}
}

// TestAgentFailureIsTheItemsAlert: a failed job an agent's backup item
// sent is not the policy's job_failed condition (the item alerts itself),
// while a failed job from anywhere else is.
func TestAgentFailureIsTheItemsAlert(t *testing.T) {
	now := time.Now()
	p := &Policy{ID: 1, Name: "p", EffectiveRPO: 3600e9, Grace: DefaultGrace, CreatedAt: now.Add(-time.Minute)}
	sched, _ := ParseSchedule("every 24h")
	for src, want := range map[string]bool{OriginAgent: false, OriginAPI: true, string(SourceAWS): true} {
		last := &Job{Status: StatusFailed, Source: src, StartedAt: now, FinishedAt: now}
		st := Evaluate(p, Facts{Last: last, LastStart: now}, sched, time.UTC, now)
		if st.has(ConditionFailed) != want {
			t.Errorf("failed job from %s: job_failed %v, want %v", src, st.has(ConditionFailed), want)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
