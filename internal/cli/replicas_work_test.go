package cli

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/lease"
	"github.com/unyo-ops/unyo/internal/notify/webhook/webhooktest"
	"github.com/unyo-ops/unyo/internal/servicenow/servicenowtest"
)

// connCounter is a TCP service on loopback that records when each
// connection arrived: a probe's check of it.
type connCounter struct {
	mu sync.Mutex
	at []time.Time
}

func countConns(t *testing.T) (*connCounter, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	c := &connCounter{}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			c.mu.Lock()
			c.at = append(c.at, time.Now())
			c.mu.Unlock()
			conn.Close()
		}
	}()
	return c, ln.Addr().String()
}

func (c *connCounter) since(from time.Time) []time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []time.Time
	for _, at := range c.at {
		if !at.Before(from) {
			out = append(out, at)
		}
	}
	return out
}

// onePerTick fails the test if two checks fell on one tick of every: the
// probe runs on the multiples of its interval, so two replicas both
// polling would both dial on each tick.
func onePerTick(t *testing.T, what string, conns []time.Time, every time.Duration) {
	t.Helper()
	seen := map[int64]bool{}
	for _, at := range conns {
		tick := at.UnixNano() / int64(every)
		if seen[tick] {
			t.Fatalf("%s: two checks on one tick (%s): %v", what, at.Format(time.StampMilli), conns)
		}
		seen[tick] = true
	}
}

// owner is the replica holding kind's lease of tenant, awaited.
func owner(t *testing.T, kind, tenant string, rs ...*replica) (own, other *replica) {
	t.Helper()
	awaitCond(t, 30*time.Second, kind+" lease of "+tenant+" to be held", func() bool {
		own, other = nil, nil
		for _, r := range rs {
			if _, ok := r.a.leases.Owns(kind, tenant); ok {
				if own != nil {
					t.Fatalf("%s of %s held by two replicas", kind, tenant)
				}
				own = r
			} else {
				other = r
			}
		}
		return own != nil
	})
	return own, other
}

// TestProbePollsOnceAcrossReplicas: two servers on one PostgreSQL, a probe
// item checking a TCP service every second. The service is dialled once
// per tick, not once per replica; when the replica holding the tenant's
// poll lease stops, the other dials it from within the takeover bound
// (TTL + renewal) on, still once per tick.
func TestProbePollsOnceAcrossReplicas(t *testing.T) {
	t.Setenv("UNYO_LEASE_TTL", "3s") // renewal every second
	t.Setenv("UNYO_POLL_REFRESH", "500ms")
	dsn := dbtest.URLFor(t, database.Postgres)
	key := sharedKey(t)
	a := startReplica(t, dsn, key, "--outbound-allow", "127.0.0.0/8")
	b := startReplica(t, dsn, key, "--outbound-allow", "127.0.0.0/8")
	svc, addr := countConns(t)

	if c := a.status("POST", "/api/v1/tenants", admin, map[string]string{"id": "acme", "name": "ACME"}); c != 201 {
		t.Fatalf("creating the tenant: %d", c)
	}
	if c := a.status("PUT", "/api/v1/tenants/acme/networks", admin, map[string]any{"networks": []string{"127.0.0.0/8"}}); c != 200 {
		t.Fatalf("setting the tenant's networks: %d", c)
	}
	var host struct {
		ID int64 `json:"id"`
	}
	if c := a.status("POST", "/api/v1/tenants/acme/resources", admin, map[string]any{"name": "sw-01", "kind": "network"}, &host); c != 201 {
		t.Fatalf("creating the resource: %d", c)
	}
	item := map[string]any{"resource_id": host.ID, "name": "ssh", "kind": "check", "severity": "warning", "interval": "1s",
		"check": map[string]any{"type": "tcp", "from": "server", "address": addr}}
	if c := a.status("POST", "/api/v1/tenants/acme/monitoring/items", admin, item); c != 201 {
		t.Fatalf("creating the probe item: %d", c)
	}
	own, other := owner(t, lease.Polls, "acme", a, b)

	// Both replicas know the target (refresh 500ms); only one dials. A
	// target's first check runs when it is listed, off the ticks: count
	// from the tick after it.
	awaitCond(t, 30*time.Second, "the first check", func() bool { return len(svc.since(time.Time{})) > 0 })
	start := time.Now().Truncate(time.Second).Add(time.Second)
	awaitCond(t, 30*time.Second, "six checks", func() bool { return len(svc.since(start)) >= 6 })
	onePerTick(t, "two replicas", svc.since(start), time.Second)

	own.stop()
	stopped := time.Now()
	took := awaitCond(t, 20*time.Second, "a check by the other replica", func() bool {
		_, ok := other.a.leases.Owns(lease.Polls, "acme")
		return ok && len(svc.since(stopped)) > 0
	})
	t.Logf("the other replica polled %s after the owner stopped", took)
	if bound := 4 * time.Second; took > bound+time.Second { // TTL + renewal, plus one interval
		t.Errorf("takeover took %s, bound %s + one interval", took, bound)
	}
	from := time.Now()
	awaitCond(t, 30*time.Second, "three checks by the taker", func() bool { return len(svc.since(from)) >= 3 })
	onePerTick(t, "after the takeover", svc.since(from), time.Second)
}

