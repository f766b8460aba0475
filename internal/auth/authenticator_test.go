package auth

import (
	"context"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
)

// Many requests with one token, missing the cache at once as agents do
// when its entry expires, write its last_used_at once a minute, not once
// a request: each write waits for SQLite's lock and an fsync.
func TestTokenLastUsedWrittenOnceAMinute(t *testing.T) {
	ctx := context.Background()
	db, err := database.Open(ctx, filepath.Join(t.TempDir(), "unyo.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Count the writes of last_used_at as the database sees them.
	for _, q := range []string{`CREATE TABLE touches (at INTEGER)`,
		`CREATE TRIGGER count_touch AFTER UPDATE OF last_used_at ON api_tokens BEGIN INSERT INTO touches VALUES (NEW.last_used_at); END`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	store := storage.New(db)
	secret, hash := NewToken()
	tok := &model.Token{Name: "agents", Scopes: []model.Scope{model.ScopeRead}, Hash: hash, Prefix: DisplayPrefix(secret), CreatedBy: "test"}
	if err := store.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	a := NewAuthenticator(store, nil)
	var mu sync.Mutex
	clock := time.Now()
	a.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	advance := func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }
	burst := func() {
		t.Helper()
		var wg sync.WaitGroup
		for range 40 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, _ := http.NewRequest("GET", "/api/v1/agent/config", nil)
				r.Header.Set("Authorization", "Bearer "+secret)
				if _, err := a.Authenticate(r); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	touches := func() int {
		t.Helper()
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM touches`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	f := func(after time.Duration, want int) {
		t.Helper()
		advance(after)
		burst()
		if n := touches(); n != want {
			t.Fatalf("after %v more: %d writes of last_used_at, want %d", after, n, want)
		}
	}
	f(0, 1)              // the first burst: one write
	f(30*time.Second, 1) // the cache expired (10 s), a minute has not passed
	f(31*time.Second, 2) // a minute since the write: one more
	f(15*time.Second, 2) // cached again
	f(2*time.Minute, 3)  // once more, however long the pause
	var used int64
	if err := db.QueryRow(`SELECT last_used_at FROM api_tokens WHERE id=?`, tok.ID).Scan(&used); err != nil {
		t.Fatal(err)
	}
	if want := database.Millis(clock); used != want {
		t.Fatalf("last_used_at %d, want the last write's time %d", used, want)
	}
}
