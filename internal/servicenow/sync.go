package servicenow

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/unyo-ops/unyo/internal/change"
	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/outbound"
	"github.com/unyo-ops/unyo/internal/problem"
	"github.com/unyo-ops/unyo/internal/storage"
)

// errNoRecord is an update of a record that has no ServiceNow record: it
// was made before the tenant configured ServiceNow, or its create was
// refused. Retrying cannot help.
var errNoRecord = errors.New("servicenow: the record has no record in ServiceNow")

// Incidents is what the sync changes in unyo when ServiceNow changes an
// incident, inquiry or request; *incident.Desk is one.
type Incidents interface {
	Incident(ctx context.Context, tenant string, id int64) (*incident.Incident, error)
	Transition(ctx context.Context, tenant string, id int64, actor string, sc incident.StateChange) (*incident.Incident, error)
	Annotate(ctx context.Context, tenant string, id int64, author string, kind incident.EntryKind, body string) error
	AddNote(ctx context.Context, tenant string, id int64, actor, text string, internal bool) (*incident.Incident, error)
	Decide(ctx context.Context, tenant string, id int64, actor string, approve bool, note string) (*incident.Incident, error)
}

// Options tune the sync; zero values take the defaults.
type Options struct {
	Interval     time.Duration // how often the outbox is delivered; 5s
	PullInterval time.Duration // how often state is pulled back; 1m
	Timeout      time.Duration // per request; 30s
	MaxBackoff   time.Duration // longest wait between retries; 1h
	// Outbound is what the instances may be reached at: the server's
	// --outbound-allow policy; nil refuses every internal address.
	Outbound *outbound.Policy
}

// Sync pushes the changes of incidents, inquiries, requests, problems and
// changes to each tenant's ServiceNow through a persisted outbox, and pulls
// state and notes back.
type Sync struct {
	db        *sql.DB
	configs   *Configs
	incidents Incidents
	problems  *problem.Store // nil: problems are not synced
	changes   *change.Store  // nil: changes are not synced
	opts      Options
	now       func() time.Time
	logger    *slog.Logger
	shard     func(tenant string) bool // nil: every tenant
}

// SetShard limits the deliveries and pulls to the tenants whose ServiceNow
// lease this replica holds (internal/lease); nil, the default, is every
// tenant. The queue is in the database, so a taker goes on where the
// previous owner stopped.
func (s *Sync) SetShard(owns func(tenant string) bool) { s.shard = owns }

// mine reports whether this replica syncs tenant's records now.
func (s *Sync) mine(tenant string) bool { return s.shard == nil || s.shard(tenant) }

// NewSync returns the sync over db.
func NewSync(db *sql.DB, configs *Configs, incidents Incidents, opts Options, logger *slog.Logger) *Sync {
	if opts.Interval <= 0 {
		opts.Interval = 5 * time.Second
	}
	if opts.PullInterval <= 0 {
		opts.PullInterval = time.Minute
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = time.Hour
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Sync{db: db, configs: configs, incidents: incidents, opts: opts, now: time.Now, logger: logger}
}

// SyncProblems queues every mutation of store's problems and applies the
// states pulled back to them.
func (s *Sync) SyncProblems(store *problem.Store) {
	s.problems = store
	store.OnChange(s.EnqueueProblem)
}

// SyncChanges queues every mutation of store's changes and applies the
// states and approvals pulled back to them.
func (s *Sync) SyncChanges(store *change.Store) {
	s.changes = store
	store.OnChange(s.EnqueueChange)
}

// pullKey marks the context of a change the sync itself makes from what
// it pulled: such a change is not sent back (loop prevention).
type pullKey struct{}

func pulling(ctx context.Context) context.Context { return context.WithValue(ctx, pullKey{}, true) }

func pulled(ctx context.Context) bool { return ctx.Value(pullKey{}) != nil }

// Enqueue is an incident.ChangeFunc: inside the change's transaction it
// queues the change of an incident, inquiry or request for the tenant's
// ServiceNow, if it has one, so a change is never committed without its
// queueing. Changes pulled from ServiceNow are not sent back.
func (s *Sync) Enqueue(ctx context.Context, tx *sql.Tx, c incident.Change) error {
	if c.Actor == incident.ActorServiceNow || c.Incident == nil {
		return nil
	}
	return s.queue(ctx, tx, c.Incident.TenantID, Kind(c.Incident.Kind), c.Incident.ID, func(table string) []queued {
		return ticketFields(table, c)
	})
}

// EnqueueProblem is a problem.Hook: it queues a problem's mutation.
func (s *Sync) EnqueueProblem(ctx context.Context, tx *sql.Tx, m problem.Mutation) error {
	if m.Actor == incident.ActorServiceNow {
		return nil
	}
	return s.queue(ctx, tx, m.Problem.TenantID, KindProblem, m.Problem.ID, func(string) []queued {
		return []queued{problemFields(m)}
	})
}

// EnqueueChange is a change.Hook: it queues a change's mutation.
func (s *Sync) EnqueueChange(ctx context.Context, tx *sql.Tx, m change.Mutation) error {
	return s.queue(ctx, tx, m.Change.Tenant, KindChange, m.Change.ID, func(string) []queued {
		return []queued{changeFields(m)}
	})
}

// queue writes the writes build makes for the record's table into the
// outbox, each with an idempotency key: kind, record and its sequence
// number among the record's writes. A record already in ServiceNow keeps
// the table it was created in, whatever the settings say now.
func (s *Sync) queue(ctx context.Context, tx *sql.Tx, tenant string, kind Kind, id int64, build func(table string) []queued) error {
	if pulled(ctx) {
		return nil
	}
	cfg, _, err := loadConfig(ctx, tx, tenant)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && !cfg.Enabled) {
		return nil
	}
	if err != nil {
		return err
	}
	table := cfg.Tables.For(kind)
	err = tx.QueryRowContext(ctx, `SELECT sn_table FROM servicenow_records WHERE kind=? AND record_id=?`, kind, id).Scan(&table)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("servicenow: unable to read the record's link: %w", err)
	}
	if table == TableNone {
		return nil
	}
	writes := build(table)
	if len(writes) == 0 {
		return nil
	}
	var seq int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM servicenow_outbox WHERE kind=? AND record_id=?`, kind, id).Scan(&seq); err != nil {
		return fmt.Errorf("servicenow: unable to queue the change: %w", err)
	}
	now := s.now().UnixMilli()
	for _, w := range writes {
		seq++
		data, _ := json.Marshal(w.fields)
		_, err = tx.ExecContext(ctx, `INSERT INTO servicenow_outbox (tenant_id, kind, record_id, sn_table, idem_key, op, fields, attempts, next_at, last_error, created_at)
			VALUES (?,?,?,?,?,?,?,0,?,'',?)`, tenant, kind, id, table, fmt.Sprintf("%s:%d:%d", kind, id, seq), w.op, string(data), now, now)
		if err != nil {
			return fmt.Errorf("servicenow: unable to queue the change: %w", err)
		}
	}
	return nil
}

// Run delivers the outbox every Interval and pulls every PullInterval until ctx ends.
func (s *Sync) Run(ctx context.Context) {
	deliver, pull := time.NewTicker(s.opts.Interval), time.NewTicker(s.opts.PullInterval)
	defer deliver.Stop()
	defer pull.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-deliver.C:
			if _, err := s.Deliver(ctx); err != nil && ctx.Err() == nil {
				s.logger.Error("servicenow: delivering the outbox", "err", err)
			}
		case <-pull.C:
			if _, err := s.Pull(ctx); err != nil && ctx.Err() == nil {
				s.logger.Error("servicenow: pulling state", "err", err)
			}
		}
	}
}

// Entry is one queued change.
type Entry struct {
	ID        int64      `json:"id"`
	Kind      Kind       `json:"kind"`
	RecordID  int64      `json:"record_id"`
	Table     string     `json:"table"`
	Key       string     `json:"idempotency_key"`
	Op        Op         `json:"op"`
	Fields    Record     `json:"fields"`
	Attempts  int        `json:"attempts"`
	NextAt    time.Time  `json:"next_at"`
	LastError string     `json:"last_error,omitempty"`
	DoneAt    *time.Time `json:"done_at,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	tenant    string
}

