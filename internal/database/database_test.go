package database

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpenMigratesAndReopens(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "unyo.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := Version(ctx, db); v != SchemaVersion() {
		t.Fatalf("version = %d, want %d", v, SchemaVersion())
	}
	if _, err := db.Exec(`INSERT INTO tenants (id, name, language, time_zone, created_at, updated_at) VALUES ('acme','Acme','ja','Asia/Tokyo',0,0)`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	db, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db.Close()
	var n int
	db.QueryRow(`SELECT COUNT(*) FROM tenants`).Scan(&n)
	if n != 1 {
		t.Fatalf("tenants after reopen = %d, want 1", n)
	}
	var mode string
	db.QueryRow(`PRAGMA journal_mode`).Scan(&mode)
	if mode != "wal" {
		t.Fatalf("journal_mode = %q, want wal", mode)
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "unyo.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	db.Exec(`UPDATE schema_version SET version = ?`, SchemaVersion()+1)
	db.Close()

	_, err = Open(ctx, path)
	if err == nil || !strings.Contains(err.Error(), "newer than this unyo knows") {
		t.Fatalf("Open on a newer schema: err = %v, want refusal", err)
	}
}
