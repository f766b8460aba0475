package lease

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// clock is the replicas' shared wall clock, moved by the test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var tenants = []string{"acme", "beta", "gamma", "delta"}

func replica(t *testing.T, db *sql.DB, owner string, c *clock) *Leases {
	return New(db, owner, Options{TTL: 10 * time.Second, Renew: 3 * time.Second, Kinds: []string{Alerts},
		Tenants: func(context.Context) ([]string, error) { return tenants, nil }, Now: c.now}, nil, nil)
}

func pass(t *testing.T, ls ...*Leases) {
	t.Helper()
	for _, l := range ls {
		if err := l.Pass(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

// owners returns the replica that owns each tenant's rules, failing the
// test if two replicas both think they do.
func owners(t *testing.T, ls ...*Leases) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, tn := range tenants {
		for _, l := range ls {
			if _, ok := l.Owns(Alerts, tn); ok {
				if prev, dup := out[tn]; dup {
					t.Fatalf("%s owned by %s and %s", tn, prev, l.Owner())
				}
				out[tn] = l.Owner()
			}
		}
	}
	return out
}

// TestShareAndTakeover: two replicas on one PostgreSQL split the tenants,
// each tenant owned by exactly one; when one stops renewing (killed) the
// other owns all its tenants within TTL + Renew, with a raised fencing
// token, and the dead owner's token no longer passes the fence.
func TestShareAndTakeover(t *testing.T) {
	db, err := database.Open(context.Background(), dbtest.URLFor(t, database.Postgres))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c := &clock{t: time.UnixMilli(1_800_000_000_000)}
	a, b := replica(t, db, "a", c), replica(t, db, "b", c)
	pass(t, a)
	if got := owners(t, a, b); len(got) != 4 {
		t.Fatalf("alone, a owns %v, want all 4", got)
	}
	pass(t, b, a, b) // b joins; a gives up above its share; b takes it
	got := owners(t, a, b)
	count := map[string]int{}
	for _, o := range got {
		count[o]++
	}
	if len(got) != 4 || count["a"] != 2 || count["b"] != 2 {
		t.Fatalf("two replicas own %v, want 2 each", got)
	}
	var aTenant string
	for tn, o := range got {
		if o == "a" {
			aTenant = tn
		}
	}
	oldToken, _ := a.Owns(Alerts, aTenant)

	// a is killed: it renews no more. Until the TTL passes b takes nothing.
	c.add(9 * time.Second)
	pass(t, b)
	if got := owners(t, a, b); got[aTenant] == "b" {
		t.Fatalf("b took %s before a's lease expired", aTenant)
	}
	if _, ok := a.Owns(Alerts, aTenant); ok {
		t.Fatal("a still acts on its lease 9s after its last renewal (TTL 10s): it must stop at 4/5 of the TTL")
	}
	c.add(3 * time.Second) // b's next pass: 12s after a's last renewal
	pass(t, b)
	if got := owners(t, a, b); len(got) != 4 || got[aTenant] != "b" {
		t.Fatalf("after a died, owners = %v, want b for all", got)
	}
	newToken, _ := b.Owns(Alerts, aTenant)
	if newToken <= oldToken {
		t.Fatalf("token after takeover %d, want above %d", newToken, oldToken)
	}
	err = database.InTx(context.Background(), db, func(tx *sql.Tx) error {
		return a.Fence(context.Background(), tx, Name(Alerts, aTenant), oldToken)
	})
	if !errors.Is(err, ErrLost) {
		t.Fatalf("fence of the dead owner = %v, want ErrLost", err)
	}
	err = database.InTx(context.Background(), db, func(tx *sql.Tx) error {
		return b.Fence(context.Background(), tx, Name(Alerts, aTenant), newToken)
	})
	if err != nil {
		t.Fatalf("fence of the new owner: %v", err)
	}
	held, err := b.Held(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var rules int
	for _, l := range held {
		if l.Owner == "b" && l.Name != "replica/b" {
			rules++
		}
	}
	if rules != 4 {
		t.Fatalf("Held lists %d leases of b, want 4: %+v", rules, held)
	}
}

// TestSingleServer: on SQLite the one server owns every tenant's work
// without writing a lease.
func TestSingleServer(t *testing.T) {
	db, err := database.Open(context.Background(), dbtest.URLFor(t, database.SQLite))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c := &clock{t: time.Now()}
	l := replica(t, db, "only", c)
	pass(t, l)
	c.add(time.Hour) // no renewal needed
	for _, tn := range tenants {
		if _, ok := l.Owns(Alerts, tn); !ok {
			t.Fatalf("single server does not own %s", tn)
		}
	}
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM leases`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("leases rows = %d, %v; want none on SQLite", n, err)
	}
}

// TestGateFreshOnTakeover: a scheduler's gate says fresh on its first ask
// under a token (its state of the tenant must be read again), not after;
// when the tenant goes to another replica and comes back, fresh again,
// though the scheduler never saw itself lose it.
func TestGateFreshOnTakeover(t *testing.T) {
	db, err := database.Open(context.Background(), dbtest.URLFor(t, database.Postgres))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c := &clock{t: time.UnixMilli(1_800_000_000_000)}
	a, b := replica(t, db, "a", c), replica(t, db, "b", c)
	gate := a.Gate(Alerts)
	pass(t, a)
	if ok, fresh := gate("acme"); !ok || !fresh {
		t.Fatalf("first ask: ok=%v fresh=%v, want both", ok, fresh)
	}
	if ok, fresh := gate("acme"); !ok || fresh {
		t.Fatalf("second ask: ok=%v fresh=%v, want held, not fresh", ok, fresh)
	}
	// a stops renewing; b takes acme; then b dies and a takes it back.
	c.add(12 * time.Second)
	pass(t, b)
	if ok, _ := gate("acme"); ok {
		t.Fatal("a still holds acme after b took it")
	}
	c.add(12 * time.Second)
	pass(t, a)
	if ok, fresh := gate("acme"); !ok || !fresh {
		t.Fatalf("taken back: ok=%v fresh=%v, want both", ok, fresh)
	}
}

// TestOnlyNarrowsTargets: Only keeps the targets of the tenants held.
func TestOnlyNarrowsTargets(t *testing.T) {
	db, err := database.Open(context.Background(), dbtest.URLFor(t, database.Postgres))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c := &clock{t: time.UnixMilli(1_800_000_000_000)}
	a, b := replica(t, db, "a", c), replica(t, db, "b", c)
	pass(t, a, b, a, b)
	list := func(context.Context) ([]string, error) {
		return []string{"acme/1", "beta/2", "gamma/3", "delta/4", "acme/5"}, nil
	}
	tenantOf := func(s string) string { tn, _, _ := strings.Cut(s, "/"); return tn }
	seen := map[string]string{}
	for _, l := range []*Leases{a, b} {
		got, err := Only(l, Alerts, list, tenantOf)(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range got {
			if prev, dup := seen[x]; dup {
				t.Fatalf("%s listed by %s and %s", x, prev, l.Owner())
			}
			seen[x] = l.Owner()
		}
	}
	if len(seen) != 5 {
		t.Fatalf("targets listed: %v, want all 5 once", seen)
	}
}

// TestFenceOfRefusesAStalledHolder: a poller's save passes the fence while
// its replica holds the tenant, and is refused once another replica took
// the tenant over while it stalled.
func TestFenceOfRefusesAStalledHolder(t *testing.T) {
	db, err := database.Open(context.Background(), dbtest.URLFor(t, database.Postgres))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c := &clock{t: time.UnixMilli(1_800_000_000_000)}
	a, b := replica(t, db, "a", c), replica(t, db, "b", c)
	fence := a.FenceOf(Alerts)
	save := func() error {
		return database.InTx(context.Background(), db, func(tx *sql.Tx) error { return fence(context.Background(), tx, "acme") })
	}
	pass(t, a)
	if err := save(); err != nil {
		t.Fatalf("the holder's save: %v", err)
	}
	c.add(12 * time.Second) // a stalls; b takes acme
	pass(t, b)
	if err := save(); !errors.Is(err, ErrLost) {
		t.Fatalf("the stalled holder's save = %v, want ErrLost", err)
	}
}
