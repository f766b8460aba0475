// Package lease decides which replica does the work that must happen once
// when several unyo servers share one PostgreSQL database: evaluating a
// tenant's alert rules, advancing its escalations, ticking its SLA clocks,
// making its report, running its operation plans, polling its backups,
// clouds and devices, syncing its ServiceNow records.
//
// A lease is a row (name, owner, token, expiry). The owner renews it every
// Renew; a lease not renewed for TTL is free and the next replica to try
// takes it, raising its token. The token is the fencing token: a write
// that a stale owner must not make checks it (Fence). Work is sharded per
// tenant, one lease per scheduler kind and tenant ("alert/acme"), and each
// replica takes at most its fair share of a kind's tenants, counting the
// replicas alive by their own heartbeat lease ("replica/<owner>").
//
// The bound: a replica that dies stops renewing; its leases expire at most
// TTL after its last renewal and another replica takes them at its next
// pass, at most Renew later: with the defaults (10 s, 3 s) work is taken
// over within 13 s. A holder stops acting on a lease at 4/5 of TTL after
// the renewal that granted it, before anyone else may take it, as long as
// the replicas' clocks agree within TTL/5 (run NTP).
//
// On SQLite there is one server, and it holds every lease: Owns is always
// true and nothing is written.
package lease

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/unyo-ops/unyo/internal/database"
)

// The scheduler kinds whose work is sharded per tenant.
const (
	Alerts     = "alert"      // rule evaluation and alert state (internal/alert)
	Escalation = "escalation" // escalation steps (internal/escalation)
	SLA        = "sla"        // incident SLA clocks (internal/incident)
	Reports    = "report"     // the monthly report schedule (internal/report)
	Plans      = "plan"       // operation plans' steps (internal/capacity)
	Backups    = "backup"     // backup sources polled, backup compliance (internal/backup)
	Cloud      = "cloud"      // cloud discovery, cloud metrics, flow logs
	Polls      = "poll"       // the server's Zabbix, SNMP and probe pollers
	ServiceNow = "servicenow" // the ServiceNow sync's deliveries and pulls
)

// Kinds is every kind, the default of Options.Kinds.
var Kinds = []string{Alerts, Escalation, SLA, Reports, Plans, Backups, Cloud, Polls, ServiceNow}

// heartbeat is the prefix of the lease each replica holds on itself, by
// which the others count the replicas alive for the fair share.
const heartbeat = "replica/"

// ErrLost is returned by Fence when the lease is no longer the caller's.
var ErrLost = errors.New("lease: lost to another replica")

// Lease is one lease as stored.
type Lease struct {
	Name     string    `json:"name"`
	Owner    string    `json:"owner"`
	Token    int64     `json:"token"`
	Expires  time.Time `json:"expires_at"`
	Acquired time.Time `json:"acquired_at"`
}

// Options tune the leases; zero fields take their defaults.
type Options struct {
	TTL   time.Duration // how long a lease lasts without renewal; default 10s
	Renew time.Duration // how often leases are renewed and free ones taken; default TTL/3
	// Kinds are the schedulers sharded per tenant; default Kinds.
	Kinds []string
	// Tenants lists the tenants whose work is sharded.
	Tenants func(ctx context.Context) ([]string, error)
	Now     func() time.Time
}

// Leases holds this replica's leases.
type Leases struct {
	db     *sql.DB
	owner  string
	single bool // SQLite: the one server holds everything
	opts   Options
	logger *slog.Logger

	mu   sync.Mutex
	held map[string]held
	// gauge counts the leases held, self metric unyo_leases_held.
	gauge prometheus.GaugeFunc
}

type held struct {
	token int64
	until time.Time // local: act no later than this
}

// New returns the leases of owner (the replica ID) on a migrated db. reg
// may be nil. Call Run to keep them.
func New(db *sql.DB, owner string, opts Options, logger *slog.Logger, reg prometheus.Registerer) *Leases {
	if opts.TTL <= 0 {
		opts.TTL = 10 * time.Second
	}
	if opts.Renew <= 0 {
		opts.Renew = opts.TTL / 3
	}
	if len(opts.Kinds) == 0 {
		opts.Kinds = Kinds
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if logger == nil {
		logger = slog.Default()
	}
	l := &Leases{db: db, owner: owner, single: database.DialectOf(db) != database.Postgres, opts: opts,
		logger: logger.With("component", "lease"), held: map[string]held{}}
	l.gauge = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "unyo_leases_held", Help: "Leases of once-only work (per scheduler and tenant) this replica holds.",
	}, func() float64 { return float64(l.count()) })
	if reg != nil {
		reg.MustRegister(l.gauge)
	}
	return l
}

// Owner is this replica's name in the leases.
func (l *Leases) Owner() string { return l.owner }

// Single reports whether this server is alone (SQLite) and holds every lease.
func (l *Leases) Single() bool { return l.single }

// Name is the lease of kind's work for tenant.
func Name(kind, tenant string) string { return kind + "/" + tenant }

