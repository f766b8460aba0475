package outbox

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/notify"
	"github.com/unyo-ops/unyo/internal/notify/webhook/webhooktest"
)

// replicaOf opens the env's database again, as another server process
// does, and returns an outbox on it named replica.
func (e *env) replicaOf(t *testing.T, replica string, resolve ResolveFunc) (*env, *Outbox) {
	t.Helper()
	r := &env{path: e.path, logs: e.logs}
	r.open(t)
	if resolve == nil {
		resolve = r.resolve
	}
	o := New(r.db, Options{Replica: replica, BackoffBase: 10 * time.Millisecond, PollInterval: 5 * time.Millisecond}, resolve, nil, r.logger(), nil)
	return r, o
}

func byKey(srv *webhooktest.Server) map[string]int {
	keys := map[string]int{}
	for _, m := range srv.Messages() {
		keys[m.Payload.IdempotencyKey]++
	}
	return keys
}

// TestReplicasDeliverOnce: three replicas on one PostgreSQL claim from one
// outbox at once, one of them starting while the others send; every
// notification reaches the receiver exactly once.
func TestReplicasDeliverOnce(t *testing.T) {
	e := newEnvAt(t, dbtest.URLFor(t, database.Postgres))
	srv := webhooktest.NewServer(t)
	cfg := srv.Config()
	e.addChannel(t, "acme", "hook", "webhook", map[string]string{"url": cfg.URL, "secret": cfg.Secret})
	ctx := context.Background()
	const total = 60
	_, a := e.replicaOf(t, "a", nil)
	_, b := e.replicaOf(t, "b", nil)
	_, c := e.replicaOf(t, "c", nil)
	for i := range total {
		n := alert("acme", fmt.Sprintf("k%02d", i), "t", notify.StatusFiring)
		n.Routes = []string{"hook"}
		if err := a.Enqueue(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	e.start(t, a)
	e.start(t, b)
	eventually(t, "the first deliveries", func() bool { return len(srv.Messages()) > 0 })
	e.start(t, c) // must not send again what a and b are sending
	eventually(t, "all delivered", func() bool { return e.states(t, a, "acme")[StateDelivered] == total })
	keys := byKey(srv)
	for k, n := range keys {
		if n != 1 {
			t.Errorf("key %s delivered %d times", k, n)
		}
	}
	if len(keys) != total {
		t.Fatalf("%d keys delivered, want %d", len(keys), total)
	}
}

// TestReplicaKilledMidDelivery: a replica claims a delivery and dies
// before sending it. The others leave it alone while the claim lasts, then
// claim it again and deliver it once; the dead replica's late result (a
// failure) does not overwrite theirs.
func TestReplicaKilledMidDelivery(t *testing.T) {
	e := newEnvAt(t, dbtest.URLFor(t, database.Postgres))
	srv := webhooktest.NewServer(t)
	cfg := srv.Config()
	e.addChannel(t, "acme", "hook", "webhook", map[string]string{"url": cfg.URL, "secret": cfg.Secret})
	ctx := context.Background()
	failing := func(context.Context, string, string) (Destination, error) {
		return Destination{}, notify.Permanent(errors.New("channel gone"))
	}
	_, dead := e.replicaOf(t, "dead", failing)
	for _, k := range []string{"a", "b"} {
		n := alert("acme", k, "t-"+k, notify.StatusFiring)
		n.Routes = []string{"hook"}
		if err := dead.Enqueue(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	if err := dead.dispatchPending(ctx); err != nil {
		t.Fatal(err)
	}
	jobs, err := dead.claim(ctx, 1)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("claim = %v, %v", jobs, err)
	}
	claimed := jobs[0].parts[0].key

	_, live := e.replicaOf(t, "live", nil)
	e.start(t, live)
	eventually(t, "the unclaimed one delivered", func() bool { return e.states(t, live, "acme")[StateDelivered] == 1 })
	if got := e.states(t, live, "acme"); got[StateSending] != 1 {
		t.Fatalf("while the claim lasts: %v, want the claimed delivery left sending", got)
	}
	if byKey(srv)[claimed] != 0 {
		t.Fatalf("%s was sent while another replica's claim lasted", claimed)
	}
	// The claim expires: the live replica's clock passes it.
	live.now = func() time.Time { return time.Now().Add(live.claimTTL() + time.Second) }
	live.poke()
	eventually(t, "the claimed one delivered", func() bool { return e.states(t, live, "acme")[StateDelivered] == 2 })
	if keys := byKey(srv); keys["a"] != 1 || keys["b"] != 1 {
		t.Fatalf("deliveries by key: %v, want a and b once each", keys)
	}
	// The dead replica comes back and records its attempt, a failure.
	dead.send(jobs[0])
	if got := e.states(t, live, "acme"); got[StateDelivered] != 2 || got[StateDead] != 0 {
		t.Fatalf("after the stale result: %v, want both still delivered", got)
	}
}