// alertsOf lists tenant acme's alerts of fingerprint fp as r sees them.
type listedAlert struct {
	ID             int64  `json:"id"`
	Fingerprint    string `json:"fingerprint"`
	State          string `json:"state"`
	Severity       string `json:"severity"`
	InMaintenance  bool   `json:"in_maintenance"`
	AcknowledgedBy string `json:"acknowledged_by"`
}

func alertsOf(t *testing.T, r *replica, fp string) []listedAlert {
	t.Helper()
	var list []listedAlert
	if c := r.status("GET", "/api/v1/tenants/acme/alerts?limit=1000", admin, nil, &list); c != 200 {
		t.Fatalf("listing alerts: %d", c)
	}
	var out []listedAlert
	for _, a := range list {
		if a.Fingerprint == "alertmanager:"+fp {
			out = append(out, a)
		}
	}
	return out
}

// webhook posts one Alertmanager alert of fingerprint fp to r.
func webhook(t *testing.T, r *replica, token, fp, status, severity string) {
	t.Helper()
	body := map[string]any{"version": "4", "status": status, "receiver": "unyo", "alerts": []map[string]any{{
		"status": status, "fingerprint": fp, "startsAt": time.Now().Add(-time.Minute).UTC().Format(time.RFC3339),
		"labels":      map[string]string{"alertname": "Disk-" + fp, "severity": severity, "instance": "web-01"},
		"annotations": map[string]string{"summary": "disk " + fp},
	}}}
	if c := r.status("POST", "/api/v1/intake/alertmanager", []string{"", token}, body); c != 200 && c != 202 {
		t.Fatalf("webhook %s %s to %s: %d", fp, status, r.a.replicaID, c)
	}
}

