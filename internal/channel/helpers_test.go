package channel

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"

	"github.com/unyo-ops/unyo/internal/apitest"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/outbound"
	"github.com/unyo-ops/unyo/internal/secret"
	"github.com/unyo-ops/unyo/internal/storage"
)

// loopback is the outbound policy of these tests: their fake receivers
// listen on 127.0.0.1, which the default policy refuses.
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
	db    *storage.Store
	store *Store
	srv   *httptest.Server
	logs  *syncBuffer
}

// newFixture opens a real migrated SQLite database with tenants acme (ja)
// and beta (en), and serves the handlers with logs captured; the X-Token
// header "tenant:scope,scope" stands for an authenticated token.
func newFixture(t *testing.T, build Builder) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, dbtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := &fixture{db: storage.New(db), logs: &syncBuffer{}}
	for _, tn := range []*model.Tenant{{ID: "acme", Name: "株式会社アクメ", Language: "ja", TimeZone: "Asia/Tokyo"}, {ID: "beta", Name: "Beta", Language: "en", TimeZone: "UTC"}} {
		if err := f.db.CreateTenant(ctx, tn); err != nil {
			t.Fatal(err)
		}
	}
	box, err := secret.New(bytes.Repeat([]byte{1}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	f.store = NewStore(db, storage.New(db), box, build)
	logger := slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h := NewHandlers(f.store, apitest.PathTenant, logger)
	f.srv = apitest.NewServer(t, h.Routes())
	return f
}

func (f *fixture) do(t *testing.T, method, path, token string, body any) (int, []byte) {
	t.Helper()
	code, _, data := apitest.Do(t, f.srv, method, path, token, body)
	return code, data
}

const (
	acmeRW = "acme:read,write"
	acmeRO = "acme:read"
	betaRW = "beta:read,write"
	base   = "/api/v1/tenants/acme"
)

// create makes a channel of acme and returns its API path.
func (f *fixture) create(t *testing.T, in map[string]any) string {
	t.Helper()
	code, body := f.do(t, "POST", base+"/channels", acmeRW, in)
	if code != 201 {
		t.Fatalf("create = %d %s", code, body)
	}
	var c Channel
	json.Unmarshal(body, &c)
	return fmt.Sprintf("%s/channels/%d", base, c.ID)
}
