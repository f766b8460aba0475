// Package outbox is the persisted queue between what happens (an alert
// fires, an incident is acknowledged) and the channels that tell people.
//
// Enqueue commits a Notification to SQLite before it returns; workers then
// deliver it at least once to each of its targets, passing the
// notification's key to the channel as the idempotency key, retrying with
// exponential backoff and jitter, and parking a delivery as dead after
// MaxAttempts (or at once when the channel says retrying cannot help).
// Notifications without routes follow the tenant's escalation policy
// through the Escalator; a short window groups firing notifications of one
// Group into one message.
package outbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/notify"
)

// Notification is one thing to tell a tenant's people.
type Notification struct {
	Tenant  string
	Key     string   // idempotency key, unique per tenant
	Ref     string   // what an acknowledgement stops escalating, e.g. "alert:42" or "incident:7"
	Group   string   // grouping key, e.g. "host:web-01"; "" = no grouping
	Routes  []string // channel names of the tenant (e.g. an item's notify list); empty = the tenant's default escalation policy
	Service int64    // the customer service, for business-hours routing; 0 = none
	Message notify.Message
}

// Enqueuer queues notifications; *Outbox is one. The packages that decide
// what to notify (alert, incident) take it, and their tests a fake.
type Enqueuer interface {
	Enqueue(ctx context.Context, n Notification) error
}

// Destination is where one delivery goes: the channel and the language and
// time zone of its reader, which override the message's.
type Destination struct {
	Channel  notify.Channel
	Language notify.Language
	TimeZone string
}

// ResolveFunc returns the destination of a target (a channel name, or
// "contact:<name>") of tenant. An error marked notify.Permanent (e.g. the
// channel was deleted) makes the delivery dead at once.
type ResolveFunc func(ctx context.Context, tenant, target string) (Destination, error)

// Escalator runs escalation policies; internal/escalation implements it.
type Escalator interface {
	// Start begins escalating ref for the message by the tenant's default
	// policy and returns the targets of its first step and the step's name.
	// It is idempotent per message: a retried Start returns the same step.
	Start(ctx context.Context, tenant, ref string, messageID, service int64, at time.Time) (targets []string, step string, err error)
	// FirstTargets returns who the default policy notifies first, without
	// starting anything: for a follow-up (acknowledged, resolved) of a ref
	// that was never notified.
	FirstTargets(ctx context.Context, tenant string, service int64, at time.Time) ([]string, error)
	// Stop ends the escalation of ref; further steps are not sent.
	Stop(ctx context.Context, tenant, ref string) error
}

// Options tune the outbox; the zero value of each field takes its default.
type Options struct {
	Workers      int           // deliveries in flight at once; default 4
	MaxAttempts  int           // attempts before a delivery is dead; default 8
	BackoffBase  time.Duration // wait after the first failure; default 5s, doubled per attempt
	BackoffMax   time.Duration // cap of the wait; default 1h
	GroupWindow  time.Duration // how long firing notifications of one Group are gathered; default 10s
	PollInterval time.Duration // how often due deliveries are looked for without a wake-up; default 1s
	Timeout      time.Duration // bound of one attempt; default 30s
	Retention    time.Duration // how long finished notifications are kept; default 30 days
	// Replica names this server in its claims (the --replica-id); claims
	// of replicas sharing one PostgreSQL must tell them apart.
	Replica string
	// AckLink returns the signed link that acknowledges ref from a notice
	// of step (internal/oncall's Signer.URL); nil puts no link in messages.
	AckLink func(tenant, ref, step string) string
}

func (o *Options) defaults() {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	def(&o.BackoffBase, 5*time.Second)
	def(&o.BackoffMax, time.Hour)
	def(&o.GroupWindow, 10*time.Second)
	def(&o.PollInterval, time.Second)
	def(&o.Timeout, 30*time.Second)
	def(&o.Retention, 30*24*time.Hour)
}

// Outbox is the persisted queue and its delivery workers.
type Outbox struct {
	db       *sql.DB
	opts     Options
	resolve  ResolveFunc
	escalate Escalator // may be nil: then a notification without routes goes nowhere, visibly
	logger   *slog.Logger
	now      func() time.Time
	jitter   func() float64 // in [0, 1)

	shared bool         // PostgreSQL: other replicas may claim deliveries too
	claims atomic.Int64 // makes each claim token unique
	pruned time.Time    // last Prune by the workers
	wake   chan struct{}
	stop   context.CancelFunc
	done   sync.WaitGroup
	sent   *prometheus.CounterVec
	queued prometheus.Gauge
}

