package monitoring

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
)

// TestUnregisteredBounded: the record of unregistered pulls keeps the most
// recent hosts of a tenant within its bound, forgets what is a day old, and
// leaves out hosts registered since; another tenant's are not shown.
func TestUnregisteredBounded(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	for i := range maxAttemptHosts + 10 {
		if err := s.NoteUnregistered(ctx, "acme", fmt.Sprintf("h-%02d", i), "192.0.2.1:5000", t0.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	none := func(string) bool { return false }
	got, err := s.Unregistered(ctx, "acme", none, t0.Add(time.Hour))
	if err != nil || len(got) != maxAttemptHosts || got[0].Host != fmt.Sprintf("h-%02d", maxAttemptHosts+9) || got[len(got)-1].Host != "h-10" {
		t.Fatalf("kept %d hosts (%v), want the %d most recent, newest first", len(got), err, maxAttemptHosts)
	}
	var rows int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM unregistered_hosts WHERE tenant_id='acme'`).Scan(&rows); err != nil || rows != maxAttemptHosts {
		t.Errorf("the table holds %d rows of acme (%v), want the bound %d", rows, err, maxAttemptHosts)
	}
	if got, _ := s.Unregistered(ctx, "acme", func(h string) bool { return h != "h-20" }, t0.Add(time.Hour)); len(got) != 1 || got[0].Host != "h-20" {
		t.Errorf("with every other host registered = %+v, want h-20 only", got)
	}
	if got, _ := s.Unregistered(ctx, "beta", none, t0.Add(time.Hour)); len(got) != 0 {
		t.Errorf("beta sees %d of acme's attempts", len(got))
	}
	if got, _ := s.Unregistered(ctx, "acme", none, t0.Add(25*time.Hour+time.Minute)); len(got) != 0 {
		t.Errorf("a day later = %d attempts, want none", len(got))
	}
}

// TestUnregisteredSurvivesRestart: an attempt recorded before the server
// stops is listed, with its count, by the server started again on the
// same database.
func TestUnregisteredSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	url := dbtest.URL(t)
	open := func() *Store {
		db, err := database.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return NewStore(db, storage.New(db))
	}
	s := open()
	if err := s.resources.CreateTenant(ctx, &model.Tenant{ID: "acme", Name: "Acme", Language: "en", TimeZone: "UTC"}); err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(-time.Minute)
	for i := range 3 {
		if err := s.NoteUnregistered(ctx, "acme", "web-09", "192.0.2.7:40000", at.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	s.db.Close()
	again := open()
	got, err := again.Unregistered(ctx, "acme", func(string) bool { return false }, time.Now())
	if err != nil || len(got) != 1 || got[0].Host != "web-09" || got[0].Count != 3 || !got[0].First.Equal(at.Truncate(time.Millisecond).UTC()) {
		t.Fatalf("after the restart = %+v, %v; want web-09 tried 3 times since %v", got, err, at)
	}
}
