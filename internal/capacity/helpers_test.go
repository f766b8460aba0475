package capacity

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/actuator/command"
	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/apitest"
	"github.com/unyo-ops/unyo/internal/calendar"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/secret"
	"github.com/unyo-ops/unyo/internal/storage"
)

// fleetScript is a real program the command actuator runs: it keeps a
// group's desired and running counts in files of its directory and logs
// every apply. With a file "fail" it refuses; with "lag" the running
// count stays behind until a file "ready" appears.
const fleetScript = `#!/bin/sh
d=%s
req=$(cat)
case "$req" in
*'"action":"apply"'*)
  if [ -f $d/fail ]; then echo "quota exceeded for the scale set" >&2; exit 3; fi
  n=$(echo "$req" | sed 's/.*"count":\([0-9]*\).*/\1/')
  echo "$n" >> $d/applies
  echo "$n" > $d/desired
  [ -f $d/lag ] || echo "$n" > $d/running
  ;;
*)
  des=$(cat $d/desired 2>/dev/null || echo 2)
  run=$(cat $d/running 2>/dev/null || echo 2)
  if [ -f $d/lag ] && [ -f $d/ready ]; then run=$des; fi
  echo "{\"desired\":$des,\"running\":$run,\"size\":\"Standard_D2s_v5\"}"
  ;;
esac
`

// fleet is one script's directory.
type fleet struct{ dir, path string }

func newFleet(t *testing.T) *fleet {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "fleet.sh")
	if err := os.WriteFile(p, []byte(fmt.Sprintf(fleetScript, dir)), 0o755); err != nil {
		t.Fatal(err)
	}
	return &fleet{dir: dir, path: p}
}

func (f *fleet) set(t *testing.T, name string, on bool) {
	t.Helper()
	p := filepath.Join(f.dir, name)
	if on {
		os.WriteFile(p, nil, 0o644)
	} else {
		os.Remove(p)
	}
}

// applies lists the counts applied, in order.
func (f *fleet) applies() []string {
	b, _ := os.ReadFile(filepath.Join(f.dir, "applies"))
	return strings.Fields(string(b))
}

// intakeLog records what the scheduler puts into the alert pipeline.
type intakeLog struct {
	mu      sync.Mutex
	signals []alert.Signal
}

func (l *intakeLog) intake(_ context.Context, _ string, s []alert.Signal) (alert.IntakeResult, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.signals = append(l.signals, s...)
	return alert.IntakeResult{Received: len(s)}, nil
}

func (l *intakeLog) statuses() []alert.State {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []alert.State
	for _, s := range l.signals {
		out = append(out, s.Status)
	}
	return out
}

// clock is the time the store and scheduler of a fixture see.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time)     { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *clock) add(d time.Duration) { c.set(c.now().Add(d)) }

type fixture struct {
	db     string // the URL, to open it again ("restart")
	store  *Store
	st     *storage.Store
	srv    *httptest.Server
	clock  *clock
	intake *intakeLog
	svc    map[string]int64
	box    *secret.Box
}

var tokyo, _ = calendar.LoadZone("Asia/Tokyo")

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	url := dbtest.URL(t)
	key := make([]byte, secret.KeySize)
	rand.Read(key)
	box, err := secret.New(key)
	if err != nil {
		t.Fatal(err)
	}
	fx := &fixture{db: url, clock: &clock{t: time.Date(2026, 12, 7, 6, 0, 0, 0, tokyo)}, intake: &intakeLog{}, svc: map[string]int64{}, box: box}
	fx.open(t)
	for _, id := range []string{"acme", "beta"} {
		if err := fx.st.CreateTenant(ctx, &model.Tenant{ID: id, Name: id, Language: "ja", TimeZone: "Asia/Tokyo"}); err != nil {
			t.Fatal(err)
		}
		svc := &model.Service{TenantID: id, Name: id + "-shop", Level: model.ServiceLevel{Calendar: calendar.Calendar{TimeZone: "Asia/Tokyo"}}}
		if err := fx.st.CreateService(ctx, svc); err != nil {
			t.Fatal(err)
		}
		fx.svc[id] = svc.ID
	}
	return fx
}

// open opens the database (again) and builds the store and the API on it.
func (fx *fixture) open(t testing.TB) {
	t.Helper()
	db, err := database.Open(context.Background(), fx.db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	fx.st = storage.New(db)
	fx.store = NewStore(db, fx.st, fx.box, map[string]Factory{"command": command.Factory})
	fx.store.AddKind(KindManual, fx.store.ManualFactory(nil, "http://unyo.example"))
	fx.store.now = fx.clock.now
	h := NewHandlers(fx.store, apitest.PathTenant, nil)
	h.now = fx.clock.now
	fx.srv = apitest.NewServer(t, h.Routes())
}

// scheduler is a fresh scheduler: what a restarted server runs.
func (fx *fixture) scheduler() *Scheduler {
	sc := NewScheduler(fx.store, fx.intake.intake, nil, nil)
	sc.now = fx.clock.now
	sc.Retry = RetryPolicy{Attempts: 3, Backoff: time.Minute}
	return sc
}

const admin = ":read,write,admin" // an MSP admin's token (every tenant)

func (fx *fixture) do(t *testing.T, method, path, token string, body any) (int, string) {
	t.Helper()
	code, _, data := apitest.Do(t, fx.srv, method, path, token, body)
	return code, string(data)
}

func (fx *fixture) must(t *testing.T, want int, method, path, token string, body, out any) {
	t.Helper()
	code, data := fx.do(t, method, path, token, body)
	if code != want {
		t.Fatalf("%s %s = %d, want %d: %s", method, path, code, want, data)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(data), out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

// group creates a command group of tenant on f, bounds 1 to 20.
func (fx *fixture) group(t *testing.T, tenant, name string, f *fleet) *Group {
	t.Helper()
	var g Group
	fx.must(t, 201, "POST", "/api/v1/tenants/"+tenant+"/capacity/groups", admin, map[string]any{
		"name": name, "service_id": fx.svc[tenant], "kind": "command", "config": map[string]any{"argv": []string{f.path}, "timeout": "10s"},
		"min": 1, "max": 20, "instance_size": "Standard_D2s_v5", "hourly_price": 0.5, "verify_within": "5m"}, &g)
	return &g
}

// agreed stores doc as a new version of g, proposed, approved by the
// customer's requester and activated; it returns the version.
func (fx *fixture) agreed(t *testing.T, tenant string, g *Group, doc Document, reason string) *Version {
	t.Helper()
	base := fmt.Sprintf("/api/v1/tenants/%s/capacity/groups/%d/plan/versions", tenant, g.ID)
	var v Version
	fx.must(t, 201, "POST", base, ":read,write", map[string]any{"document": doc, "reason": reason}, &v)
	path := fmt.Sprintf("%s/%d", base, v.Version)
	fx.must(t, 200, "POST", path+"/propose", ":read,write", nil, nil)
	fx.must(t, 200, "POST", path+"/approve", tenant+":requester", nil, nil)
	fx.must(t, 200, "POST", path+"/activate", ":read,write", nil, &v)
	return &v
}
