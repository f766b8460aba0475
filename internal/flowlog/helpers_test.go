package flowlog_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/unyo-ops/unyo/internal/agent/sample"
	"github.com/unyo-ops/unyo/internal/agent/sender"
	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/cloudaccount/cloudtest"
	"github.com/unyo-ops/unyo/internal/cloudtype"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/flowlog"
	"github.com/unyo-ops/unyo/internal/metricstore"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/outbound"
	"github.com/unyo-ops/unyo/internal/remotewrite"
	"github.com/unyo-ops/unyo/internal/secret"
	"github.com/unyo-ops/unyo/internal/storage"
)

// TestMain runs the tests on the dialect UNYO_TEST_DATABASE names.
func TestMain(m *testing.M) { dbtest.Main(m) }

const (
	dirID        = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	clientID     = "0d8e5a3c-1f2b-4c5d-8e9f-a0b1c2d3e4f5"
	azureSecret  = "Xq8~Zr2.abcdefghijklmnopqrstuvwxyz-Q7tK"
	subID        = "11111111-2222-4333-8444-555555555555"
	storageScope = flowlog.DefaultStorageAudience + "/.default"
	saName       = "stflowlogsacme"
)

// clock is the tests' time: the poller's.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// env is a real database with tenants acme and beta, a real TSDB behind
// the remote-write path, and one TLS server on loopback playing Entra and
// Blob storage.
type env struct {
	t        testing.TB
	db       *sql.DB
	objects  *storage.Store
	accounts *cloudaccount.Store
	dir      string
	ms       *metricstore.Store
	write    *remotewrite.Handler
	clock    *clock
	srv      *httptest.Server
	entra    *cloudtest.Entra
	blobs    *cloudtest.BlobStorage
	client   *http.Client

	mu      sync.Mutex
	written map[string]int // tenant/host/series{labels}@ms → times the sink took it
}

// newEnv starts at 10:00:30 of a day near now (the TSDB takes recent
// samples).
func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, db: dbtest.Open(t), dir: t.TempDir(), written: map[string]int{},
		clock: &clock{now: time.Now().UTC().Truncate(time.Hour).Add(-2*time.Hour + 30*time.Second)}}
	e.objects = storage.New(e.db)
	for _, id := range []string{"acme", "beta"} {
		if err := e.objects.CreateTenant(ctx, &model.Tenant{ID: id, Name: id, Language: "ja", TimeZone: "Asia/Tokyo"}); err != nil {
			t.Fatal(err)
		}
	}
	box, err := secret.New(bytes.Repeat([]byte{7}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	e.accounts = cloudaccount.NewStore(e.db, box)
	mux := http.NewServeMux()
	e.srv = httptest.NewUnstartedServer(mux)
	e.srv.StartTLS()
	t.Cleanup(e.srv.Close)
	e.entra = &cloudtest.Entra{Tenant: dirID, ClientID: clientID, Secret: azureSecret, Scope: e.srv.URL + "/.default", Scopes: []string{storageScope}}
	e.entra.Register(mux, e.srv.URL)
	e.blobs = &cloudtest.BlobStorage{Entra: e.entra, Scope: storageScope, PageSize: 2}
	e.blobs.Register(mux)
	tr := outbound.New([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}).Transport().Clone()
	pool := x509.NewCertPool()
	pool.AddCert(e.srv.Certificate())
	tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	e.client = &http.Client{Transport: tr}
	e.openTSDB()
	t.Cleanup(e.closeTSDB)
	return e
}

func (e *env) openTSDB() {
	ms, err := metricstore.Open(filepath.Join(e.dir, "tsdb"), metricstore.Options{}, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		e.t.Fatal(err)
	}
	e.ms = ms
	e.write = remotewrite.NewHandler(ms, remotewrite.DefaultLimits, slog.New(slog.DiscardHandler), nil)
}

func (e *env) closeTSDB() {
	if e.ms != nil {
		e.ms.Close()
		e.ms = nil
	}
}

// sink is the server's: remote write into the TSDB; it also counts what
// it took, so a point written twice is seen even where the TSDB would
// silently keep one.
func (e *env) sink() sample.Sink {
	rw := sender.RemoteWrite(func(ctx context.Context, tenant string, body []byte) error { return e.write.Ingest(ctx, tenant, body) })
	return func(ctx context.Context, tenant, host string, samples []sample.Sample) error {
		if err := rw(ctx, tenant, host, samples); err != nil {
			return err
		}
		e.mu.Lock()
		defer e.mu.Unlock()
		for _, s := range samples {
			e.written[fmt.Sprintf("%s/%s/%s%v@%d", tenant, host, s.Name, s.Labels, s.TimeMs)]++
		}
		return nil
	}
}

func (e *env) duplicates() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for k, n := range e.written {
		if n > 1 {
			out = append(out, k)
		}
	}
	return out
}

// poller is a new poller (a new process) over the env's stores and fakes.
func (e *env) poller(opts ...func(*flowlog.Options)) *flowlog.Poller {
	o := flowlog.Options{
		Targets:  flowlog.TargetsIn(e.objects),
		Accounts: e.accounts,
		Client:   e.client,
		Endpoint: e.srv.URL + "/{account}",
		Sink:     e.sink(),
		Marks:    flowlog.NewMarks(e.db),
		Now:      e.clock.Now,
	}
	for _, f := range opts {
		f(&o)
	}
	return flowlog.New(o)
}

