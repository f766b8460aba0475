package lease

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
)

// Run renews and takes leases every Renew until ctx ends, then releases
// this replica's leases so the others take its work at once.
func (l *Leases) Run(ctx context.Context) {
	t := time.NewTicker(l.opts.Renew)
	defer t.Stop()
	for {
		if err := l.Pass(ctx); err != nil && ctx.Err() == nil {
			l.logger.Error("lease: renewal failed", "err", err)
		}
		select {
		case <-ctx.Done():
			l.releaseAll()
			return
		case <-t.C:
		}
	}
}

// releaseAll gives up every lease on a clean stop.
func (l *Leases) releaseAll() {
	ctx, cancel := context.WithTimeout(context.Background(), l.opts.TTL)
	defer cancel()
	l.mu.Lock()
	names := make([]string, 0, len(l.held))
	for name := range l.held {
		names = append(names, name)
	}
	l.mu.Unlock()
	for _, name := range names {
		if err := l.Release(ctx, name); err != nil {
			l.logger.Warn("lease: cannot release on stop", "lease", name, "err", err)
		}
	}
}

// Pass renews the heartbeat and the leases held, gives up those above the
// fair share, and takes free ones up to it. Tests call it; Run calls it
// every Renew.
func (l *Leases) Pass(ctx context.Context) error {
	if l.opts.Tenants == nil {
		return nil
	}
	tenants, err := l.opts.Tenants(ctx)
	if err != nil {
		return fmt.Errorf("lease: cannot list tenants: %w", err)
	}
	sort.Strings(tenants)
	if _, _, err := l.Acquire(ctx, heartbeat+l.owner); err != nil {
		return err
	}
	alive, err := l.alive(ctx)
	if err != nil {
		return err
	}
	share := (len(tenants) + alive - 1) / max(alive, 1)
	renewed, err := l.renewHeld(ctx)
	if err != nil {
		return err
	}
	for _, kind := range l.opts.Kinds {
		if err := l.passKind(ctx, kind, tenants, share, renewed); err != nil {
			return err
		}
	}
	l.forgetGone(tenants)
	return nil
}

func (l *Leases) passKind(ctx context.Context, kind string, tenants []string, share int, renewed map[string]bool) error {
	mine := 0
	var others []string
	for _, t := range tenants {
		if _, ok := l.Owns(kind, t); !ok && !l.single {
			others = append(others, t)
			continue
		}
		if mine >= share && !l.single {
			// Above the fair share (a replica joined): hand it over.
			if err := l.Release(ctx, Name(kind, t)); err != nil {
				return err
			}
			continue
		}
		if renewed[Name(kind, t)] {
			mine++
			continue
		}
		if _, ok, err := l.Acquire(ctx, Name(kind, t)); err != nil {
			return err
		} else if ok {
			mine++
		}
	}
	for _, t := range others {
		if mine >= share {
			break
		}
		if _, ok, err := l.Acquire(ctx, Name(kind, t)); err != nil {
			return err
		} else if ok {
			mine++
		}
	}
	return nil
}

// renewBatch bounds the leases one renewal statement names.
const renewBatch = 500

// renewHeld extends the work leases this replica holds, a batch per
// statement rather than one round trip each, and returns those it still
// holds; one that expired or went to another replica meanwhile is dropped
// (passKind then tries to take it like any free one).
func (l *Leases) renewHeld(ctx context.Context) (map[string]bool, error) {
	if l.single {
		return nil, nil
	}
	l.mu.Lock()
	var names []string
	for name := range l.held {
		if !strings.HasPrefix(name, heartbeat) {
			names = append(names, name)
		}
	}
	l.mu.Unlock()
	out := make(map[string]bool, len(names))
	for len(names) > 0 {
		batch := names[:min(len(names), renewBatch)]
		names = names[len(batch):]
		start := l.opts.Now()
		args := []any{start.Add(l.opts.TTL).UnixMilli(), l.owner, start.UnixMilli()}
		for _, n := range batch {
			args = append(args, n)
		}
		rows, err := database.Writer(l.db).QueryContext(ctx, `UPDATE leases SET expires_at=? WHERE owner=? AND expires_at>=? AND name IN (?`+
			strings.Repeat(",?", len(batch)-1)+`) RETURNING name, token`, args...)
		if err != nil {
			return nil, fmt.Errorf("lease: cannot renew: %w", err)
		}
		for rows.Next() {
			var name string
			var token int64
			if err := rows.Scan(&name, &token); err != nil {
				rows.Close()
				return nil, fmt.Errorf("lease: cannot renew: %w", err)
			}
			l.keep(name, token, start)
			out[name] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("lease: cannot renew: %w", err)
		}
		for _, n := range batch {
			if !out[n] {
				l.drop(n)
			}
		}
	}
	return out, nil
}

// alive counts the replicas whose heartbeat lease is current, this one
// included.
func (l *Leases) alive(ctx context.Context) (int, error) {
	if l.single {
		return 1, nil
	}
	var n int
	err := l.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM leases WHERE name LIKE ? AND expires_at>=?`,
		heartbeat+"%", l.opts.Now().UnixMilli()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("lease: cannot count replicas: %w", err)
	}
	return max(n, 1), nil
}

// forgetGone drops the local leases of deleted tenants.
func (l *Leases) forgetGone(tenants []string) {
	exist := map[string]bool{}
	for _, t := range tenants {
		exist[t] = true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for name := range l.held {
		if strings.HasPrefix(name, heartbeat) {
			continue
		}
		if _, t, ok := strings.Cut(name, "/"); ok && !exist[t] {
			delete(l.held, name)
		}
	}
}
