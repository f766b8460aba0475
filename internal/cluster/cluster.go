// Package cluster is how the replicas of one unyo installation know each
// other: each registers itself in the replicas table of the shared database
// and heartbeats there; a replica is up while its heartbeat is fresh. On
// PostgreSQL it also listens for token changes announced by the database, so
// that a revocation on one replica holds on every replica at once.
package cluster

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
)

// Replica is one server as the others see it.
type Replica struct {
	ID          string     `json:"id"`
	Address     string     `json:"address"`
	Version     string     `json:"version"`
	StartedAt   time.Time  `json:"started_at"`
	HeartbeatAt time.Time  `json:"heartbeat_at"`
	StoppedAt   *time.Time `json:"stopped_at,omitempty"`
	Up          bool       `json:"up"`
	Self        bool       `json:"self"`
	// Leases are the leases this replica holds, when a LeaseLister is set.
	Leases []Lease `json:"leases"`
}

// Lease is a piece of work a replica owns (a tenant's rules, a scheduler).
type Lease struct {
	Name      string    `json:"name"`
	ExpiresAt time.Time `json:"expires_at"`
}

// LeaseLister lists the leases held, by holder (replica ID). It is the hook
// the lease package fills; without it the view shows no leases.
type LeaseLister func(ctx context.Context) (map[string][]Lease, error)

// Options configure the membership.
type Options struct {
	ID      string // this replica's ID (--replica-id)
	Address string // where it serves, e.g. http://10.0.0.5:8080
	Version string
	// Interval is the time between heartbeats; 3 s when zero.
	Interval time.Duration
	// Stale is how old a heartbeat may be while its replica counts as up;
	// four intervals when zero.
	Stale time.Duration
	// Forget is how long a replica down is still listed; a day when zero.
	Forget time.Duration
	Leases LeaseLister
}

// Membership registers this replica, heartbeats, and lists the replicas.
type Membership struct {
	db      *sql.DB
	opts    Options
	logger  *slog.Logger
	now     func() time.Time
	started time.Time

	mu     sync.Mutex
	counts map[string]int // state -> replicas, as of the last heartbeat
}

// New returns the membership of the replica opts describes over db.
func New(db *sql.DB, opts Options, logger *slog.Logger) *Membership {
	if opts.Interval <= 0 {
		opts.Interval = 3 * time.Second
	}
	if opts.Stale <= 0 {
		opts.Stale = 4 * opts.Interval
	}
	if opts.Forget <= 0 {
		opts.Forget = 24 * time.Hour
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Membership{db: db, opts: opts, logger: logger, now: time.Now, counts: map[string]int{}}
}

// Register writes this replica's row, as started now; a replica restarting
// under the same ID takes its row over.
func (m *Membership) Register(ctx context.Context) error {
	m.started = m.now()
	at := database.Millis(m.started)
	_, err := database.Writer(m.db).ExecContext(ctx, `INSERT INTO replicas (id, address, version, started_at, heartbeat_at, stopped_at) VALUES (?,?,?,?,?,NULL)
		ON CONFLICT (id) DO UPDATE SET address = excluded.address, version = excluded.version,
			started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at, stopped_at = NULL`,
		m.opts.ID, m.opts.Address, m.opts.Version, at, at)
	if err != nil {
		return fmt.Errorf("cluster: cannot register replica %q: %w", m.opts.ID, err)
	}
	return m.count(ctx)
}

// Run heartbeats until ctx ends, then marks this replica stopped, so the
// others see it down at once rather than when its heartbeat goes stale. A
// failed heartbeat is logged and retried: the database may come back.
func (m *Membership) Run(ctx context.Context) error {
	t := time.NewTicker(m.opts.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if _, err := database.Writer(m.db).ExecContext(sctx, `UPDATE replicas SET stopped_at = ? WHERE id = ?`, database.Millis(m.now()), m.opts.ID); err != nil {
				m.logger.Warn("cluster: cannot mark this replica stopped", "replica", m.opts.ID, "err", err)
			}
			return nil
		case <-t.C:
			if err := m.beat(ctx); err != nil && ctx.Err() == nil {
				m.logger.Warn("cluster: heartbeat failed", "replica", m.opts.ID, "err", err)
			}
		}
	}
}

// beat refreshes this replica's heartbeat (its row again, if someone
// removed it), forgets replicas long down, and recounts.
func (m *Membership) beat(ctx context.Context) error {
	now := m.now()
	res, err := database.Writer(m.db).ExecContext(ctx, `UPDATE replicas SET heartbeat_at = ?, stopped_at = NULL WHERE id = ?`, database.Millis(now), m.opts.ID)
	if err != nil {
		return fmt.Errorf("cluster: heartbeat: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := database.Writer(m.db).ExecContext(ctx, `INSERT INTO replicas (id, address, version, started_at, heartbeat_at) VALUES (?,?,?,?,?)
			ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, stopped_at = NULL`,
			m.opts.ID, m.opts.Address, m.opts.Version, database.Millis(m.started), database.Millis(now)); err != nil {
			return fmt.Errorf("cluster: heartbeat: %w", err)
		}
	}
	if _, err := database.Writer(m.db).ExecContext(ctx, `DELETE FROM replicas WHERE heartbeat_at < ?`, database.Millis(now.Add(-m.opts.Forget))); err != nil {
		return fmt.Errorf("cluster: forgetting old replicas: %w", err)
	}
	return m.count(ctx)
}

// List returns the replicas by ID, each up or down as of now, with the
// leases it holds when the lease hook is set.
func (m *Membership) List(ctx context.Context) ([]Replica, error) {
	rows, err := m.db.QueryContext(ctx, `SELECT id, address, version, started_at, heartbeat_at, stopped_at FROM replicas ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("cluster: cannot list replicas: %w", err)
	}
	defer rows.Close()
	now := m.now()
	var out []Replica
	for rows.Next() {
		var r Replica
		var started, beat int64
		var stopped sql.NullInt64
		if err := rows.Scan(&r.ID, &r.Address, &r.Version, &started, &beat, &stopped); err != nil {
			return nil, fmt.Errorf("cluster: cannot list replicas: %w", err)
		}
		r.StartedAt, r.HeartbeatAt, r.StoppedAt = database.FromMillis(started), database.FromMillis(beat), database.TimePtr(stopped)
		r.Up = r.StoppedAt == nil && now.Sub(r.HeartbeatAt) <= m.opts.Stale
		r.Self = r.ID == m.opts.ID
		r.Leases = []Lease{}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cluster: cannot list replicas: %w", err)
	}
	if m.opts.Leases != nil {
		held, err := m.opts.Leases(ctx)
		if err != nil {
			return nil, fmt.Errorf("cluster: cannot list leases: %w", err)
		}
		for i := range out {
			if l := held[out[i].ID]; l != nil {
				out[i].Leases = l
			}
		}
	}
	return out, nil
}

// count refreshes the replicas up and down for the self metrics.
func (m *Membership) count(ctx context.Context) error {
	list, err := m.List(ctx)
	if err != nil {
		return err
	}
	counts := map[string]int{"up": 0, "down": 0}
	for _, r := range list {
		if r.Up {
			counts["up"]++
		} else {
			counts["down"]++
		}
	}
	m.mu.Lock()
	m.counts = counts
	m.mu.Unlock()
	return nil
}