// TestActionsAcrossReplicas: with the tenant's rules on replica own, what
// arrives at or is done on the other replica takes effect as on one
// server: a webhook sent to both (Alertmanager in HA, a trap sent to two
// destinations) is one alert; an alert opened through one is resolved
// through the other; an acknowledgement made on the other is kept when
// the owner changes the alert; a maintenance window created on the other
// holds the owner's next alert within the cache bound.
func TestActionsAcrossReplicas(t *testing.T) {
	t.Setenv("UNYO_LEASE_TTL", "3s")
	t.Setenv("UNYO_REPLICA_CACHE_MAX_AGE", "300ms")
	dsn := dbtest.URLFor(t, database.Postgres)
	key := sharedKey(t)
	a := startReplica(t, dsn, key)
	b := startReplica(t, dsn, key)
	if c := a.status("POST", "/api/v1/tenants", admin, map[string]string{"id": "acme", "name": "ACME"}); c != 201 {
		t.Fatalf("creating the tenant: %d", c)
	}
	var tok struct {
		Token string `json:"token"`
	}
	if c := a.status("POST", "/api/v1/tokens", admin, map[string]any{"name": "am", "tenant": "acme", "scopes": []string{"ingest"}}, &tok); c != 201 {
		t.Fatalf("creating the ingest token: %d", c)
	}
	own, other := owner(t, lease.Alerts, "acme", a, b)

	// One alert, sent to both.
	webhook(t, other, tok.Token, "both", "firing", "warning")
	webhook(t, own, tok.Token, "both", "firing", "warning")
	if got := alertsOf(t, own, "both"); len(got) != 1 || got[0].State != "firing" {
		t.Fatalf("a webhook sent to both replicas: %+v, want one firing alert", got)
	}

	// Opened through the other, resolved through the owner.
	webhook(t, other, tok.Token, "cross", "firing", "warning")
	webhook(t, own, tok.Token, "cross", "resolved", "warning")
	if got := alertsOf(t, own, "cross"); len(got) != 1 || got[0].State != "resolved" {
		t.Fatalf("opened on %s, resolved on the owner: %+v, want one resolved alert", other.a.replicaID, got)
	}

	// Acknowledged on the other; the owner raises its severity.
	webhook(t, own, tok.Token, "ack", "firing", "warning")
	first := alertsOf(t, own, "ack")
	if len(first) != 1 {
		t.Fatalf("alert ack: %+v", first)
	}
	if c := other.status("POST", fmt.Sprintf("/api/v1/tenants/acme/alerts/%d/acknowledge", first[0].ID), admin, map[string]any{}); c != 200 {
		t.Fatalf("acknowledging on the other replica: %d", c)
	}
	webhook(t, own, tok.Token, "ack", "firing", "critical")
	if got := alertsOf(t, own, "ack"); len(got) != 1 || got[0].Severity != "critical" || got[0].AcknowledgedBy != "user:admin" {
		t.Fatalf("acknowledged on the other, raised on the owner: %+v, want critical and acknowledged by user:admin", got)
	}

	// A maintenance window made on the other replica, after the owner read
	// (and cached) the tenant's windows for the alerts above.
	now := time.Now()
	if c := other.status("POST", "/api/v1/tenants/acme/maintenance-windows", admin, map[string]any{
		"name": "patching", "start": now.Add(-time.Minute).Format(time.RFC3339), "end": now.Add(time.Hour).Format(time.RFC3339),
	}); c != 201 {
		t.Fatalf("creating the window on the other replica: %d", c)
	}
	made := time.Now()
	n := 0
	took := awaitCond(t, 10*time.Second, "the owner to hold an alert in the window", func() bool {
		n++
		fp := fmt.Sprintf("window-%d", n)
		webhook(t, own, tok.Token, fp, "firing", "warning")
		got := alertsOf(t, own, fp)
		return len(got) == 1 && got[0].InMaintenance
	})
	t.Logf("the window made on one replica held the owner's alerts after %s", time.Since(made))
	if took > time.Second+300*time.Millisecond {
		t.Errorf("the window took %s to apply on the owner, bound 300ms (UNYO_REPLICA_CACHE_MAX_AGE)", took)
	}
}

