package monitoring

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
)

// Attempt is an agent that pulled its configuration as a host its tenant
// does not have: what the console offers to register.
type Attempt struct {
	Host   string    `json:"host"`
	Remote string    `json:"remote"` // the address the last pull came from
	Count  int       `json:"count"`
	First  time.Time `json:"first"`
	Last   time.Time `json:"last"`
}

// Bounds of the record of attempts (table unregistered_hosts): an agent
// looping with random host names cannot grow it beyond maxAttemptHosts a
// tenant; the least recent host goes first.
const (
	maxAttemptHosts = 50             // per tenant
	attemptTTL      = 24 * time.Hour // an attempt older than this is not shown, and is deleted
)

// NoteUnregistered records that an agent of tenant pulled its
// configuration as host, which the tenant has no resource for. It keeps
// the tenant's maxAttemptHosts most recent hosts of the last day.
func (s *Store) NoteUnregistered(ctx context.Context, tenant, host, remote string, at time.Time) error {
	if len(host) > maxTextLen {
		host = host[:maxTextLen]
	}
	ms := database.Millis(at)
	_, err := database.Writer(s.db).ExecContext(ctx, `INSERT INTO unregistered_hosts (tenant_id, host, remote, count, first_at, last_at) VALUES (?,?,?,1,?,?)
		ON CONFLICT (tenant_id, host) DO UPDATE SET count=unregistered_hosts.count+1, remote=excluded.remote, last_at=excluded.last_at`,
		tenant, host, remote, ms, ms)
	if err == nil {
		_, err = database.Writer(s.db).ExecContext(ctx, `DELETE FROM unregistered_hosts WHERE tenant_id=? AND (last_at < ? OR host NOT IN
			(SELECT host FROM unregistered_hosts WHERE tenant_id=? ORDER BY last_at DESC, host LIMIT ?))`,
			tenant, database.Millis(at.Add(-attemptTTL)), tenant, maxAttemptHosts)
	}
	if err != nil {
		return fmt.Errorf("monitoring: unable to record the unregistered host %q: %w", host, err)
	}
	return nil
}

// Unregistered returns the tenant's hosts that tried to pull their
// configuration since now-24h and are still not resources, most recent first.
func (s *Store) Unregistered(ctx context.Context, tenant string, registered func(host string) bool, now time.Time) ([]Attempt, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT host, remote, count, first_at, last_at FROM unregistered_hosts
		WHERE tenant_id=? AND last_at >= ? ORDER BY last_at DESC, host LIMIT ?`, tenant, database.Millis(now.Add(-attemptTTL)), maxAttemptHosts)
	if err != nil {
		return nil, fmt.Errorf("monitoring: unable to list unregistered hosts: %w", err)
	}
	defer rows.Close()
	var out []Attempt
	for rows.Next() {
		var a Attempt
		var first, last int64
		if err := rows.Scan(&a.Host, &a.Remote, &a.Count, &first, &last); err != nil {
			return nil, fmt.Errorf("monitoring: unable to list unregistered hosts: %w", err)
		}
		a.First, a.Last = database.FromMillis(first), database.FromMillis(last)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("monitoring: unable to list unregistered hosts: %w", err)
	}
	// Registered since: not offered again (and dropped by the bound in time).
	return slices.DeleteFunc(out, func(e Attempt) bool { return registered(e.Host) }), nil
}