func (e *env) cycle(p *flowlog.Poller) {
	e.t.Helper()
	if err := p.Cycle(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) azureAccount(tenant string) int64 {
	e.t.Helper()
	v, err := e.accounts.Create(context.Background(), tenant, cloudaccount.Input{Name: "azure-prod", Provider: cloudaccount.ProviderAzure,
		Azure: &cloudaccount.AzureInput{TenantID: dirID, ClientID: clientID, ClientSecret: azureSecret, SubscriptionID: subID,
			ResourceManager: e.srv.URL, Login: e.srv.URL}}, true)
	if err != nil {
		e.t.Fatal(err)
	}
	return v.ID
}

// nsg registers an NSG as discovery would, with the flow log labels a
// person adds; it returns its ARM ID.
func (e *env) nsg(tenant string, account int64, name string, extra map[string]string) string {
	e.t.Helper()
	id := fmt.Sprintf("/subscriptions/%s/resourceGroups/rg-net/providers/Microsoft.Network/networkSecurityGroups/%s", subID, name)
	l := map[string]string{cloudtype.LabelCloud: "azure", cloudtype.LabelType: "nsg", cloudtype.LabelID: id,
		cloudtype.LabelAccount: fmt.Sprint(account), cloudtype.LabelRegion: "japaneast", cloudtype.LabelSubscription: subID}
	for k, v := range extra {
		l[k] = v
	}
	if err := e.objects.CreateResource(context.Background(), &model.Resource{TenantID: tenant, Name: name, Kind: "network", Labels: l}); err != nil {
		e.t.Fatal(err)
	}
	return id
}

// point is one stored sample.
type point struct {
	T time.Time
	V float64
}

// stored reads series name of tenant from the TSDB, by its labels other
// than the name and the tenant.
func (e *env) stored(tenant, name string) map[string][]point {
	e.t.Helper()
	q, err := e.ms.ForTenant(tenant).Querier(math.MinInt64/2, math.MaxInt64/2)
	if err != nil {
		e.t.Fatal(err)
	}
	defer q.Close()
	set := q.Select(context.Background(), true, nil, labels.MustNewMatcher(labels.MatchEqual, "__name__", name))
	out := map[string][]point{}
	for set.Next() {
		s := set.At()
		var keys []string
		s.Labels().Range(func(l labels.Label) {
			if l.Name != "__name__" && l.Name != "tenant" {
				keys = append(keys, l.Name+"="+l.Value)
			}
		})
		sort.Strings(keys)
		it := s.Iterator(nil)
		k := strings.Join(keys, ",")
		for it.Next() != 0 {
			ts, v := it.At()
			out[k] = append(out[k], point{time.UnixMilli(ts).UTC(), v})
		}
	}
	if err := set.Err(); err != nil {
		e.t.Fatal(err)
	}
	return out
}

func samePoints(t *testing.T, what string, got, want []point) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s:\n got  %v\n want %v", what, got, want)
	}
}

// hourPath is the folder of hour h in a flow log container.
func hourPath(h time.Time) string {
	h = h.UTC()
	return fmt.Sprintf("y=%04d/m=%02d/d=%02d/h=%02d/m=00", h.Year(), h.Month(), h.Day(), h.Hour())
}

// nsgBlob is the blob Azure writes minute m's record of one NIC of an
// NSG's flow log to.
func nsgBlob(id, mac string, m time.Time) string {
	return "resourceId=" + strings.ToUpper(id) + "/" + hourPath(m) + "/macAddress=" + mac + "/PT1H.json"
}

// traffic is what one NIC saw in one minute.
type traffic struct {
	denied int   // inbound SSH attempts denied by DefaultRule_DenyAllInBound
	bytes  int64 // of one outbound HTTPS flow allowed, begun and ended in the minute
}

// nsgRecord is an NSG flow log v2 record of minute m, as Azure writes it.
func nsgRecord(id, mac string, m time.Time, tr traffic) string {
	var groups []string
	if tr.denied > 0 {
		var tuples []string
		for i := range tr.denied {
			tuples = append(tuples, fmt.Sprintf(`"%d,203.0.113.%d,10.0.0.4,%d,22,T,I,D,B,,,,"`, m.Unix()+int64(i)+1, i+1, 40000+i))
		}
		groups = append(groups, `{"rule":"DefaultRule_DenyAllInBound","flows":[{"mac":"`+mac+`","flowTuples":[`+strings.Join(tuples, ",")+`]}]}`)
	}
	groups = append(groups, fmt.Sprintf(`{"rule":"UserRule_AllowHTTPSOut","flows":[{"mac":"%s","flowTuples":["%d,10.0.0.4,198.51.100.7,50000,443,T,O,A,B,,,,","%d,10.0.0.4,198.51.100.7,50000,443,T,O,A,E,10,%d,8,0"]}]}`,
		mac, m.Unix()+30, m.Unix()+45, tr.bytes))
	return fmt.Sprintf(`{"time":"%s","systemId":"a0fca5ce-022c-47b1-9735-89943b42f2fa","macAddress":"%s","category":"NetworkSecurityGroupFlowEvent","resourceId":"%s","operationName":"NetworkSecurityGroupFlowEvents","properties":{"Version":2,"flows":[%s]}}`,
		m.Add(55*time.Second).Format(time.RFC3339Nano), mac, strings.ToUpper(id), strings.Join(groups, ","))
}