// New returns an Outbox on a migrated database. escalate may be nil. reg
// may be nil. Call Start to run the workers and Stop before closing db.
func New(db *sql.DB, opts Options, resolve ResolveFunc, escalate Escalator, logger *slog.Logger, reg prometheus.Registerer) *Outbox {
	opts.defaults()
	if logger == nil {
		logger = slog.Default()
	}
	o := &Outbox{db: db, opts: opts, shared: database.DialectOf(db) == database.Postgres, resolve: resolve, escalate: escalate, logger: logger,
		now: time.Now, jitter: rand.Float64, wake: make(chan struct{}, 1),
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "unyo_notification_attempts_total", Help: "Delivery attempts of notifications by result (delivered, retry, dead).",
		}, []string{"result"}),
		queued: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "unyo_notification_claimed", Help: "Deliveries being sent right now.",
		}),
	}
	if reg != nil {
		reg.MustRegister(o.sent, o.queued)
	}
	return o
}

// Enqueue stores n; when it returns nil the notification is committed to
// the database and will be delivered even if the process dies now. The same
// (Tenant, Key) twice stores one notification: the second call is a no-op.
func (o *Outbox) Enqueue(ctx context.Context, n Notification) error {
	if err := n.validate(); err != nil {
		return err
	}
	routes, _ := json.Marshal(n.Routes)
	msg, err := json.Marshal(n.Message)
	if err != nil {
		return fmt.Errorf("outbox: cannot encode message: %w", err)
	}
	_, err = database.Writer(o.db).ExecContext(ctx, `INSERT INTO outbox_messages (tenant_id, key, ref, grp, routes, service_id, message, dispatched, created_at)
		VALUES (?,?,?,?,?,?,?,0,?) ON CONFLICT (tenant_id, key) DO NOTHING`,
		n.Tenant, n.Key, n.Ref, n.Group, string(routes), n.Service, string(msg), o.now().UnixMilli())
	if err != nil {
		return fmt.Errorf("outbox: cannot enqueue %q: %w", n.Key, err)
	}
	o.poke()
	return nil
}

func (n *Notification) validate() error {
	if n.Tenant == "" {
		return invalid.New("tenant", "is required")
	}
	if n.Key == "" {
		return invalid.New("key", "is required")
	}
	if n.Message.IdempotencyKey == "" {
		n.Message.IdempotencyKey = n.Key
	}
	if n.Message.Tenant.ID == "" {
		n.Message.Tenant.ID = n.Tenant
	}
	for i, r := range n.Routes {
		if strings.TrimSpace(r) == "" {
			return invalid.New(fmt.Sprintf("routes[%d]", i), "is empty")
		}
	}
	// A message no channel can render would only ever fail; refuse it now.
	return invalid.Prefix("message", n.Message.Validate())
}

// Acknowledge stops the escalation of ref: later steps are not sent.
// Deliveries already due still go out.
func (o *Outbox) Acknowledge(ctx context.Context, tenant, ref string) error {
	if ref == "" {
		return invalid.New("ref", "is required")
	}
	if o.escalate == nil {
		return nil
	}
	if err := o.escalate.Stop(ctx, tenant, ref); err != nil {
		return fmt.Errorf("outbox: cannot stop escalation of %q: %w", ref, err)
	}
	return nil
}

// AddDeliveries queues the message's delivery to each target for step;
// the escalation scheduler calls it when a step is due. Adding the same
// (target, step) again is a no-op, so a replayed step sends nothing twice.
func (o *Outbox) AddDeliveries(ctx context.Context, tenant string, messageID int64, step string, targets []string) error {
	tx, err := database.Begin(ctx, o.db)
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	defer tx.Rollback()
	var one int
	if err := tx.QueryRowContext(ctx, `SELECT 1 FROM outbox_messages WHERE tenant_id=? AND id=?`, tenant, messageID).Scan(&one); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("outbox: no message %d of %s", messageID, tenant)
		}
		return fmt.Errorf("outbox: %w", err)
	}
	if err := o.insertDeliveries(ctx, tx, tenant, messageID, step, targets, ""); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	o.poke()
	return nil
}

// poke wakes the workers without blocking.
func (o *Outbox) poke() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// backoff is the wait before attempt+1 after a temporary failure:
// exponential from BackoffBase, capped, with up to half of it random so a
// burst of failures does not retry in lockstep; never less than the
// destination asked for.
func (o *Outbox) backoff(attempts int, err error) time.Duration {
	d := o.opts.BackoffBase
	for i := 1; i < attempts && d < o.opts.BackoffMax; i++ {
		d *= 2
	}
	d = min(d, o.opts.BackoffMax)
	d = d/2 + time.Duration(o.jitter()*float64(d/2))
	if asked, ok := notify.RetryDelay(err); ok && asked > d {
		d = asked
	}
	return d
}
