package servicenow

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/outbound"
	"github.com/unyo-ops/unyo/internal/storage"
)

// errNoRecord is an update of an incident that has no ServiceNow record: it
// was opened before the tenant configured ServiceNow, or its create was
// refused. Retrying cannot help.
var errNoRecord = errors.New("servicenow: the incident has no record in ServiceNow")

// Incidents is what the sync changes in unyo when ServiceNow changes a
// record; *incident.Store is one.
type Incidents interface {
	Incident(ctx context.Context, tenant string, id int64) (*incident.Incident, error)
	Transition(ctx context.Context, tenant string, id int64, actor string, sc incident.StateChange) (*incident.Incident, error)
	Annotate(ctx context.Context, tenant string, id int64, author string, kind incident.EntryKind, body string) error
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

// Sync pushes incident changes to each tenant's ServiceNow through a
// persisted outbox, and pulls state changes back.
type Sync struct {
	db        *sql.DB
	configs   *Configs
	incidents Incidents
	opts      Options
	now       func() time.Time
	logger    *slog.Logger
}

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

// Enqueue is an incident.ChangeFunc: inside the change's transaction it
// queues the change for the tenant's ServiceNow, if it has one, so a change
// is never committed without its queueing. Changes pulled from ServiceNow are
// not sent back, and inquiries and requests stay in unyo: only the incident
// table is synced.
func (s *Sync) Enqueue(ctx context.Context, tx *sql.Tx, c incident.Change) error {
	if c.Actor == incident.ActorServiceNow || c.Incident == nil || c.Incident.Kind != incident.KindIncident {
		return nil
	}
	cfg, _, err := loadConfig(ctx, tx, c.Incident.TenantID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && !cfg.Enabled) {
		return nil
	}
	if err != nil {
		return err
	}
	op, fields, ok := fieldsFor(c)
	if !ok {
		return nil
	}
	data, _ := json.Marshal(fields)
	now := s.now().UnixMilli()
	_, err = tx.ExecContext(ctx, `INSERT INTO servicenow_outbox (tenant_id, incident_id, op, fields, attempts, next_at, last_error, created_at)
		VALUES (?,?,?,?,0,?,'',?)`, c.Incident.TenantID, c.Incident.ID, op, string(data), now, now)
	if err != nil {
		return fmt.Errorf("servicenow: unable to queue the change: %w", err)
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
	ID         int64      `json:"id"`
	IncidentID int64      `json:"incident_id"`
	Op         Op         `json:"op"`
	Fields     Record     `json:"fields"`
	Attempts   int        `json:"attempts"`
	NextAt     time.Time  `json:"next_at"`
	LastError  string     `json:"last_error,omitempty"`
	DoneAt     *time.Time `json:"done_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	tenant     string
}

// Outbox lists the tenant's queued and delivered changes, newest first.
func (s *Sync) Outbox(ctx context.Context, tenant string, limit int) ([]Entry, error) {
	return s.entries(ctx, `WHERE tenant_id=? ORDER BY id DESC LIMIT ?`, tenant, limit)
}

func (s *Sync) entries(ctx context.Context, where string, args ...any) ([]Entry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, tenant_id, incident_id, op, fields, attempts, next_at, last_error, done_at, created_at
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
		if err := rows.Scan(&e.ID, &e.tenant, &e.IncidentID, &e.Op, &fields, &e.Attempts, &next, &e.LastError, &done, &created); err != nil {
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
	got map[string]*Client
}

func (c *clients) of(ctx context.Context, tenant string) *Client {
	if cl, ok := c.got[tenant]; ok {
		return cl
	}
	cfg, cr, err := c.s.configs.Credentials(ctx, tenant)
	var cl *Client
	if err == nil && cfg.Enabled {
		cl = NewClient(*cfg, cr, c.s.opts.Outbound, c.s.opts.Timeout)
	} else if err != nil && !errors.Is(err, storage.ErrNotFound) {
		c.s.logger.Error("servicenow: configuration unusable", "tenant", tenant, "err", err)
	}
	c.got[tenant] = cl
	return cl
}

// Deliver sends the due changes, oldest first and in order per incident: a
// change waits while an earlier one of its incident is waiting for a retry.
// It returns how many were delivered.
func (s *Sync) Deliver(ctx context.Context) (int, error) {
	pending, err := s.entries(ctx, `WHERE done_at IS NULL ORDER BY id LIMIT 1000`)
	if err != nil {
		return 0, err
	}
	cl := &clients{s: s, got: map[string]*Client{}}
	blocked := map[int64]bool{}
	delivered := 0
	now := s.now()
	for _, e := range pending {
		if blocked[e.IncidentID] {
			continue
		}
		blocked[e.IncidentID] = true // only the first pending change of an incident may go
		if e.NextAt.After(now) {
			continue
		}
		client := cl.of(ctx, e.tenant)
		if client == nil {
			continue
		}
		err := s.send(ctx, client, e)
		switch {
		case err == nil:
			delivered++
			blocked[e.IncidentID] = false
			err = s.finish(ctx, e.ID, "")
		case Retryable(err) && !errors.Is(err, errNoRecord):
			err = s.retry(ctx, e, err)
		default:
			s.logger.Warn("servicenow: change refused", "tenant", e.tenant, "incident", e.IncidentID, "op", e.Op, "err", err)
			blocked[e.IncidentID] = false
			err = s.finish(ctx, e.ID, "refused: "+err.Error())
		}
		if err != nil {
			return delivered, err
		}
	}
	return delivered, nil
}

func (s *Sync) send(ctx context.Context, c *Client, e Entry) error {
	if e.Op == OpCreate {
		return s.create(ctx, c, e)
	}
	var sysID string
	err := s.db.QueryRowContext(ctx, `SELECT sys_id FROM servicenow_links WHERE incident_id=?`, e.IncidentID).Scan(&sysID)
	if errors.Is(err, sql.ErrNoRows) {
		return errNoRecord
	}
	if err != nil {
		return fmt.Errorf("servicenow: %w", err)
	}
	if _, err := c.Update(ctx, sysID, e.Fields); err != nil {
		return err
	}
	if st, ok := e.Fields["state"]; ok {
		_, err = s.db.ExecContext(ctx, `UPDATE servicenow_links SET state=? WHERE incident_id=?`, st, e.IncidentID)
	}
	return err
}

// create inserts the record. A retried create first looks the record up by
// correlation_id: the earlier attempt may have reached ServiceNow and lost
// only its answer, and the incident must not be created twice.
func (s *Sync) create(ctx context.Context, c *Client, e Entry) error {
	var rec Record
	var err error
	if e.Attempts > 0 {
		if rec, err = c.ByCorrelation(ctx, e.Fields["correlation_id"]); err != nil {
			return err
		}
	}
	if rec == nil {
		if rec, err = c.Create(ctx, e.Fields); err != nil {
			return err
		}
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO servicenow_links (incident_id, tenant_id, sys_id, number, state) VALUES (?,?,?,?,?)
		ON CONFLICT (incident_id) DO UPDATE SET sys_id=excluded.sys_id, number=excluded.number, state=excluded.state`,
		e.IncidentID, e.tenant, rec["sys_id"], rec["number"], rec["state"])
	if err != nil {
		return fmt.Errorf("servicenow: unable to link the record: %w", err)
	}
	if err := s.incidents.Annotate(ctx, e.tenant, e.IncidentID, incident.ActorServiceNow, incident.EntryServiceNow,
		"ServiceNow "+rec["number"]+" (sys_id "+rec["sys_id"]+")"); err != nil {
		s.logger.Warn("servicenow: record not noted on the timeline", "incident", e.IncidentID, "err", err)
	}
	return nil
}

func (s *Sync) finish(ctx context.Context, id int64, lastError string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE servicenow_outbox SET done_at=?, last_error=? WHERE id=?`, s.now().UnixMilli(), lastError, id)
	if err != nil {
		return fmt.Errorf("servicenow: unable to update the outbox: %w", err)
	}
	return nil
}

// retry schedules the change again after a backoff doubling from 10s up to MaxBackoff.
func (s *Sync) retry(ctx context.Context, e Entry, cause error) error {
	wait := 10 * time.Second << min(e.Attempts, 16)
	if wait > s.opts.MaxBackoff {
		wait = s.opts.MaxBackoff
	}
	s.logger.Warn("servicenow: will retry", "tenant", e.tenant, "incident", e.IncidentID, "op", e.Op, "attempt", e.Attempts+1, "in", wait, "err", cause)
	_, err := s.db.ExecContext(ctx, `UPDATE servicenow_outbox SET attempts=attempts+1, next_at=?, last_error=? WHERE id=?`,
		s.now().Add(wait).UnixMilli(), cause.Error(), e.ID)
	if err != nil {
		return fmt.Errorf("servicenow: unable to update the outbox: %w", err)
	}
	return nil
}
