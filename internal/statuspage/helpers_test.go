package statuspage

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"

	"github.com/unyo-ops/unyo/internal/apitest"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/metricstore"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/report"
	ustorage "github.com/unyo-ops/unyo/internal/storage"
)

// fixture is two tenants with services, hosts and check results in a real
// TSDB, the incident desk, and the status page API and public page served.
type fixture struct {
	db    *sql.DB
	st    *ustorage.Store
	desk  *incident.Desk
	svc   *Service
	api   *httptest.Server // the API routes, the caller from apitest's header
	pages *httptest.Server // /status/{slug}
	svcID map[string]int64 // "tenant/service" → ID
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, dbtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st := ustorage.New(db)
	fx := &fixture{db: db, st: st, desk: incident.NewDesk(db, st, nil), svcID: map[string]int64{}}
	ms, err := metricstore.Open(filepath.Join(t.TempDir(), "tsdb"), metricstore.Options{}, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ms.Close() })
	now := time.Now()
	app := ms.AppenderV2(ctx)
	for _, id := range []string{"acme", "beta"} {
		if err := st.CreateTenant(ctx, &model.Tenant{ID: id, Name: id + " 株式会社", Language: "ja", TimeZone: "Asia/Tokyo"}); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"shop", "mail"} {
			s := &model.Service{TenantID: id, Name: id + "-" + name, Level: model.ServiceLevel{AvailabilityTarget: 99.9}}
			if err := st.CreateService(ctx, s); err != nil {
				t.Fatal(err)
			}
			fx.svcID[id+"/"+name] = s.ID
			host := &model.Resource{TenantID: id, Name: id + "-" + name + "-host-01", Kind: "host", ServiceID: &s.ID}
			if err := st.CreateResource(ctx, host); err != nil {
				t.Fatal(err)
			}
			// The shop's check has failed for the last 20 minutes; mail's passes.
			var ref storage.SeriesRef
			ls := labels.FromStrings("__name__", "unyo_check_up", metricstore.TenantLabel, id, "host", host.Name, "item", "https")
			for ts := now.Add(-2 * time.Hour); !ts.After(now); ts = ts.Add(time.Minute) {
				up := 1.0
				if name == "shop" && ts.After(now.Add(-20*time.Minute)) {
					up = 0
				}
				if ref, err = app.Append(ref, ls, 0, ts.UnixMilli(), up, nil, nil, storage.AOptions{}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if err := app.Commit(); err != nil {
		t.Fatal(err)
	}
	src := report.SourcesOf(ms, ms.Queryable(), report.Stores{Tenants: st, Desk: fx.desk})
	gen := report.NewGenerator(report.Sources{Tenants: st, Metrics: src.Metrics, Downtime: src.Downtime}, nil)
	fx.svc = NewService(Options{Store: NewStore(db), Tenants: st, Availability: gen, TTL: time.Hour})
	public := NewPublic(fx.svc)
	fx.api = apitest.NewServer(t, NewHandlers(fx.svc, public, apitest.PathTenant, nil).Routes())
	mux := http.NewServeMux()
	public.Register(mux)
	fx.pages = httptest.NewServer(mux)
	t.Cleanup(fx.pages.Close)
	return fx
}

func (fx *fixture) do(t *testing.T, method, path, who string, body any) (int, string) {
	t.Helper()
	code, _, data := apitest.Do(t, fx.api, method, path, who, body)
	return code, string(data)
}

func (fx *fixture) must(t *testing.T, want int, method, path, who string, body any) string {
	t.Helper()
	code, out := fx.do(t, method, path, who, body)
	if code != want {
		t.Fatalf("%s %s as %s: %d %s, want %d", method, path, who, code, out, want)
	}
	return out
}

// page reads the public HTML page of slug.
func (fx *fixture) page(t *testing.T, slug string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(fx.pages.URL + "/status/" + slug)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// incident opens an incident of tenant on its shop with a work note.
func (fx *fixture) incident(t *testing.T, tenant, title, note string) *incident.Incident {
	t.Helper()
	ctx := context.Background()
	svc := fx.svcID[tenant+"/shop"]
	inc, err := fx.desk.Open(ctx, tenant, "user:op", incident.Fields{ShortDescription: &title, ServiceID: &svc})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fx.desk.AddNote(ctx, tenant, inc.ID, "user:op", note, true); err != nil {
		t.Fatal(err)
	}
	return inc
}

func containsAny(s string, words ...string) string {
	for _, w := range words {
		if strings.Contains(s, w) {
			return w
		}
	}
	return ""
}
