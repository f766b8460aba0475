package cluster

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/unyo-ops/unyo/internal/auth"
)

// AuthChannel is the PostgreSQL notification channel on which the database
// announces a changed token ("token:<id>"): a trigger on api_tokens sends it
// in the transaction of the change, so it arrives once the change commits.
const AuthChannel = "unyo_auth"

// Revocations keeps a replica's token cache true to the database on
// PostgreSQL: it listens on AuthChannel on a connection of its own and
// drops each announced token from the cache. While it is not listening
// (not yet connected, or the connection lost) the cache is off, so a
// revocation it could not hear is never answered from the cache.
type Revocations struct {
	dsn    string
	authn  *auth.Authenticator
	logger *slog.Logger
	// Retry is the wait before connecting again; 1 s when zero.
	Retry     time.Duration
	listening prometheus.Gauge
	// others are the other channels heard on the same connection, each
	// with its handler (see Handle).
	others map[string]func(payload string)
}

// Handle has the listener also LISTEN on channel, on the same connection,
// and pass each of its notices to f (in the listener's goroutine: f must
// not block). Call it before Run. Notices sent while the connection is
// down are not heard: f's senders must not depend on them.
func (r *Revocations) Handle(channel string, f func(payload string)) {
	if r.others == nil {
		r.others = map[string]func(string){}
	}
	r.others[channel] = f
}

// NewRevocations returns the listener for dsn (a postgres:// URL) feeding
// authn; reg (if not nil) gets unyo_cluster_revocations_listening.
func NewRevocations(dsn string, authn *auth.Authenticator, logger *slog.Logger, reg prometheus.Registerer) *Revocations {
	if logger == nil {
		logger = slog.Default()
	}
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "unyo_cluster_revocations_listening",
		Help: "1 while this replica hears the token revocations of the others (its token cache is on), else 0."})
	if reg != nil {
		reg.MustRegister(g)
	}
	return &Revocations{dsn: dsn, authn: authn, logger: logger, Retry: time.Second, listening: g}
}

// Run listens until ctx ends, connecting again whenever the connection is lost.
func (r *Revocations) Run(ctx context.Context) error {
	r.authn.CacheTokens(false)
	for {
		err := r.listen(ctx)
		r.authn.CacheTokens(false)
		r.listening.Set(0)
		if ctx.Err() != nil {
			return nil
		}
		r.logger.Warn("cluster: not hearing token revocations; token cache off until connected again", "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(max(r.Retry, 10*time.Millisecond)):
		}
	}
}

// listen holds one connection, on which it listens until it fails.
func (r *Revocations) listen(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, r.dsn)
	if err != nil {
		return fmt.Errorf("cluster: connecting to listen: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	for _, ch := range append([]string{AuthChannel}, slices.Sorted(maps.Keys(r.others))...) {
		if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{ch}.Sanitize()); err != nil {
			return fmt.Errorf("cluster: listen %s: %w", ch, err)
		}
	}
	// Anything cached before now may have been revoked unheard.
	r.authn.ForgetAll()
	r.authn.CacheTokens(true)
	r.listening.Set(1)
	r.logger.Debug("cluster: listening for token revocations")
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("cluster: waiting for notices: %w", err)
		}
		if f := r.others[n.Channel]; f != nil {
			f(n.Payload)
			continue
		}
		r.apply(n.Payload)
	}
}

// apply drops what a notice names; a notice it cannot read empties the
// whole cache, which is always safe.
func (r *Revocations) apply(payload string) {
	if v, ok := strings.CutPrefix(payload, "token:"); ok {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			r.authn.Forget(id)
			return
		}
	}
	r.authn.ForgetAll()
}
