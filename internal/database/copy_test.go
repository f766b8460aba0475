package database_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
)

// Rows of several kinds (text with Japanese, NULLs, blobs, reals, foreign
// keys) go SQLite → PostgreSQL → SQLite with equal counts and checksums;
// PostgreSQL's sequences continue after the copied ids; a non-empty target
// is refused before anything is written.
func TestCopyRoundTrip(t *testing.T) {
	ctx := context.Background()
	open := func(dsn string) *sql.DB {
		t.Helper()
		db, err := database.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	lite := open("sqlite://" + filepath.Join(t.TempDir(), "a.db"))
	for _, q := range []string{
		`INSERT INTO tenants (id, name, language, time_zone, created_at, updated_at) VALUES ('acme', 'アクメ株式会社', 'ja', 'Asia/Tokyo', 1, 2)`,
		`INSERT INTO services (id, tenant_id, name, description, service_level, created_at, updated_at) VALUES (7, 'acme', 'web', '', '{"a":1}', 3, 4)`,
		`INSERT INTO resources (tenant_id, service_id, name, kind, labels, created_at, updated_at) VALUES ('acme', 7, 'web-01', 'host', '{}', 5, 6)`,
		`INSERT INTO resources (tenant_id, service_id, name, kind, labels, created_at, updated_at) VALUES ('acme', NULL, 'db-01', 'host', '{}', 5, 6)`,
		`INSERT INTO api_tokens (name, tenant_id, scopes, hash, prefix, created_by, created_at) VALUES ('t', 'acme', 'read', x'00ff10', 'p', 'admin', 9)`,
		`INSERT INTO monitoring_templates (tenant_id, name, title, description, created_at, updated_at) VALUES (NULL, 'linux', 'Linux', '', 1, 1)`,
		`INSERT INTO alerts (tenant_id, fingerprint, source, resource, title, summary, labels, notify_routes, runbook_url, severity, state, value, value_text, started_at, updated_at)
			VALUES ('acme', 'f', 'rule', 'web-01', '{}', '{}', '{}', '[]', '', 'critical', 'firing', 97.25, '97.25', 10, 11)`,
	} {
		if _, err := lite.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	pg := open(dbtest.NewPostgres(t, false))
	there, err := database.Copy(ctx, lite, pg)
	if err != nil {
		t.Fatal(err)
	}
	back := open("sqlite://" + filepath.Join(t.TempDir(), "b.db"))
	again, err := database.Copy(ctx, pg, back)
	if err != nil {
		t.Fatal(err)
	}
	sums := map[string]database.TableCopy{}
	for _, c := range there {
		sums[c.Table] = c
	}
	for _, c := range again {
		if c.Rows != sums[c.Table].Rows || c.Checksum != sums[c.Table].Checksum {
			t.Errorf("%s: back %d rows %x, there %d rows %x", c.Table, c.Rows, c.Checksum, sums[c.Table].Rows, sums[c.Table].Checksum)
		}
	}
	if sums["resources"].Rows != 2 || sums["alerts"].Rows != 1 || sums["services"].Rows != 1 {
		t.Fatalf("copied %+v", sums)
	}
	var id int64
	if err := pg.QueryRowContext(ctx, `INSERT INTO services (tenant_id, name, description, service_level, created_at, updated_at)
		VALUES ('acme', 'api', '', '{}', 1, 1) RETURNING id`).Scan(&id); err != nil || id != 8 {
		t.Fatalf("next service on PostgreSQL: id %d, %v; want 8", id, err)
	}
	if _, err := database.Copy(ctx, lite, pg); !errors.Is(err, database.ErrTargetNotEmpty) {
		t.Fatalf("copy onto a full database: %v", err)
	}
}
