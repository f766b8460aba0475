package e2e

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
)

// TestReplicasTakeOverLeases: three replicas on one PostgreSQL; a tenant's
// alert, escalation and SLA work is each held by one replica; kill -9 of
// the replica holding the tenant's rules hands them to a live replica
// within the stated bound (TTL + renew), measured and logged.
//
// Scope: leases only. The alert-fires-once and outbox-mid-delivery parts
// are proven by package tests (internal/alert TestTakeoverRestartsFromStoredState,
// internal/outbox TestReplicaKilledMidDelivery, TestReplicasDeliverOnce),
// because each replica's embedded metrics store is its own.
func TestReplicasTakeOverLeases(t *testing.T) {
	const ttl, renew = 2 * time.Second, 500 * time.Millisecond
	t.Setenv("UNYO_LEASE_TTL", ttl.String())
	t.Setenv("UNYO_LEASE_RENEW", renew.String())
	pg := dbtest.NewPostgres(t, false)
	replicas := map[string]*server{}
	first := startServer(t, t.TempDir(), "--database", pg, "--replica-id", "r1")
	replicas["r1"] = first
	first.mustJSON(201, "POST", "/api/v1/tenants", "", map[string]string{"id": "acme", "name": "ACME"}, nil)
	for _, id := range []string{"r2", "r3"} {
		replicas[id] = startServer(t, filepath.Join(t.TempDir(), id), "--database", pg, "--replica-id", id)
	}
	db, err := database.Open(context.Background(), pg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	owner := func(name string) string {
		var o string
		err := db.QueryRow(`SELECT owner FROM leases WHERE name=? AND expires_at>=?`, name, time.Now().UnixMilli()).Scan(&o)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			t.Fatal(err)
		}
		return o
	}
	await := func(what string, limit time.Duration, cond func() bool) time.Duration {
		t.Helper()
		start := time.Now()
		for !cond() {
			if time.Since(start) > limit {
				t.Fatalf("%s: not within %s", what, limit)
			}
			time.Sleep(50 * time.Millisecond)
		}
		return time.Since(start)
	}
	var victim string
	await("acme's rules owned", 10*time.Second, func() bool { victim = owner("alert/acme"); return victim != "" })
	for _, kind := range []string{"escalation", "sla"} {
		await("acme's "+kind+" owned", 10*time.Second, func() bool { return owner(kind+"/acme") != "" })
	}
	alive := func() int {
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM leases WHERE name LIKE 'replica/%' AND expires_at>=?`, time.Now().UnixMilli()).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	await("three replicas alive", 10*time.Second, func() bool { return alive() == 3 })

	replicas[victim].stop(syscall.SIGKILL)
	bound := ttl + renew
	var heir string
	took := await("acme's rules taken over", bound+2*time.Second, func() bool {
		heir = owner("alert/acme")
		return heir != "" && heir != victim
	})
	t.Logf("kill -9 of %s: acme's rules taken by %s after %s (bound TTL+renew = %s)", victim, heir, took.Round(10*time.Millisecond), bound)
	if took > bound+time.Second {
		t.Fatalf("takeover took %s, above the bound %s (+1s for polling)", took, bound)
	}
	for _, kind := range []string{"escalation", "sla"} {
		await("acme's "+kind+" taken over", bound+2*time.Second, func() bool { o := owner(kind + "/acme"); return o != "" && o != victim })
	}
	await("two replicas alive", bound+2*time.Second, func() bool { return alive() == 2 })
}
