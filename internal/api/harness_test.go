package api_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/golang/snappy"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/prompb"
	pstorage "github.com/prometheus/prometheus/storage"
	"golang.org/x/crypto/bcrypt"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/api"
	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/backup"
	"github.com/unyo-ops/unyo/internal/blueprint"
	"github.com/unyo-ops/unyo/internal/capacity"
	"github.com/unyo-ops/unyo/internal/change"
	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/cloudaccount/connect"
	"github.com/unyo-ops/unyo/internal/cluster"
	"github.com/unyo-ops/unyo/internal/dashboard"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/discovery"
	"github.com/unyo-ops/unyo/internal/enrollment"
	"github.com/unyo-ops/unyo/internal/improvement"
	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/limits"
	"github.com/unyo-ops/unyo/internal/maintenance"
	"github.com/unyo-ops/unyo/internal/metricstore"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/oncall"
	"github.com/unyo-ops/unyo/internal/outbound"
	"github.com/unyo-ops/unyo/internal/problem"
	"github.com/unyo-ops/unyo/internal/promapi"
	"github.com/unyo-ops/unyo/internal/remotewrite"
	"github.com/unyo-ops/unyo/internal/report"
	"github.com/unyo-ops/unyo/internal/route"
	"github.com/unyo-ops/unyo/internal/secret"
	"github.com/unyo-ops/unyo/internal/snmp"
	"github.com/unyo-ops/unyo/internal/snmptrap"
	"github.com/unyo-ops/unyo/internal/statuspage"
	"github.com/unyo-ops/unyo/internal/storage"
	"github.com/unyo-ops/unyo/internal/throttle"
	"github.com/unyo-ops/unyo/internal/yearplan"
)

const adminPassword = "correct-horse-battery"

// adminPasswordHash is adminPassword's bcrypt hash at bcrypt's least cost,
// made once: the tests sign in with Basic auth on nearly every request, and
// at the product's cost (auth.HashPassword) each check took about 60 ms of
// CPU, nine tenths of the package's. Every check is still bcrypt's.
var adminPasswordHash = sync.OnceValue(func() string {
	h, err := bcrypt.GenerateFromPassword([]byte(adminPassword), bcrypt.MinCost)
	if err != nil {
		panic(err)
	}
	return string(h)
})

// env is a real API over a real SQLite file and a real TSDB.
type env struct {
	t       *testing.T
	url     string
	api     *api.API
	store   *storage.Store
	db      *sql.DB
	limits  *limits.Enforcer
	handler http.Handler
	// clock drives the sign-in limiter, whose counters are in reg.
	clock   *testClock
	limiter *throttle.Limiter
	reg     *prometheus.Registry
}

