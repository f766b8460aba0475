package discovery_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/apitest"
	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/cloudaccount/cloudtest"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/discovery"
	"github.com/unyo-ops/unyo/internal/discovery/discoverytest"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/outbound"
	"github.com/unyo-ops/unyo/internal/secret"
	"github.com/unyo-ops/unyo/internal/storage"
)

const (
	dirID     = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	clientID  = "0d8e5a3c-1f2b-4c5d-8e9f-a0b1c2d3e4f5"
	azSecret  = "Xq8~Zr2.abcdefghijklmnopqrstuvwxyz-Q7tK"
	subID     = "11111111-2222-4333-8444-555555555555"
	keyID     = "AKIAIOSFODNN7EXAMPLE"
	awsSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	awsAcct   = "123456789012"
)

// syncBuffer is a log sink many goroutines may write to.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// world is a migrated database with tenants acme and beta, the cloud
// fakes on loopback TLS, the real alert engine, and a Discoverer over
// them.
type world struct {
	t         *testing.T
	db        *sql.DB
	objects   *storage.Store
	design    *monitoring.Store
	accounts  *cloudaccount.Store
	engine    *alert.Engine
	d         *discovery.Discoverer
	arm       *discoverytest.ARM
	aws       *discoverytest.AWS
	armURL    string
	awsURL    string
	logs      *syncBuffer
	client    *http.Client
	azureList *discovery.Azure
	awsList   *discovery.AWS
	logger    *slog.Logger
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, dbtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	w := &world{t: t, db: db, objects: storage.New(db), logs: &syncBuffer{}}
	w.design = monitoring.NewStore(db, w.objects)
	for _, id := range []string{"acme", "beta"} {
		if err := w.objects.CreateTenant(ctx, &model.Tenant{ID: id, Name: id, Language: "ja", TimeZone: "Asia/Tokyo"}); err != nil {
			t.Fatal(err)
		}
	}
	box, err := secret.New(bytes.Repeat([]byte{7}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	w.accounts = cloudaccount.NewStore(db, box)
	logger := slog.New(slog.NewTextHandler(io.MultiWriter(w.logs), &slog.HandlerOptions{Level: slog.LevelDebug}))

	mux := http.NewServeMux()
	azure := httptest.NewUnstartedServer(mux)
	azure.StartTLS()
	t.Cleanup(azure.Close)
	entra := &cloudtest.Entra{Tenant: dirID, ClientID: clientID, Secret: azSecret, Scope: azure.URL + "/.default"}
	entra.Register(mux, azure.URL)
	w.arm = &discoverytest.ARM{Entra: entra, Subscription: subID, PageSize: 2}
	w.arm.Register(mux)
	w.armURL = azure.URL

	w.aws = &discoverytest.AWS{KeyID: keyID, Secret: awsSecret}
	awsSrv := httptest.NewUnstartedServer(w.aws)
	awsSrv.StartTLS()
	t.Cleanup(awsSrv.Close)
	w.awsURL = awsSrv.URL

	w.client = trusting(outbound.New([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}), azure.Certificate(), awsSrv.Certificate())
	w.engine = alert.New(alert.NewStore(db), w.objects, w.design, nil, alert.Options{}, logger)
	w.azureList = discovery.NewAzure(w.client)
	w.azureList.Retry = policy.RetryOptions{MaxRetries: 2, RetryDelay: 10 * time.Millisecond, MaxRetryDelay: 2 * time.Second}
	w.awsList = discovery.NewAWS(w.client)
	w.awsList.Backoff = 20 * time.Millisecond
	w.logger = logger
	w.restart()
	return w
}

// restart builds the Discoverer again on the same database and engine, as
// a server start does: nothing is kept in memory.
func (w *world) restart() {
	w.d = discovery.New(discovery.Deps{
		Store: discovery.NewStore(w.db), Accounts: w.accounts, Resources: w.objects, Design: w.design,
		Listers: map[cloudaccount.Provider]discovery.Lister{cloudaccount.ProviderAzure: w.azureList, cloudaccount.ProviderAWS: w.awsList},
		Intake:  w.engine.Intake, Gone: w.engine.ResolveGone, Alerts: w.engine.Store(),
	}, discovery.Options{Interval: time.Hour, MinBackoff: time.Minute}, w.logger)
}

// trusting is p's client, trusting roots besides the system's.
func trusting(p *outbound.Policy, roots ...*x509.Certificate) *http.Client {
	tr := p.Transport().Clone()
	pool := x509.NewCertPool()
	for _, c := range roots {
		pool.AddCert(c)
	}
	tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	return &http.Client{Transport: tr, CheckRedirect: p.CheckRedirect}
}

// azureAccount adds tenant's Azure account on the fakes.
func (w *world) azureAccount(tenant, name string) int64 {
	w.t.Helper()
	v, err := w.accounts.Create(context.Background(), tenant, cloudaccount.Input{Name: name, Provider: cloudaccount.ProviderAzure,
		Azure: &cloudaccount.AzureInput{TenantID: dirID, ClientID: clientID, ClientSecret: azSecret, SubscriptionID: subID,
			ResourceManager: w.armURL, Login: w.armURL}}, true)
	if err != nil {
		w.t.Fatal(err)
	}
	return v.ID
}

// awsAccount adds tenant's AWS account on the fakes, in regions.
func (w *world) awsAccount(tenant, name string, regions ...string) int64 {
	w.t.Helper()
	v, err := w.accounts.Create(context.Background(), tenant, cloudaccount.Input{Name: name, Provider: cloudaccount.ProviderAWS,
		AWS: &cloudaccount.AWSInput{AccessKeyID: keyID, SecretAccessKey: awsSecret, Regions: regions, Endpoint: w.awsURL}}, true)
	if err != nil {
		w.t.Fatal(err)
	}
	return v.ID
}

// builtin stands in a global built-in template for key, as the server's
// SyncBuiltins writes it once the cloud templates are built in.
func (w *world) builtin(key string) int64 {
	w.t.Helper()
	var id int64
	err := w.db.QueryRowContext(context.Background(), `INSERT INTO monitoring_templates (tenant_id, name, title, description, builtin, created_at, updated_at)
		VALUES (NULL, ?, ?, '{}', ?, 0, 0) RETURNING id`, key, `{"ja":"`+key+`","en":"`+key+`"}`, key).Scan(&id)
	if err != nil {
		w.t.Fatal(err)
	}
	return id
}

// discover runs the account's discovery now and wants it to succeed.
func (w *world) discover(tenant string, id int64) discovery.Run {
	w.t.Helper()
	run, err := w.d.Discover(context.Background(), tenant, id)
	if err != nil {
		w.t.Fatal(err)
	}
	if !run.OK {
		w.t.Fatalf("discovery failed: %s", run.Message)
	}
	return run
}

// resources returns tenant's resources by name.
func (w *world) resources(tenant string) map[string]*model.Resource {
	w.t.Helper()
	list, err := w.objects.Resources(context.Background(), tenant, storage.ResourceFilter{})
	if err != nil {
		w.t.Fatal(err)
	}
	m := map[string]*model.Resource{}
	for _, r := range list {
		m[r.Name] = r
	}
	return m
}

// alerts returns tenant's alerts of source, with their events.
func (w *world) alerts(tenant string, source alert.Source) []*alert.Alert {
	w.t.Helper()
	list, err := w.engine.Store().List(context.Background(), tenant, alert.Filter{})
	if err != nil {
		w.t.Fatal(err)
	}
	var out []*alert.Alert
	for _, a := range list {
		if a.Source != source {
			continue
		}
		full, err := w.engine.Store().Alert(context.Background(), tenant, a.ID)
		if err != nil {
			w.t.Fatal(err)
		}
		out = append(out, full)
	}
	return out
}

// lastReason is the reason of a's last event.
func lastReason(a *alert.Alert) string {
	if len(a.Events) == 0 {
		return ""
	}
	return a.Events[len(a.Events)-1].Reason
}

// api serves the discovery API for the world.
func (w *world) api() *httptest.Server {
	return apitest.NewServer(w.t, discovery.NewHandlers(w.d, apitest.PathTenant, nil).Routes())
}

func (w *world) do(srv *httptest.Server, method, path, token string, body any) (int, []byte) {
	w.t.Helper()
	code, _, data := apitest.Do(w.t, srv, method, path, token, body)
	return code, data
}

func has(list []string, prefix string) int {
	n := 0
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			n++
		}
	}
	return n
}

func discoveryStore(w *world) *discovery.Store { return discovery.NewStore(w.db) }

func rulesOf(types []string, tags map[string]string, groups []string) discovery.Rules {
	return discovery.Rules{Types: types, Tags: tags, ResourceGroups: groups}
}