// TestAcknowledgementStopsEscalationAcrossReplicas: the SLA warnings of
// two incidents escalate step after step on whichever replicas hold the
// tenant's SLA and escalation leases; the first incident, acknowledged on
// a replica that does not hold the escalation, gets no further step, while
// the second, not acknowledged, goes on.
func TestAcknowledgementStopsEscalationAcrossReplicas(t *testing.T) {
	t.Setenv("UNYO_LEASE_TTL", "3s")
	t.Setenv("UNYO_SLA_INTERVAL", "200ms")
	t.Setenv("UNYO_ESCALATION_INTERVAL", "200ms")
	t.Setenv("UNYO_NOTIFY_GROUP_WINDOW", "10ms")
	t.Setenv("UNYO_NOTIFY_POLL", "100ms")
	dsn := dbtest.URLFor(t, database.Postgres)
	key := sharedKey(t)
	a := startReplica(t, dsn, key, "--outbound-allow", "127.0.0.0/8")
	b := startReplica(t, dsn, key, "--outbound-allow", "127.0.0.0/8")
	hook := webhooktest.NewServer(t)
	if c := a.status("POST", "/api/v1/tenants", admin, map[string]string{"id": "acme", "name": "ACME"}); c != 201 {
		t.Fatalf("creating the tenant: %d", c)
	}
	base := "/api/v1/tenants/acme"
	if c := a.status("POST", base+"/channels", admin, map[string]any{"name": "hook", "type": "webhook", "config": hook.Config()}); c != 201 {
		t.Fatalf("creating the channel: %d", c)
	}
	var steps []any
	for range 20 {
		steps = append(steps, map[string]any{"targets": []string{"hook"}, "wait": "1s"})
	}
	if c := a.status("POST", base+"/escalation-policies", admin, map[string]any{"name": "noc", "default": true, "steps": steps}); c != 201 {
		t.Fatalf("creating the policy: %d", c)
	}
	var svc struct {
		ID int64 `json:"id"`
	}
	if c := a.status("POST", base+"/services", admin, map[string]any{"name": "shop",
		"service_level": map[string]any{"acknowledge_target": "2s", "identify_target": "1h", "resolve_target": "4h"}}, &svc); c != 201 {
		t.Fatalf("creating the service: %d", c)
	}
	_, notEsc := owner(t, lease.Escalation, "acme", a, b)
	var inc [2]struct {
		ID int64 `json:"id"`
	}
	for i := range inc {
		if c := a.status("POST", base+"/incidents", admin, map[string]any{"service_id": svc.ID, "short_description": fmt.Sprint("incident ", i),
			"impact": 1, "urgency": 1}, &inc[i]); c != 201 {
			t.Fatalf("creating an incident: %d", c)
		}
	}
	sent := func(id int64) int {
		n := 0
		for _, m := range hook.Messages() {
			if strings.HasSuffix(m.Payload.URL, fmt.Sprintf("/incidents/%d", id)) {
				n++
			}
		}
		return n
	}
	awaitCond(t, 30*time.Second, "two steps of the first incident", func() bool { return sent(inc[0].ID) >= 2 })
	if notEsc == nil {
		t.Fatal("one replica holds every lease: nothing crosses replicas")
	}
	if c := notEsc.status("POST", fmt.Sprintf("%s/incidents/%d/acknowledge", base, inc[0].ID), admin, map[string]any{}); c != 200 {
		t.Fatalf("acknowledging on the replica without the escalation: %d", c)
	}
	acked := sent(inc[0].ID)
	other := sent(inc[1].ID)
	// The other incident's escalation goes on, step by step: by its third
	// step after the acknowledgement, the owner has ticked many times.
	awaitCond(t, 30*time.Second, "three more steps of the second incident", func() bool { return sent(inc[1].ID) >= other+3 })
	if n := sent(inc[0].ID); n > acked+1 { // one step may have been in the outbox already
		t.Fatalf("the acknowledged incident got %d more steps after its acknowledgement on %s", n-acked, notEsc.a.replicaID)
	}
}