// testClock is a clock the test moves by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	db, err := database.Open(context.Background(), dbtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ms, err := metricstore.Open(filepath.Join(dir, "tsdb"), metricstore.Options{}, logger, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ms.Close() })
	store := storage.New(db)
	reg := prometheus.NewRegistry()
	clock := &testClock{t: time.Now()}
	limiter := throttle.New(throttle.DefaultPolicy, clock.now)
	reg.MustRegister(limiter)
	enf := limits.New(limits.Defaults, limits.NewStore(db), reg)
	a := api.New(store, auth.NewAuthenticator(store, limiter), promapi.New(ms, promapi.Options{Limits: enf}, logger, reg),
		remotewrite.NewHandler(ms, remotewrite.DefaultLimits, logger, reg), logger)
	box, err := secret.New(bytes.Repeat([]byte{9}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	clouds := cloudaccount.NewStore(db, box)
	// The monitoring design, sealing snmp items' credentials.
	design := monitoring.NewStore(db, store)
	design.SealWith(box)
	// A domain module with tenant paths, for the isolation walk: the
	// capacity API (manual groups need no program or cloud).
	groups := capacity.NewStore(db, store, box, map[string]capacity.Factory{})
	groups.AddKind(capacity.KindManual, groups.ManualFactory(nil, ""))
	if err := a.Mount(limits.NewHandlers(enf, a.PathTenant, logger), backup.NewHandlers(backup.NewStore(db, store), a.PathTenant, logger),
		enrollment.NewHandlers(enrollment.NewStore(db), store, nil, logger), capacity.NewHandlers(groups, a.PathTenant, logger).WithYearlyPlans(yearplan.NewService(capacity.YearplanSource{Store: groups},
			yearplan.TSDBLoad{Metrics: report.TSDB{Store: ms, Chunks: ms.Queryable().(pstorage.ChunkQueryable)}}, store, nil, logger)),
		problem.NewHandlers(problem.NewStore(db), a.PathTenant, logger),
		// The cluster view, the MSP admin's alone.
		cluster.NewHandlers(cluster.New(db, cluster.Options{ID: "test-replica"}, logger)),
		cloudaccount.NewHandlers(clouds, connect.Tester(outbound.New(nil).Client(5*time.Second)), a.PathTenant, logger),
		// Changes, whose approval opens maintenance windows.
		change.NewHandlers(change.NewStore(db, store, maintenance.NewStore(db, store)), a.PathTenant, logger),
		discovery.NewHandlers(discovery.New(discovery.Deps{Store: discovery.NewStore(db), Accounts: clouds, Resources: store,
			Listers: map[cloudaccount.Provider]discovery.Lister{cloudaccount.ProviderAWS: discovery.NewAWS(outbound.New(nil).Client(5 * time.Second))}},
			discovery.Options{}, logger), a.PathTenant, logger),
		// On-call rotations, their feeds and the public acknowledgement links.
		oncall.NewHandlers(oncall.NewStore(db, nil), mustSigner(t), func(context.Context, string, string, string) error { return nil }, a.PathTenant, logger),
		// The monitoring design, for the agents' and collectors' pulls.
		monitoring.NewHandlers(design, a.PathTenant, nil, logger),
		// The traps collectors forward: an alert for tenant a here is a leak.
		snmptrap.NewHandlers(func(ctx context.Context, tenant, name string) ([]snmp.Target, error) {
			return design.SNMPTargetsIn(ctx, monitoring.Scope{Tenant: tenant, Collector: name})
		}, func(_ context.Context, tenant string, s []alert.Signal) (alert.IntakeResult, error) {
			if tenant == "a" {
				t.Errorf("a forwarded trap raised %d alerts in tenant a", len(s))
			}
			return alert.IntakeResult{Received: len(s)}, nil
		}, monitoring.CallerTenant, logger),
		improvement.NewHandlers(improvement.NewStore(db), a.PathTenant, logger),
		// The desk: incidents, inquiries and requests, and their vendor cases.
		incident.NewHandlers(incident.NewDesk(db, store, logger), a.PathTenant, logger),
		dashboard.NewHandlers(dashboard.NewStore(db), a.PathTenant),
		// Designs as code: b's design, pruning, aimed at a.
		blueprintHandlers(db, store, design, box, a.PathTenant, logger),
		// Public status pages, with the report's availability over the TSDB.
		statusHandlers(db, store, ms, a.PathTenant, logger)); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	a.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	admin := &model.User{Login: "admin", Role: model.RoleAdmin, PasswordHash: adminPasswordHash()}
	admin.Normalize()
	if err := store.CreateUser(context.Background(), admin); err != nil {
		t.Fatal(err)
	}
	return &env{t: t, url: srv.URL, api: a, store: store, db: db, limits: enf, handler: mux, clock: clock, limiter: limiter, reg: reg}
}

// blueprintHandlers serves plan, apply, export and drift of designs.
func blueprintHandlers(db *sql.DB, store *storage.Store, design *monitoring.Store, box *secret.Box, authz route.Authorizer, logger *slog.Logger) *blueprint.Handlers {
	st := blueprint.NewStores(db, store, box, blueprint.Stores{Monitoring: design})
	return blueprint.NewHandlers(blueprint.NewPlanner(db, st), authz, logger)
}

// statusHandlers serves the status page API, its public JSON among it.
func statusHandlers(db *sql.DB, store *storage.Store, ms *metricstore.Store, authz route.Authorizer, logger *slog.Logger) *statuspage.Handlers {
	src := report.SourcesOf(ms, ms.Queryable(), report.Stores{Tenants: store})
	gen := report.NewGenerator(report.Sources{Tenants: store, Metrics: src.Metrics, Downtime: src.Downtime}, logger)
	svc := statuspage.NewService(statuspage.Options{Store: statuspage.NewStore(db), Tenants: store, Availability: gen, TTL: -1, Logger: logger})
	return statuspage.NewHandlers(svc, statuspage.NewPublic(svc), authz, logger)
}

// cred is how a request authenticates: a token, or basic login:password.
type cred struct{ token, login, password string }

var admin = cred{login: "admin", password: adminPassword}

func tok(s string) cred { return cred{token: s} }

// do sends a JSON request and returns the status and the body.
func (e *env) do(method, path string, c cred, body any) (int, []byte) {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, e.url+path, rd)
	switch {
	case c.token != "":
		req.Header.Set("Authorization", "Bearer "+c.token)
	case c.login != "":
		req.SetBasicAuth(c.login, c.password)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// must sends a request that has to answer want, and decodes the answer into out.
func (e *env) must(want int, method, path string, c cred, body, out any) {
	e.t.Helper()
	code, b := e.do(method, path, c, body)
	if code != want {
		e.t.Fatalf("%s %s = %d, want %d: %s", method, path, code, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			e.t.Fatalf("%s %s: cannot decode %s: %v", method, path, b, err)
		}
	}
}

// token issues a token for tenant with scopes and returns its secret.
func (e *env) token(tenant string, scopes ...string) string {
	e.t.Helper()
	var out struct {
		Token string `json:"token"`
	}
	e.must(201, "POST", "/api/v1/tokens", admin, map[string]any{"name": "t-" + tenant, "tenant": tenant, "scopes": scopes}, &out)
	return out.Token
}

// remoteWrite encodes series as a remote-write body.
func remoteWrite(series ...prompb.TimeSeries) []byte {
	b, err := (&prompb.WriteRequest{Timeseries: series}).Marshal()
	if err != nil {
		panic(err)
	}
	return snappy.Encode(nil, b)
}

// remoteWriteMetadata encodes a remote-write request that carries only
// metadata, as Prometheus sends it every minute.
func remoteWriteMetadata(md ...prompb.MetricMetadata) []byte {
	b, err := (&prompb.WriteRequest{Metadata: md}).Marshal()
	if err != nil {
		panic(err)
	}
	return snappy.Encode(nil, b)
}

func series(ts int64, v float64, lbls ...string) prompb.TimeSeries {
	s := prompb.TimeSeries{Samples: []prompb.Sample{{Timestamp: ts, Value: v}}}
	for i := 0; i < len(lbls); i += 2 {
		s.Labels = append(s.Labels, prompb.Label{Name: lbls[i], Value: lbls[i+1]})
	}
	return s
}

// doHeader is do with one extra request header.
func (e *env) doHeader(method, path string, c cred, body any, key, value string) (int, []byte) {
	e.t.Helper()
	old := http.DefaultTransport
	http.DefaultClient.Transport = headerTransport{old, key, value}
	defer func() { http.DefaultClient.Transport = nil }()
	return e.do(method, path, c, body)
}

type headerTransport struct {
	next       http.RoundTripper
	key, value string
}

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r.Header.Set(h.key, h.value)
	return h.next.RoundTrip(r)
}

func mustSigner(t *testing.T) *oncall.Signer {
	s, err := oncall.NewSigner(bytes.Repeat([]byte{8}, 32), "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
