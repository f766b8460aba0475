package cloudaccount_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"

	"github.com/unyo-ops/unyo/internal/apitest"
	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/cloudaccount/connect"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/outbound"
	"github.com/unyo-ops/unyo/internal/secret"
	"github.com/unyo-ops/unyo/internal/storage"
)

// loopback is the outbound policy that lets the tests reach their contract
// fakes on 127.0.0.1, as --outbound-allow 127.0.0.0/8 would.
var loopback = outbound.New([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")})

// syncBuffer is a log sink the handlers may write to from many goroutines.
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

type fixture struct {
	db     *sql.DB
	store  *cloudaccount.Store
	srv    *httptest.Server
	logs   *syncBuffer
	client *http.Client // what the connection test calls the clouds with
}

// newFixture opens a real migrated database with tenants acme and beta and
// serves the API; the X-Token header "tenant:scope,scope" stands for a
// token ("" tenant: the MSP admin). Connection tests go through the
// loopback policy, trusting roots.
func newFixture(t testing.TB, roots ...*x509.Certificate) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, dbtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st := storage.New(db)
	for _, id := range []string{"acme", "beta"} {
		if err := st.CreateTenant(ctx, &model.Tenant{ID: id, Name: id, Language: "ja", TimeZone: "Asia/Tokyo"}); err != nil {
			t.Fatal(err)
		}
	}
	box, err := secret.New(bytes.Repeat([]byte{7}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, store: cloudaccount.NewStore(db, box), logs: &syncBuffer{}}
	f.client = trusting(loopback, roots...)
	logger := slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h := cloudaccount.NewHandlers(f.store, func(ctx context.Context, a *cloudaccount.Account) cloudaccount.TestResult {
		return connect.Tester(f.client)(ctx, a)
	}, apitest.PathTenant, logger)
	f.srv = apitest.NewServer(t, h.Routes())
	return f
}

// trusting is p's client, trusting roots besides the system's.
func trusting(p *outbound.Policy, roots ...*x509.Certificate) *http.Client {
	tr := p.Transport().Clone()
	pool, _ := x509.SystemCertPool()
	if pool == nil {
		pool = x509.NewCertPool()
	}
	for _, c := range roots {
		pool.AddCert(c)
	}
	tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	return &http.Client{Transport: tr, CheckRedirect: p.CheckRedirect}
}

func (f *fixture) do(t *testing.T, method, path, token string, body any) (int, []byte) {
	t.Helper()
	code, _, data := apitest.Do(t, f.srv, method, path, token, body)
	return code, data
}

const (
	acmeRW = "acme:read,write"
	acmeRO = "acme:read"
	msp    = ":read,write,admin"
	base   = "/api/v1/tenants/acme/cloud-accounts"
)

const (
	azureSecret = "Xq8~Zr2.abcdefghijklmnopqrstuvwxyz-Q7tK"
	awsSecret   = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	dirID       = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	clientID    = "0d8e5a3c-1f2b-4c5d-8e9f-a0b1c2d3e4f5"
	subID       = "11111111-2222-4333-8444-555555555555"
	accessKeyID = "AKIAIOSFODNN7EXAMPLE"
)

func azureInput(name, secret string, extra map[string]any) map[string]any {
	az := map[string]any{"tenant_id": dirID, "client_id": clientID, "client_secret": secret, "subscription_id": subID}
	for k, v := range extra {
		az[k] = v
	}
	return map[string]any{"name": name, "provider": "azure", "azure": az}
}

func awsInput(name, secret string, extra map[string]any) map[string]any {
	a := map[string]any{"access_key_id": accessKeyID, "secret_access_key": secret, "regions": []string{"ap-northeast-1"}}
	for k, v := range extra {
		a[k] = v
	}
	return map[string]any{"name": name, "provider": "aws", "aws": a}
}

// create adds an account as token and returns it.
func (f *fixture) create(t *testing.T, token string, in map[string]any) cloudaccount.View {
	t.Helper()
	code, body := f.do(t, "POST", base, token, in)
	if code != 201 {
		t.Fatalf("create = %d %s", code, body)
	}
	var v cloudaccount.View
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func path(id int64) string { return fmt.Sprintf("%s/%d", base, id) }
