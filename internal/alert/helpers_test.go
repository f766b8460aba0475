package alert

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/metricstore"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
	istorage "github.com/unyo-ops/unyo/internal/storage"
)

func newTestResource() *model.Resource {
	return &model.Resource{ID: 7, TenantID: "acme", Name: "web-01", Kind: "host"}
}

var t0 = time.Date(2025, 4, 1, 9, 0, 0, 0, time.UTC)

// world is a real database, a real TSDB, the monitoring design and an
// engine over them, with two tenants (acme, beta) and a clock the test moves.
type world struct {
	t       testing.TB
	raw     *sql.DB
	db      *istorage.Store
	design  *monitoring.Store
	metrics *metricstore.Store
	engine  *Engine
	now     time.Time
	mu      sync.Mutex
	sent    []Transition
	failing bool
	maint   map[int64]bool // resources in maintenance
}

func newWorld(t testing.TB, tune func(*Options)) *world {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := database.Open(ctx, dbtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	ms, err := metricstore.Open(filepath.Join(dir, "tsdb"), metricstore.Options{OutOfOrderWindow: 24 * time.Hour}, logger, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ms.Close() })
	objects := istorage.New(db)
	w := &world{t: t, raw: db, db: objects, design: monitoring.NewStore(db, objects), metrics: ms, now: t0, maint: map[int64]bool{}}
	for _, tn := range []*model.Tenant{
		{ID: "acme", Name: "株式会社アクメ", Language: "ja", TimeZone: "Asia/Tokyo"},
		{ID: "beta", Name: "Beta Inc.", Language: "en", TimeZone: "UTC"},
	} {
		if err := w.db.CreateTenant(ctx, tn); err != nil {
			t.Fatal(err)
		}
	}
	opts := Options{
		Now:    w.clock,
		Notify: w.notify,
		Maintenance: func(_ context.Context, _ string, res, _ int64, _ map[string]string, _ time.Time) (int64, bool, error) {
			w.mu.Lock()
			defer w.mu.Unlock()
			if w.maint[res] {
				return 42, true, nil
			}
			return 0, false, nil
		},
	}
	if tune != nil {
		tune(&opts)
	}
	w.engine = New(NewStore(db), w.db, w.design, ms, opts, logger)
	return w
}

func (w *world) clock() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.now
}

func (w *world) advance(d time.Duration) time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.now = w.now.Add(d)
	return w.now
}

func (w *world) notify(_ context.Context, t Transition) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.failing {
		return context.DeadlineExceeded
	}
	w.sent = append(w.sent, t)
	return nil
}

func (w *world) transitions() []Transition {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]Transition(nil), w.sent...)
}

func (w *world) host(tenant, name string) *model.Resource {
	w.t.Helper()
	r := &model.Resource{TenantID: tenant, Name: name, Kind: "host", Labels: map[string]string{"os": "linux"}}
	if err := w.db.CreateResource(context.Background(), r); err != nil {
		w.t.Fatal(err)
	}
	return r
}

// item creates an item directly on resource res.
func (w *world) item(tenant string, res *model.Resource, it *monitoring.Item) *monitoring.Item {
	w.t.Helper()
	it.ResourceID, it.TenantID = res.ID, tenant
	if err := w.design.CreateItem(context.Background(), it); err != nil {
		w.t.Fatal(err)
	}
	return it
}

// push appends one sample to the TSDB and tells the engine, as remote write does.
func (w *world) push(tenant string, at time.Time, v float64, lbls ...string) {
	w.t.Helper()
	lset := labels.FromStrings(append(lbls, metricstore.TenantLabel, tenant)...)
	app := w.metrics.AppenderV2(context.Background())
	if _, err := app.Append(0, lset, 0, at.UnixMilli(), v, nil, nil, storage.AOptions{}); err != nil {
		w.t.Fatal(err)
	}
	if err := app.Commit(); err != nil {
		w.t.Fatal(err)
	}
	w.engine.Observe(tenant, lset, at.UnixMilli(), v)
}

// drain applies every queued observation, as runObserved does.
func (w *world) drain() {
	ctx := context.Background()
	for {
		select {
		case o := <-w.engine.observed:
			w.engine.applyObserved(ctx, o, nil)
		default:
			return
		}
	}
}

// eval evaluates every rule at the world's time.
func (w *world) eval() {
	w.t.Helper()
	w.engine.mu.Lock()
	var keys []string
	for k := range w.engine.rules {
		keys = append(keys, k)
	}
	w.engine.mu.Unlock()
	for _, k := range keys {
		if err := w.engine.Evaluate(context.Background(), k, w.clock()); err != nil {
			w.t.Fatal(err)
		}
	}
}

func (w *world) alerts(tenant string) []*Alert {
	w.t.Helper()
	list, err := w.engine.store.List(context.Background(), tenant, Filter{})
	if err != nil {
		w.t.Fatal(err)
	}
	return list
}
