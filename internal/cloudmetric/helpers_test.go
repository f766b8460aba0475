package cloudmetric_test

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
	"github.com/unyo-ops/unyo/internal/cloudmetric"
	"github.com/unyo-ops/unyo/internal/cloudtype"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
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
	dirID       = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	clientID    = "0d8e5a3c-1f2b-4c5d-8e9f-a0b1c2d3e4f5"
	azureSecret = "Xq8~Zr2.abcdefghijklmnopqrstuvwxyz-Q7tK"
	subID       = "11111111-2222-4333-8444-555555555555"
	accessKeyID = "AKIAIOSFODNN7EXAMPLE"
	awsSecret   = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	batchScope  = cloudmetric.DefaultAzureBatchAudience + "/.default"
)

// clock is the tests' time: the poller's and the fakes' now.
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
// the remote-write path, and one TLS server on loopback playing Entra,
// Azure Monitor (batch and per-resource) and CloudWatch.
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
	mux      *http.ServeMux
	entra    *cloudtest.Entra
	monitor  *cloudtest.AzureMonitor
	avd      *cloudtest.AVD
	cw       *cloudtest.CloudWatch
	client   *http.Client

	mu      sync.Mutex
	written map[string]int // tenant/host/series{labels}@ms → times the sink took it
}