// TestItemMadeOnOtherReplicaFires: a check item added on the replica that
// does not hold the tenant's rules nor its polls is polled and evaluated
// by the one that does within the stated bounds (UNYO_POLL_REFRESH and
// UNYO_ALERT_RELOAD, shortened here): its failing check fires an alert.
func TestItemMadeOnOtherReplicaFires(t *testing.T) {
	t.Setenv("UNYO_LEASE_TTL", "3s")
	t.Setenv("UNYO_POLL_REFRESH", "1s")
	t.Setenv("UNYO_ALERT_RELOAD", "1s")
	dsn := dbtest.URLFor(t, database.Postgres)
	key := sharedKey(t)
	a := startReplica(t, dsn, key, "--outbound-allow", "127.0.0.0/8")
	b := startReplica(t, dsn, key, "--outbound-allow", "127.0.0.0/8")
	if c := a.status("POST", "/api/v1/tenants", admin, map[string]string{"id": "acme", "name": "ACME"}); c != 201 {
		t.Fatalf("creating the tenant: %d", c)
	}
	if c := a.status("PUT", "/api/v1/tenants/acme/networks", admin, map[string]any{"networks": []string{"127.0.0.0/8"}}); c != 200 {
		t.Fatalf("setting the tenant's networks: %d", c)
	}
	own, other := owner(t, lease.Alerts, "acme", a, b)
	if p, _ := owner(t, lease.Polls, "acme", a, b); p != own {
		t.Skip("the tenant's rules and polls are on two replicas: their embedded TSDBs do not share the samples")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close() // nothing answers there: the check fails
	var host struct {
		ID int64 `json:"id"`
	}
	if c := other.status("POST", "/api/v1/tenants/acme/resources", admin, map[string]any{"name": "sw-01", "kind": "network"}, &host); c != 201 {
		t.Fatalf("creating the resource: %d", c)
	}
	made := time.Now()
	item := map[string]any{"resource_id": host.ID, "name": "telnet", "kind": "check", "severity": "critical", "interval": "1s",
		"check": map[string]any{"type": "tcp", "from": "server", "address": closed}}
	if c := other.status("POST", "/api/v1/tenants/acme/monitoring/items", admin, item); c != 201 {
		t.Fatalf("creating the item on the other replica: %d", c)
	}
	awaitCond(t, 30*time.Second, "the owner to fire the item's alert", func() bool {
		var list []listedAlert
		if c := own.status("GET", "/api/v1/tenants/acme/alerts?limit=100", admin, nil, &list); c != 200 {
			t.Fatalf("listing alerts: %d", c)
		}
		for _, a := range list {
			if a.State == "firing" {
				return true
			}
		}
		return false
	})
	t.Logf("an item made on %s fired on %s after %s", other.a.replicaID, own.a.replicaID, time.Since(made))
}

// TestServiceNowSyncOnceAcrossReplicas: problems made on both replicas
// reach the tenant's ServiceNow instance each as one record, created by
// one POST, though both replicas run the sync every 100ms; when the
// replica syncing the tenant stops, the other syncs what comes next.
func TestServiceNowSyncOnceAcrossReplicas(t *testing.T) {
	t.Setenv("UNYO_LEASE_TTL", "3s")
	t.Setenv("UNYO_SERVICENOW_INTERVAL", "100ms")
	sn := servicenowtest.New("unyo.integration", "sn-pass-replicas", "", "")
	defer sn.Close()
	dsn := dbtest.URLFor(t, database.Postgres)
	key := sharedKey(t)
	a := startReplica(t, dsn, key, "--outbound-allow", "127.0.0.0/8")
	b := startReplica(t, dsn, key, "--outbound-allow", "127.0.0.0/8")
	if c := a.status("POST", "/api/v1/tenants", admin, map[string]string{"id": "acme", "name": "ACME"}); c != 201 {
		t.Fatalf("creating the tenant: %d", c)
	}
	base := "/api/v1/tenants/acme"
	if c := a.status("PUT", base+"/servicenow", admin, map[string]any{"instance_url": sn.URL, "auth": "basic",
		"username": "unyo.integration", "password": "sn-pass-replicas"}); c != 200 {
		t.Fatalf("configuring ServiceNow: %d", c)
	}
	const n = 6
	for i := range n {
		r := []*replica{a, b}[i%2]
		if c := r.status("POST", base+"/problems", admin, map[string]any{"title": fmt.Sprint("problem ", i), "priority": 2}); c != 201 {
			t.Fatalf("creating a problem on %s: %d", r.a.replicaID, c)
		}
	}
	awaitCond(t, 30*time.Second, "every problem in ServiceNow", func() bool { return len(sn.RecordsIn("problem")) >= n })
	// Let both replicas' syncs pass over the queue again: the outbox empty
	// of undone entries means every replica has seen each one done.
	awaitCond(t, 30*time.Second, "the outbox done", func() bool {
		var list []struct {
			DoneAt *time.Time `json:"done_at"`
		}
		if c := b.status("GET", base+"/servicenow/outbox", admin, nil, &list); c != 200 {
			t.Fatalf("listing the outbox: %d", c)
		}
		for _, e := range list {
			if e.DoneAt == nil {
				return false
			}
		}
		return len(list) >= n
	})
	posts := 0
	for _, r := range sn.Requests() {
		if r.Method == "POST" && r.Table == "problem" {
			posts++
		}
	}
	if got := len(sn.RecordsIn("problem")); got != n || posts != n {
		t.Fatalf("%d problem records from %d POSTs in ServiceNow, want %d of each", got, posts, n)
	}

	// The replica syncing the tenant stops; a problem made on the other
	// reaches ServiceNow once the lease is taken over.
	own, other := owner(t, lease.ServiceNow, "acme", a, b)
	own.stop()
	if c := other.status("POST", base+"/problems", admin, map[string]any{"title": "after the stop", "priority": 2}); c != 201 {
		t.Fatalf("creating a problem on %s: %d", other.a.replicaID, c)
	}
	took := awaitCond(t, 20*time.Second, "the problem in ServiceNow", func() bool { return len(sn.RecordsIn("problem")) == n+1 })
	t.Logf("the other replica synced %s after the owner stopped", took)
}
