package discovery_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/discovery"
)

// TestActiveHealthOfIsEachTenantsBanner: the MSP's read of every
// customer's open cloud health events gives each tenant what its own
// banner shows: its firing alerts of source cloud_health, newest first,
// other sources, resolved events and the other tenant's left out.
func TestActiveHealthOfIsEachTenantsBanner(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	intake := func(tenant, name string, src alert.Source, status alert.State) {
		t.Helper()
		if _, err := w.engine.Intake(ctx, tenant, []alert.Signal{{Source: src, Fingerprint: name, Status: status,
			Severity: alert.SeverityWarning, Name: name}}); err != nil {
			t.Fatal(err)
		}
	}
	intake("acme", "Azure: VM degraded", alert.SourceCloudHealth, alert.StateFiring)
	intake("acme", "AWS: EC2 issue", alert.SourceCloudHealth, alert.StateFiring)
	intake("acme", "AWS: S3 issue", alert.SourceCloudHealth, alert.StateFiring)
	intake("acme", "AWS: S3 issue", alert.SourceCloudHealth, alert.StateResolved)
	intake("acme", "Down", alert.SourceGeneric, alert.StateFiring)
	intake("beta", "Azure: storage", alert.SourceCloudHealth, alert.StateFiring)

	every, err := w.d.ActiveHealthOf(ctx, []string{"acme", "beta", "gamma"})
	if err != nil {
		t.Fatal(err)
	}
	titles := map[string][]string{}
	for _, tenant := range []string{"acme", "beta", "gamma"} {
		own, err := w.d.ActiveHealth(ctx, tenant)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(every[tenant], own) {
			t.Errorf("%s: every tenant's read gives %+v, its own %+v", tenant, every[tenant], own)
		}
		list, err := w.engine.List(ctx, tenant, alert.Filter{States: []alert.State{alert.StateFiring}})
		if err != nil {
			t.Fatal(err)
		}
		var want []discovery.HealthNotice
		for _, a := range list {
			if a.Source == alert.SourceCloudHealth {
				want = append(want, discovery.HealthNotice{AlertID: a.ID, Title: a.Title.En, Resource: a.Resource, Severity: string(a.Severity), Since: a.StartedAt})
			}
		}
		if !reflect.DeepEqual(own, want) {
			t.Errorf("%s's banner is %+v, its firing cloud health alerts %+v", tenant, own, want)
		}
		for _, n := range own {
			titles[tenant] = append(titles[tenant], n.Title)
		}
	}
	if len(titles["acme"]) != 2 || len(titles["beta"]) != 1 || len(titles["gamma"]) != 0 {
		t.Errorf("banners %v, want acme's 2 open events, beta's 1, none for gamma", titles)
	}
}
