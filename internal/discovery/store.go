package discovery

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/storage"
)

// Store keeps the tenants' discovery rules and each account's last run.
// Every query is scoped by tenant.
type Store struct {
	db  *sql.DB
	now func() time.Time
}

// NewStore returns a Store on a migrated database.
func NewStore(db *sql.DB) *Store { return &Store{db: db, now: time.Now} }

// Rules returns tenant's rules: the zero rules (everything) when it set
// none.
func (s *Store) Rules(ctx context.Context, tenant string) (Rules, error) {
	var text string
	err := s.db.QueryRowContext(ctx, `SELECT rules FROM discovery_rules WHERE tenant_id=?`, tenant).Scan(&text)
	if errors.Is(err, sql.ErrNoRows) {
		return Rules{}.Validate()
	}
	if err != nil {
		return Rules{}, fmt.Errorf("discovery: cannot read rules: %w", err)
	}
	var r Rules
	if err := json.Unmarshal([]byte(text), &r); err != nil {
		return Rules{}, fmt.Errorf("discovery: stored rules of %s: %w", tenant, err)
	}
	return r.Validate()
}

// SetRules validates r and stores it as tenant's rules; refused rules
// change nothing.
func (s *Store) SetRules(ctx context.Context, tenant string, r Rules) (Rules, error) {
	r, err := r.Validate()
	if err != nil {
		return r, err
	}
	text, _ := json.Marshal(r)
	now := s.now()
	err = storage.Change(ctx, s.db, now, func(tx *sql.Tx) (storage.Object, error) {
		_, err := tx.ExecContext(ctx, `INSERT INTO discovery_rules (tenant_id, rules, updated_at) VALUES (?,?,?)
			ON CONFLICT (tenant_id) DO UPDATE SET rules=excluded.rules, updated_at=excluded.updated_at`, tenant, string(text), database.Millis(now))
		return storage.Object{Key: tenant, Type: "discovery_rules", Detail: r}, err
	})
	if err != nil {
		return r, fmt.Errorf("discovery: cannot save rules: %w", err)
	}
	return r, nil
}

// Run is the outcome of one account's discovery.
type Run struct {
	Tenant     string    `json:"tenant"`
	AccountID  int64     `json:"account_id"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	OK         bool      `json:"ok"`
	Message    string    `json:"message"`    // the error, or what was done
	Found      int       `json:"found"`      // catalogued resources the cloud listed
	Registered int       `json:"registered"` // new resources
	Gone       int       `json:"gone"`       // resources newly marked gone
}

// SaveRun records r as its account's last run; ctx may carry the audit
// entry of a run someone asked for.
func (s *Store) SaveRun(ctx context.Context, r Run) error {
	err := storage.Change(ctx, s.db, s.now(), func(tx *sql.Tx) (storage.Object, error) {
		_, err := tx.ExecContext(ctx, `INSERT INTO discovery_runs (tenant_id, account_id, started_at, finished_at, ok, message, found, registered, gone)
			VALUES (?,?,?,?,?,?,?,?,?)
			ON CONFLICT (tenant_id, account_id) DO UPDATE SET started_at=excluded.started_at, finished_at=excluded.finished_at, ok=excluded.ok,
			message=excluded.message, found=excluded.found, registered=excluded.registered, gone=excluded.gone`,
			r.Tenant, r.AccountID, database.Millis(r.StartedAt), database.Millis(r.FinishedAt), b2i(r.OK), r.Message, r.Found, r.Registered, r.Gone)
		return storage.Object{ID: r.AccountID, Type: "cloud_account", Detail: r}, err
	})
	if err != nil {
		return fmt.Errorf("discovery: cannot save run: %w", err)
	}
	return nil
}

// Runs returns the last run of each of tenant's accounts.
func (s *Store) Runs(ctx context.Context, tenant string) ([]Run, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT tenant_id, account_id, started_at, finished_at, ok, message, found, registered, gone
		FROM discovery_runs WHERE tenant_id=? ORDER BY account_id`, tenant)
	if err != nil {
		return nil, fmt.Errorf("discovery: cannot list runs: %w", err)
	}
	defer rows.Close()
	list := []Run{}
	for rows.Next() {
		var r Run
		var started, finished int64
		var ok int
		if err := rows.Scan(&r.Tenant, &r.AccountID, &started, &finished, &ok, &r.Message, &r.Found, &r.Registered, &r.Gone); err != nil {
			return nil, fmt.Errorf("discovery: cannot list runs: %w", err)
		}
		r.StartedAt, r.FinishedAt, r.OK = database.FromMillis(started), database.FromMillis(finished), ok == 1
		list = append(list, r)
	}
	return list, rows.Err()
}

// b2i stores a boolean as INTEGER 0/1.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
