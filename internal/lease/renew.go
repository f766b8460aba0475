package lease

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
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
	for _, kind := range l.opts.Kinds {
		if err := l.passKind(ctx, kind, tenants, share); err != nil {
			return err
		}
	}
	l.forgetGone(tenants)
	return nil
}

func (l *Leases) passKind(ctx context.Context, kind string, tenants []string, share int) error {
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
