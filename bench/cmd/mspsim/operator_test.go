package main

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/console"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/session"
	"github.com/unyo-ops/unyo/internal/storage"
	"github.com/unyo-ops/unyo/internal/throttle"
)

// A read that lands on /login (the session ended: a login lasts 12 hours,
// less than a soak) counts as failed, and the operator signs in again, so
// the next read is the board. The server is unyo's own console, its
// sessions and password check, on a SQLite file.
func TestOperatorSignsInAgainWhenTheSessionEnds(t *testing.T) {
	ctx := context.Background()
	db, err := database.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "unyo.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	store := storage.New(db)
	hash, err := auth.HashPassword(adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	admin := &model.User{Login: "admin", Role: model.RoleAdmin, PasswordHash: hash, Email: "admin@example.com"}
	admin.Normalize()
	if err := store.CreateUser(ctx, admin); err != nil {
		t.Fatal(err)
	}
	c, err := console.New(console.Options{Store: store, Sessions: session.New(db, session.Options{}), Logger: slog.New(slog.DiscardHandler),
		Auth: auth.NewAuthenticator(store, throttle.New(throttle.DefaultPolicy, time.Now))})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	c.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	o := &operator{base: srv.URL}
	if err := o.signIn(ctx); err != nil {
		t.Fatal(err)
	}
	read := func(wantReads, wantErrors int) {
		t.Helper()
		o.get(ctx, o.console, srv.URL+"/board", nil, &o.board)
		if s := o.board.summary(); s.N != wantReads || o.board.errors != wantErrors {
			t.Fatalf("the board read %d times, %d failed; want %d and %d", s.N, o.board.errors, wantReads, wantErrors)
		}
	}
	read(1, 0)
	// The session's end, as the server finds it when its 12 hours are over.
	if _, err := db.ExecContext(ctx, `UPDATE sessions SET expires_at=?`, time.Now().Add(-time.Minute).UnixMilli()); err != nil {
		t.Fatal(err)
	}
	read(1, 1) // landed on /login: failed, and signed in again
	read(2, 1)
	var live int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions WHERE expires_at > ?`, time.Now().UnixMilli()).Scan(&live); err != nil || live != 1 {
		t.Fatalf("%d live sessions (%v), want the new one", live, err)
	}
}
