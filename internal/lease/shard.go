package lease

import (
	"context"
	"database/sql"
	"sync"
)

// Gate is what a scheduler keeping state per tenant asks before acting on
// one: ok while this replica holds the tenant's lease of the kind, and
// fresh on the first ask under a new token, when the tenant was just
// taken over (from a replica that died or handed it over, or back from
// one): what the scheduler remembers of the tenant is then stale and must
// be dropped, and read again from the database.
type Gate func(tenant string) (ok, fresh bool)

// Gate returns the gate of kind's work. Each scheduler takes its own: a
// token is fresh once per gate.
func (l *Leases) Gate(kind string) Gate {
	var mu sync.Mutex
	seen := map[string]int64{}
	return func(tenant string) (bool, bool) {
		token, ok := l.Owns(kind, tenant)
		if !ok {
			return false, false
		}
		mu.Lock()
		defer mu.Unlock()
		fresh := seen[tenant] != token
		seen[tenant] = token
		return true, fresh
	}
}

// Only narrows list to the items of the tenants this replica holds kind's
// lease of: the targets of a poller that reads its state from the
// database at every pass (marks, offsets), so that a takeover needs
// nothing more.
func Only[T any](l *Leases, kind string, list func(context.Context) ([]T, error), tenantOf func(T) string) func(context.Context) ([]T, error) {
	return func(ctx context.Context) ([]T, error) {
		all, err := list(ctx)
		if err != nil || l.single {
			return all, err
		}
		out := all[:0:0]
		for _, t := range all {
			if _, ok := l.Owns(kind, tenantOf(t)); ok {
				out = append(out, t)
			}
		}
		return out, nil
	}
}

// FenceOf returns the check a poller makes inside the transaction that
// saves its state of tenant (offsets, marks): ErrLost unless this replica
// still holds kind's lease of tenant, under the token it holds now. A
// holder that stalled past its lease cannot then write state older than
// the taker's.
func (l *Leases) FenceOf(kind string) func(ctx context.Context, tx *sql.Tx, tenant string) error {
	return func(ctx context.Context, tx *sql.Tx, tenant string) error {
		token, ok := l.Owns(kind, tenant)
		if !ok {
			return ErrLost
		}
		return l.Fence(ctx, tx, Name(kind, tenant), token)
	}
}