// newEnv starts at 10:00:30 of a day near now (the TSDB takes recent
// samples), batch API on unless noBatch.
func newEnv(t testing.TB, noBatch bool) *env {
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
	e.mux = http.NewServeMux()
	e.srv = httptest.NewUnstartedServer(e.mux)
	e.srv.StartTLS()
	t.Cleanup(e.srv.Close)
	e.entra = &cloudtest.Entra{Tenant: dirID, ClientID: clientID, Secret: azureSecret, Scope: e.srv.URL + "/.default", Scopes: []string{batchScope}}
	e.entra.Register(e.mux, e.srv.URL)
	e.monitor = &cloudtest.AzureMonitor{Entra: e.entra, Subscription: subID, ARMScope: e.srv.URL + "/.default", BatchScope: batchScope, Now: e.clock.Now}
	e.monitor.RegisterARM(e.mux)
	e.avd = &cloudtest.AVD{Entra: e.entra, Subscription: subID, ARMScope: e.srv.URL + "/.default"}
	e.avd.Register(e.mux, e.srv.URL)
	if !noBatch {
		e.monitor.RegisterBatch(e.mux)
	}
	e.cw = cloudtest.NewCloudWatch(accessKeyID, awsSecret)
	e.cw.Now = e.clock.Now
	e.mux.Handle("POST /service/", e.cw) // GetMetricData, ListMetrics
	e.client = trusting(outbound.New([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}), e.srv.Certificate())
	e.openTSDB()
	t.Cleanup(e.closeTSDB)
	return e
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

// duplicates lists what the sink took more than once.
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

func (e *env) azureSource(batch bool) *cloudmetric.Azure {
	az := cloudmetric.NewAzure(e.client)
	az.BatchEndpoint = ""
	if batch {
		az.BatchEndpoint = e.srv.URL + "/regions/{region}"
	}
	return az
}

// poller is a poller over the env's stores and fakes; opts may change it.
func (e *env) poller(batch bool, opts ...func(*cloudmetric.Options)) *cloudmetric.Poller {
	o := cloudmetric.Options{
		Targets:  cloudmetric.TargetsIn(e.objects),
		Accounts: e.accounts,
		Sources: map[cloudaccount.Provider]cloudmetric.Source{
			cloudaccount.ProviderAzure: e.azureSource(batch),
			cloudaccount.ProviderAWS:   cloudmetric.NewAWS(e.client),
		},
		Sink:  e.sink(),
		Marks: cloudmetric.NewMarks(e.db),
		Now:   e.clock.Now,
	}
	for _, f := range opts {
		f(&o)
	}
	return cloudmetric.New(o)
}

func (e *env) cycle(p *cloudmetric.Poller) {
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

func (e *env) awsAccount(tenant string) int64 {
	e.t.Helper()
	v, err := e.accounts.Create(context.Background(), tenant, cloudaccount.Input{Name: "aws-prod", Provider: cloudaccount.ProviderAWS,
		AWS: &cloudaccount.AWSInput{AccessKeyID: accessKeyID, SecretAccessKey: awsSecret, Regions: []string{"ap-northeast-1"}, Endpoint: e.srv.URL}}, true)
	if err != nil {
		e.t.Fatal(err)
	}
	return v.ID
}

// azureResource registers an Azure resource as discovery would, and makes
// the fake know it.
func (e *env) azureResource(tenant string, account int64, name, short, region string, splits map[string][]string) string {
	e.t.Helper()
	typ, ok := cloudtype.ByShort(short)
	if !ok {
		e.t.Fatalf("no type %s in the catalogue", short)
	}
	id := fmt.Sprintf("/subscriptions/%s/resourceGroups/rg-net/providers/%s/%s", subID, typ.Name, name)
	e.monitor.Add(cloudtest.AzureResource{ID: id, Namespace: typ.Namespace, Region: region, Splits: splits})
	e.resource(tenant, name, typ, map[string]string{cloudtype.LabelCloud: "azure", cloudtype.LabelID: id,
		cloudtype.LabelAccount: fmt.Sprint(account), cloudtype.LabelRegion: region, cloudtype.LabelSubscription: subID})
	return id
}

func (e *env) awsResource(tenant string, account int64, name, short string) string {
	e.t.Helper()
	typ, _ := cloudtype.ByShort(short)
	arn := "arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:loadbalancer/app/" + name + "/50dc6c495c0c9188"
	e.resource(tenant, name, typ, map[string]string{cloudtype.LabelCloud: "aws", cloudtype.LabelID: arn,
		cloudtype.LabelAccount: fmt.Sprint(account), cloudtype.LabelRegion: "ap-northeast-1", cloudtype.LabelAWSAccount: "123456789012"})
	return arn
}

func (e *env) resource(tenant, name string, typ cloudtype.Type, l map[string]string) {
	e.t.Helper()
	l[cloudtype.LabelType] = typ.Short
	if err := e.objects.CreateResource(context.Background(), &model.Resource{TenantID: tenant, Name: name, Kind: typ.Kind, Labels: l}); err != nil {
		e.t.Fatal(err)
	}
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
		k := strings.Join(keys, ",")
		it := s.Iterator(nil)
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

// want is the points a fake serves for one series over [from, to).
func want(resource, metric, split string, from, to time.Time) []point {
	var out []point
	for t := from; t.Before(to); t = t.Add(time.Minute) {
		out = append(out, point{t, cloudtest.MetricValue(resource, metric, split, t)})
	}
	return out
}

func samePoints(t *testing.T, what string, got, want []point) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s:\n got  %v\n want %v", what, got, want)
	}
}

func itoa(id int64) string { return fmt.Sprint(id) }

// azureResourceOnly makes the fake know a load balancer that is not
// registered in unyo.
func (e *env) azureResourceOnly(name, region string) string {
	id := fmt.Sprintf("/subscriptions/%s/resourceGroups/rg-net/providers/Microsoft.Network/loadBalancers/%s", subID, name)
	e.monitor.Add(cloudtest.AzureResource{ID: id, Namespace: "Microsoft.Network/loadBalancers", Region: region})
	return id
}

// checkType checks every metric of resource id (host name, type short) in
// the catalogue: each series — one per value of its split dimensions,
// from splits — holds exactly the grains from the first pull's window
// (Backfill before the delay's edge at first) to the delay's edge now,
// with the fake's values.
func (e *env) checkType(t *testing.T, tenant, host, id, short string, splits map[string][]string, first time.Time, delay time.Duration) {
	t.Helper()
	typ, _ := cloudtype.ByShort(short)
	for _, m := range typ.Metrics {
		g := m.Grain
		if g == 0 {
			g = time.Minute
		}
		from := first.Add(-delay - 10*time.Minute).Truncate(g)
		to := e.clock.Now().Add(-delay).Truncate(g)
		got := e.stored(tenant, m.Series)
		combos := []map[string]string{{}}
		for _, d := range m.Split {
			var next []map[string]string
			for _, c := range combos {
				for _, v := range splits[d] {
					n := map[string]string{d: v}
					for k, x := range c {
						n[k] = x
					}
					next = append(next, n)
				}
			}
			combos = next
		}
		if len(got) != len(combos) && from.Before(to) {
			t.Fatalf("%s: %d series %v, want %d", m.Series, len(got), got, len(combos))
		}
		for _, c := range combos {
			keys := []string{"host=" + host}
			split := ""
			for _, d := range m.Split {
				keys = append(keys, cloudtype.LabelName(d)+"="+c[d])
				split += c[d]
			}
			sort.Strings(keys)
			var w []point
			for at := from; at.Before(to); at = at.Add(g) {
				w = append(w, point{at, cloudtest.MetricValue(id, m.Name, split, at)})
			}
			samePoints(t, m.Series+fmt.Sprint(c), got[strings.Join(keys, ",")], w)
		}
	}
}