// Owns reports whether this replica holds kind's lease for tenant now, and
// its fencing token. A scheduler calls it before acting on a tenant; a new
// token means the tenant was just taken over and its state must be read
// again from the database.
func (l *Leases) Owns(kind, tenant string) (int64, bool) {
	if l.single {
		return 1, true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	h, ok := l.held[Name(kind, tenant)]
	if !ok || !l.opts.Now().Before(h.until) {
		return 0, false
	}
	return h.token, true
}

// Shard returns the filter a scheduler of kind applies to its tenants.
func (l *Leases) Shard(kind string) func(tenant string) bool {
	return func(tenant string) bool { _, ok := l.Owns(kind, tenant); return ok }
}

func (l *Leases) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	now, n := l.opts.Now(), 0
	for name, h := range l.held {
		if now.Before(h.until) && !strings.HasPrefix(name, heartbeat) {
			n++
		}
	}
	return n
}

// Acquire takes name if it is free or expired, or renews it if it is
// already this replica's, and reports whether this replica holds it.
func (l *Leases) Acquire(ctx context.Context, name string) (Lease, bool, error) {
	start := l.opts.Now()
	if l.single {
		l.keep(name, 1, start)
		return Lease{Name: name, Owner: l.owner, Token: 1, Acquired: start}, true, nil
	}
	exp := start.Add(l.opts.TTL).UnixMilli()
	var le Lease
	var expires, acquired int64
	err := database.Writer(l.db).QueryRowContext(ctx, `INSERT INTO leases (name, owner, token, expires_at, acquired_at) VALUES (?,?,1,?,?)
		ON CONFLICT (name) DO UPDATE SET
			token = CASE WHEN leases.owner = excluded.owner THEN leases.token ELSE leases.token + 1 END,
			acquired_at = CASE WHEN leases.owner = excluded.owner THEN leases.acquired_at ELSE excluded.acquired_at END,
			owner = excluded.owner, expires_at = excluded.expires_at
		WHERE leases.owner = excluded.owner OR leases.expires_at < ?
		RETURNING name, owner, token, expires_at, acquired_at`,
		name, l.owner, exp, start.UnixMilli(), start.UnixMilli()).Scan(&le.Name, &le.Owner, &le.Token, &expires, &acquired)
	if errors.Is(err, sql.ErrNoRows) {
		l.drop(name)
		return Lease{}, false, nil
	}
	if err != nil {
		return Lease{}, false, fmt.Errorf("lease: cannot acquire %s: %w", name, err)
	}
	le.Expires, le.Acquired = database.FromMillis(expires), database.FromMillis(acquired)
	l.keep(name, le.Token, start)
	return le, true, nil
}

func (l *Leases) keep(name string, token int64, start time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.held[name] = held{token: token, until: start.Add(l.opts.TTL * 4 / 5)}
}

func (l *Leases) drop(name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.held, name)
}

// Release gives name up at once, so another replica takes it at its next
// pass instead of after the TTL.
func (l *Leases) Release(ctx context.Context, name string) error {
	l.drop(name)
	if l.single {
		return nil
	}
	_, err := database.Writer(l.db).ExecContext(ctx, `UPDATE leases SET expires_at=0 WHERE name=? AND owner=?`, name, l.owner)
	if err != nil {
		return fmt.Errorf("lease: cannot release %s: %w", name, err)
	}
	return nil
}

// Fence checks, inside the transaction of a write, that name is still this
// replica's with token; ErrLost if not. The row lock it takes on
// PostgreSQL keeps a taker waiting until the write commits.
func (l *Leases) Fence(ctx context.Context, tx *sql.Tx, name string, token int64) error {
	if l.single {
		return nil
	}
	var got int64
	err := tx.QueryRowContext(ctx, `SELECT token FROM leases WHERE name=? AND owner=? AND expires_at>=? FOR UPDATE`,
		name, l.owner, l.opts.Now().UnixMilli()).Scan(&got)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && got != token) {
		return ErrLost
	}
	if err != nil {
		return fmt.Errorf("lease: cannot check %s: %w", name, err)
	}
	return nil
}

// Held lists every lease in the database, of every replica, by name: what
// the cluster view shows. On SQLite it lists this server's.
func (l *Leases) Held(ctx context.Context) ([]Lease, error) {
	if l.single {
		l.mu.Lock()
		defer l.mu.Unlock()
		var out []Lease
		for name, h := range l.held {
			out = append(out, Lease{Name: name, Owner: l.owner, Token: h.token})
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
		return out, nil
	}
	rows, err := l.db.QueryContext(ctx, `SELECT name, owner, token, expires_at, acquired_at FROM leases
		WHERE expires_at>=? ORDER BY name`, l.opts.Now().UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("lease: cannot list: %w", err)
	}
	defer rows.Close()
	out := []Lease{}
	for rows.Next() {
		var le Lease
		var expires, acquired int64
		if err := rows.Scan(&le.Name, &le.Owner, &le.Token, &expires, &acquired); err != nil {
			return nil, fmt.Errorf("lease: cannot list: %w", err)
		}
		le.Expires, le.Acquired = database.FromMillis(expires), database.FromMillis(acquired)
		out = append(out, le)
	}
	return out, rows.Err()
}
