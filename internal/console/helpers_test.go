package console

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"
	"golang.org/x/crypto/bcrypt"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/capacity"
	"github.com/unyo-ops/unyo/internal/change"
	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/cloudaccount/connect"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/discovery"
	"github.com/unyo-ops/unyo/internal/maintenance"
	"github.com/unyo-ops/unyo/internal/metricstore"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/oncall"
	"github.com/unyo-ops/unyo/internal/outbound"
	"github.com/unyo-ops/unyo/internal/promapi"
	"github.com/unyo-ops/unyo/internal/secret"
	"github.com/unyo-ops/unyo/internal/session"
	ustorage "github.com/unyo-ops/unyo/internal/storage"
	"github.com/unyo-ops/unyo/internal/throttle"
)

const testPassword = "console-test-password"

// testPasswordHash is testPassword's bcrypt hash at bcrypt's least cost,
// made once for the test binary: the tests' users share it, and each
// sign-in still checks it with bcrypt. At the product's cost
// (auth.HashPassword) the five users of every test and their sign-ins took
// most of the package's CPU.
var testPasswordHash = sync.OnceValue(func() string {
	h, err := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	if err != nil {
		panic(err)
	}
	return string(h)
})

// env is a console over a real SQLite database, a real TSDB and the real
// PromQL engine, served by httptest on loopback.
type env struct {
	t       *testing.T
	store   *ustorage.Store
	design  *monitoring.Store
	metrics *metricstore.Store
	clouds  *cloudaccount.Store
	oncall  *oncall.Store
	plans   *capacity.Store // operation plans: manual groups, which need no program
	windows *maintenance.Store
	changes *change.Store // requests for change, whose approval opens windows
	// listers are the discovery's clouds, which a test fills in; engine
	// takes the health events it finds.
	listers map[cloudaccount.Provider]discovery.Lister
	engine  *alert.Engine
	disc    *discovery.Discoverer
	authn   *auth.Authenticator
	clock   *testClock // the sign-in limiter's clock
	limiter *throttle.Limiter
	handler http.Handler
	url     string
	console *Console
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

// newEnv builds the console with tenants acme and beta, each with a service
// and a host, and users admin, operator, viewers acme-viewer and beta-viewer, and
// acme's requester acme-requester.
func newEnv(t *testing.T, tweak ...func(*Options)) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := database.Open(ctx, dbtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ms, err := metricstore.Open(filepath.Join(dir, "tsdb"), metricstore.Options{Retention: 24 * time.Hour, OutOfOrderWindow: 24 * time.Hour}, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ms.Close() })
	objects := ustorage.New(db)
	e := &env{t: t, store: objects, design: monitoring.NewStore(db, objects), metrics: ms}
	if err := e.design.SyncBuiltins(ctx); err != nil {
		t.Fatal(err)
	}
	e.clock = &testClock{t: time.Now()}
	e.limiter = throttle.New(throttle.DefaultPolicy, e.clock.now)
	e.authn = auth.NewAuthenticator(e.store, e.limiter)
	prom := promapi.New(ms, promapi.Options{}, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	box, err := secret.New(bytes.Repeat([]byte{4}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	e.design.SealWith(box) // the secrets of snmp items
	e.clouds = cloudaccount.NewStore(db, box)
	e.oncall = oncall.NewStore(db, nil)
	loopback := outbound.New([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")})
	opts := Options{Store: e.store, Auth: e.authn, Sessions: session.New(db, session.Options{}), Logger: slog.New(slog.DiscardHandler),
		Metrics: NewPromQuerier(prom.Engine(), ms.ForTenant), Design: e.design,
		OnCall: e.oncall, CloudAccounts: e.clouds, CloudTest: connect.Tester(loopback.Client(10 * time.Second))}
	e.listers = map[cloudaccount.Provider]discovery.Lister{}
	e.engine = alert.New(alert.NewStore(db), objects, e.design, nil, alert.Options{}, slog.New(slog.DiscardHandler))
	e.disc = discovery.New(discovery.Deps{Store: discovery.NewStore(db), Accounts: e.clouds, Resources: objects, Design: e.design,
		Listers: e.listers, Intake: e.engine.Intake, Gone: e.engine.ResolveGone, Alerts: e.engine.Store()}, discovery.Options{}, slog.New(slog.DiscardHandler))
	opts.Discovery = e.disc
	e.plans = capacity.NewStore(db, objects, box, map[string]capacity.Factory{})
	e.plans.AddKind(capacity.KindManual, e.plans.ManualFactory(nil, ""))
	opts.Capacity = e.plans
	e.windows = maintenance.NewStore(db, objects)
	e.changes = change.NewStore(db, objects, e.windows)
	opts.Changes = e.changes
	// As the API deletes a tenant: its series, then its row.
	opts.DeleteTenant = func(ctx context.Context, tenant string) error {
		if err := ms.DeleteTenant(ctx, tenant); err != nil {
			return err
		}
		return objects.DeleteTenant(ctx, tenant)
	}
	for _, f := range tweak {
		f(&opts)
	}
	for _, tn := range []*model.Tenant{
		{ID: "acme", Name: "株式会社アクメ", Language: "ja", TimeZone: "Asia/Tokyo"},
		{ID: "beta", Name: "Beta Inc.", Language: "en", TimeZone: "UTC"},
	} {
		if err := e.store.CreateTenant(ctx, tn); err != nil {
			t.Fatal(err)
		}
		svc := &model.Service{TenantID: tn.ID, Name: tn.ID + "-web"}
		if err := e.store.CreateService(ctx, svc); err != nil {
			t.Fatal(err)
		}
		e.resource(tn.ID, tn.ID+"-web-01", &svc.ID)
	}
	e.user("admin", model.RoleAdmin, "")
	e.user("operator", model.RoleOperator, "")
	e.user("acme-viewer", model.RoleViewer, "acme")
	e.user("beta-viewer", model.RoleViewer, "beta")
	e.user("acme-requester", model.RoleRequester, "acme")
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	c.Register(mux)
	e.console = c
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e.url, e.handler = srv.URL, mux
	return e
}

func (e *env) resource(tenant, name string, service *int64) *model.Resource {
	e.t.Helper()
	r := &model.Resource{TenantID: tenant, Name: name, Kind: "host", ServiceID: service, Labels: map[string]string{"os": "linux"}}
	if err := e.store.CreateResource(context.Background(), r); err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *env) user(login string, role model.Role, tenant string) *model.User {
	e.t.Helper()
	u := &model.User{Login: login, Role: role, TenantID: tenant, PasswordHash: testPasswordHash(), Email: login + "@example.com"}
	u.Normalize()
	if err := e.store.CreateUser(context.Background(), u); err != nil {
		e.t.Fatal(err)
	}
	return u
}

// resourceID returns the ID of a resource by name.
func (e *env) resourceID(tenant, name string) int64 {
	e.t.Helper()
	list, err := e.store.Resources(context.Background(), tenant, ustorage.ResourceFilter{})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, r := range list {
		if r.Name == name {
			return r.ID
		}
	}
	e.t.Fatalf("no resource %q in %q", name, tenant)
	return 0
}

// push appends samples to the TSDB as remote write would, with the tenant label.
func (e *env) push(tenant, name string, at time.Time, v float64, kv ...string) {
	e.t.Helper()
	app := e.metrics.AppenderV2(context.Background())
	ls := labels.FromStrings(append([]string{"__name__", name, metricstore.TenantLabel, tenant}, kv...)...)
	if _, err := app.Append(0, ls, 0, at.UnixMilli(), v, nil, nil, storage.AOptions{}); err != nil {
		e.t.Fatal(err)
	}
	if err := app.Commit(); err != nil {
		e.t.Fatal(err)
	}
}

// browser is a client with its own cookie jar that does not follow redirects.
type browser struct {
	e      *env
	client *http.Client
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// browserFrom is a browser whose requests reach the console from the
// source address remote, served in process, as the loopback listener
// cannot show another address.
func (e *env) browserFrom(remote string) *browser {
	b := e.browser()
	b.client.Transport = fromAddress{h: e.handler, remote: remote}
	return b
}

type fromAddress struct {
	h      http.Handler
	remote string
}

func (f fromAddress) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.RemoteAddr, req.RequestURI = f.remote, req.URL.RequestURI()
	if req.Body == nil {
		req.Body = http.NoBody
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return rec.Result(), nil
}

// login logs in through the form and fails the test unless it succeeds.
func (e *env) login(login string) *browser {
	e.t.Helper()
	b := e.browser()
	if code, _, loc := b.loginAs(login, testPassword); code != http.StatusSeeOther || loc != "/board" {
		e.t.Fatalf("login %s = %d to %q, want 303 to /board", login, code, loc)
	}
	return b
}

func (b *browser) loginAs(login, password string) (int, string, string) {
	_, page, _ := b.get("/login")
	return b.post("/login", url.Values{"login": {login}, "password": {password}, session.CSRFField: {csrfOf(page)}})
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]*)"`)

func csrfOf(page string) string {
	if m := csrfRE.FindStringSubmatch(page); m != nil {
		return m[1]
	}
	return ""
}

func (b *browser) get(path string) (int, string, string) {
	b.e.t.Helper()
	return b.do(http.NewRequest("GET", b.e.url+path, nil))
}

func (b *browser) post(path string, form url.Values) (int, string, string) {
	b.e.t.Helper()
	req, err := http.NewRequest("POST", b.e.url+path, strings.NewReader(form.Encode()))
	if req != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return b.do(req, err)
}

// postForm sends a form with the CSRF token of the page at from.
func (b *browser) postForm(from, path string, form url.Values) (int, string, string) {
	b.e.t.Helper()
	_, page, _ := b.get(from)
	form.Set(session.CSRFField, csrfOf(page))
	return b.post(path, form)
}

func (b *browser) do(req *http.Request, err error) (int, string, string) {
	b.e.t.Helper()
	if err != nil {
		b.e.t.Fatal(err)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp.Header.Get("Location")
}
