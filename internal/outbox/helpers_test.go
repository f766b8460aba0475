package outbox

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/channel"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/notify"
	"github.com/unyo-ops/unyo/internal/outbound"
	"github.com/unyo-ops/unyo/internal/secret"
	"github.com/unyo-ops/unyo/internal/storage"
	"github.com/unyo-ops/unyo/internal/testwait"
)

// loopback is the outbound policy of these tests: their fake receivers
// listen on 127.0.0.1, which the default policy refuses.
var loopback = outbound.New([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")})

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

// env is a real database file with tenants acme (ja) and beta (en), the
// real channel store as resolver, and captured logs.
type env struct {
	path     string
	db       *sql.DB
	objects  *storage.Store
	channels *channel.Store
	logs     *syncBuffer
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvAt(t, dbtest.URL(t))
}

// newEnvAt is newEnv on the database at url.
func newEnvAt(t *testing.T, url string) *env {
	t.Helper()
	e := &env{path: url, logs: &syncBuffer{}}
	e.open(t)
	ctx := context.Background()
	for _, tn := range []*model.Tenant{{ID: "acme", Name: "株式会社アクメ", Language: "ja", TimeZone: "Asia/Tokyo"}, {ID: "beta", Name: "Beta", Language: "en", TimeZone: "UTC"}} {
		if err := e.objects.CreateTenant(ctx, tn); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// open (re)opens the database file, as a restarted server does.
func (e *env) open(t *testing.T) { e.openTB(t) }

func (e *env) openTB(t testing.TB) {
	t.Helper()
	db, err := database.Open(context.Background(), e.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e.db, e.objects = db, storage.New(db)
	e.channels = channel.NewStore(db, e.objects, boxForTest(), channel.Builder{Outbound: loopback})
}

func (e *env) resolve(ctx context.Context, tenant, target string) (Destination, error) {
	d, err := e.channels.Resolve(ctx, tenant, target)
	return Destination{Channel: d.Channel, Language: d.Language, TimeZone: d.TimeZone}, err
}

func (e *env) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// outbox returns an outbox with fast retries, not started.
func (e *env) outbox(t *testing.T, opts Options, esc Escalator) *Outbox {
	t.Helper()
	if opts.BackoffBase == 0 {
		opts.BackoffBase = 10 * time.Millisecond
	}
	if opts.PollInterval == 0 {
		opts.PollInterval = 20 * time.Millisecond
	}
	if opts.GroupWindow == 0 {
		opts.GroupWindow = 50 * time.Millisecond
	}
	return New(e.db, opts, e.resolve, esc, e.logger(), nil)
}

func (e *env) start(t *testing.T, o *Outbox) {
	t.Helper()
	if err := o.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(o.Stop)
}

func (e *env) addChannel(t *testing.T, tenant, name, typ string, cfg any) {
	t.Helper()
	raw, _ := jsonMarshal(cfg)
	if _, err := e.channels.Create(context.Background(), tenant, channel.Input{Name: name, Type: typ, Config: raw}); err != nil {
		t.Fatal(err)
	}
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testwait.For(t, 10*time.Second, what, cond)
}

func (e *env) states(t *testing.T, o *Outbox, tenant string) map[string]int {
	t.Helper()
	list, err := o.Deliveries(context.Background(), tenant, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, d := range list {
		out[d.State]++
	}
	return out
}

func alert(tenant, key, title string, status notify.Status) Notification {
	return Notification{Tenant: tenant, Key: key, Ref: "alert:" + key, Message: notify.Message{
		Kind: notify.KindAlert, Status: status, Severity: notify.SeverityCritical,
		Title: title, Resource: "web-01", StartsAt: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC),
	}}
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

func boxForTest() *secret.Box {
	b, _ := secret.New(bytes.Repeat([]byte{3}, secret.KeySize))
	return b
}