// IncidentID is the record's ID for the kinds kept as incidents (incident,
// inquiry, request), 0 for the others: the field the outbox answered
// before it held other kinds.
func (e Entry) IncidentID() int64 {
	if e.Kind == KindIncident || e.Kind == KindInquiry || e.Kind == KindRequest {
		return e.RecordID
	}
	return 0
}

// MarshalJSON adds incident_id for the kinds kept as incidents, as the
// outbox answered before it held other kinds.
func (e Entry) MarshalJSON() ([]byte, error) {
	type plain Entry
	return json.Marshal(struct {
		plain
		IncidentID int64 `json:"incident_id,omitempty"`
	}{plain(e), e.IncidentID()})
}

// Outbox lists the tenant's queued and delivered changes, newest first.
func (s *Sync) Outbox(ctx context.Context, tenant string, limit int) ([]Entry, error) {
	return s.entries(ctx, `WHERE tenant_id=? ORDER BY id DESC LIMIT ?`, tenant, limit)
}

func (s *Sync) entries(ctx context.Context, where string, args ...any) ([]Entry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, tenant_id, kind, record_id, sn_table, idem_key, op, fields, attempts, next_at, last_error, done_at, created_at
		FROM servicenow_outbox `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("servicenow: unable to read the outbox: %w", err)
	}
	defer rows.Close()
	list := []Entry{}
	for rows.Next() {
		var e Entry
		var fields string
		var next, created int64
		var done sql.NullInt64
		if err := rows.Scan(&e.ID, &e.tenant, &e.Kind, &e.RecordID, &e.Table, &e.Key, &e.Op, &fields, &e.Attempts, &next, &e.LastError, &done, &created); err != nil {
			return nil, fmt.Errorf("servicenow: unable to read the outbox: %w", err)
		}
		json.Unmarshal([]byte(fields), &e.Fields)
		e.NextAt, e.CreatedAt = time.UnixMilli(next).UTC(), time.UnixMilli(created).UTC()
		if done.Valid {
			t := time.UnixMilli(done.Int64).UTC()
			e.DoneAt = &t
		}
		list = append(list, e)
	}
	return list, rows.Err()
}

// clients opens one client per tenant per round; nil for a tenant without an
// enabled configuration, whose changes wait.
type clients struct {
	s   *Sync
	got map[string]*tenantClient
}

type tenantClient struct {
	*Client
	cfg *Config
}

func (c *clients) of(ctx context.Context, tenant string) *tenantClient {
	if cl, ok := c.got[tenant]; ok {
		return cl
	}
	cfg, cr, err := c.s.configs.Credentials(ctx, tenant)
	var cl *tenantClient
	if err == nil && cfg.Enabled {
		cl = &tenantClient{NewClient(*cfg, cr, c.s.opts.Outbound, c.s.opts.Timeout), cfg}
	} else if err != nil && !errors.Is(err, storage.ErrNotFound) {
		c.s.logger.Error("servicenow: configuration unusable", "tenant", tenant, "err", err)
	}
	c.got[tenant] = cl
	return cl
}
