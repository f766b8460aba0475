package cluster

import (
	"context"
	"errors"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
	"github.com/unyo-ops/unyo/internal/testwait"
)

// TestTokenTriggerAnnouncesChanges: on PostgreSQL, revoking or deleting a
// token announces it on AuthChannel when the change commits; the touch of
// last_used_at (once a minute per token and replica) does not.
func TestTokenTriggerAnnouncesChanges(t *testing.T) {
	ctx := context.Background()
	dsn := dbtest.URLFor(t, database.Postgres)
	db, err := database.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	store := storage.New(db)
	listener, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer listener.Close(ctx)
	if _, err := listener.Exec(ctx, "LISTEN "+AuthChannel); err != nil {
		t.Fatal(err)
	}
	next := func() string {
		wctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		n, err := listener.WaitForNotification(wctx)
		if errors.Is(err, context.DeadlineExceeded) {
			return ""
		}
		if err != nil {
			t.Fatal(err)
		}
		return n.Payload
	}
	_, hash := auth.NewToken()
	tok := &model.Token{Name: "ci", Scopes: []model.Scope{model.ScopeRead}, Hash: hash, Prefix: "unyo_x", CreatedBy: "test"}
	if err := store.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if err := store.TouchToken(ctx, tok.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if got := next(); got != "" {
		t.Errorf("a touch announced %q", got)
	}
	if err := store.RevokeToken(ctx, "", tok.ID); err != nil {
		t.Fatal(err)
	}
	if got, want := next(), "token:"+itoa(tok.ID); got != want {
		t.Errorf("revocation announced %q, want %q", got, want)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestRevocationsCacheOnlyWhileListening: the listener turns the token
// cache on once it listens, and off (gauge 0) when its connection is lost,
// and on again when it reconnects.
func TestRevocationsCacheOnlyWhileListening(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dsn := dbtest.URLFor(t, database.Postgres)
	db, err := database.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	store := storage.New(db)
	authn := auth.NewAuthenticator(store, nil)
	authn.SetTokenTTL(time.Hour) // only a notice may clear the cache
	reg := prometheus.NewRegistry()
	r := NewRevocations(dsn, authn, nil, reg)
	r.Retry = 20 * time.Millisecond
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	listening := func() float64 { return testutil.ToFloat64(r.listening) }
	await(t, func() bool { return listening() == 1 }, "the listener to start")

	secret, hash := auth.NewToken()
	tok := &model.Token{Name: "ci", Scopes: []model.Scope{model.ScopeRead}, Hash: hash, Prefix: "unyo_x", CreatedBy: "test"}
	if err := store.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	check := func() error {
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		_, err := authn.Authenticate(req)
		return err
	}
	if err := check(); err != nil {
		t.Fatal(err)
	}
	// Cut the listening connection from the server side.
	if _, err := db.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`); err != nil {
		t.Fatal(err)
	}
	await(t, func() bool { return listening() == 0 }, "the listener to notice")
	await(t, func() bool { return listening() == 1 }, "the listener to reconnect")
	// Cached again, revoked while listening again: refused at once.
	if err := check(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := store.RevokeToken(ctx, "", tok.ID); err != nil {
		t.Fatal(err)
	}
	await(t, func() bool { return errors.Is(check(), auth.ErrUnauthenticated) }, "the revoked token to be refused")
	if took := time.Since(start); took > time.Second {
		t.Errorf("the revoked token was refused after %s, want within a second", took)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func await(t *testing.T, cond func() bool, what string) {
	t.Helper()
	testwait.For(t, 10*time.Second, what, cond)
}

// TestOtherChannelsShareTheListener: a channel added with Handle is heard
// on the listener's connection and its notices reach its handler, not the
// token cache; revocations are still heard beside it.
func TestOtherChannelsShareTheListener(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dsn := dbtest.URLFor(t, database.Postgres)
	db, err := database.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	store := storage.New(db)
	authn := auth.NewAuthenticator(store, nil)
	authn.SetTokenTTL(time.Hour)
	r := NewRevocations(dsn, authn, nil, nil)
	got := make(chan string, 4)
	r.Handle("unyo_test_other", func(p string) { got <- p })
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	await(t, func() bool { return testutil.ToFloat64(r.listening) == 1 }, "the listener to start")
	if _, err := db.ExecContext(ctx, "SELECT pg_notify($1, $2)", "unyo_test_other", `{"t":"acme"}`); err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-got:
		if p != `{"t":"acme"}` {
			t.Fatalf("handler got %q", p)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the handler got nothing in 10s")
	}
	secret, hash := auth.NewToken()
	tok := &model.Token{Name: "ci", Scopes: []model.Scope{model.ScopeRead}, Hash: hash, Prefix: "unyo_x", CreatedBy: "test"}
	if err := store.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	if _, err := authn.Authenticate(req); err != nil {
		t.Fatal(err)
	}
	if err := store.RevokeToken(ctx, "", tok.ID); err != nil {
		t.Fatal(err)
	}
	await(t, func() bool { _, err := authn.Authenticate(req); return errors.Is(err, auth.ErrUnauthenticated) }, "the revoked token to be refused")
	if len(got) != 0 {
		t.Fatalf("the revocation reached the other channel's handler: %q", <-got)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
