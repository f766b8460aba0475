package alert

import (
	"context"
	"fmt"
	"strings"

	"github.com/unyo-ops/unyo/internal/database"
)

// firingChunk bounds the tenants of one query (the drivers' limits on
// parameters are far above it).
const firingChunk = 500

// FiringBySeverity counts tenant's firing alerts by severity, for the
// board: the query FiringBySeverityOf runs, for one tenant, so that a
// customer's board and the MSP's count alike.
func (s *Store) FiringBySeverity(ctx context.Context, tenant string) (map[string]int, error) {
	out := map[string]map[string]int{tenant: {}}
	if err := s.countFiring(ctx, []string{tenant}, out); err != nil {
		return nil, err
	}
	return out[tenant], nil
}

// FiringBySeverityOf is FiringBySeverity of each of tenants, in one query
// a chunk of them: for the MSP's board of every customer only, never for
// one tenant's caller (no API endpoint reaches it). Each tenant asked has a
// map, empty when nothing fires.
func (s *Store) FiringBySeverityOf(ctx context.Context, tenants []string) (map[string]map[string]int, error) {
	out := make(map[string]map[string]int, len(tenants))
	for _, t := range tenants {
		out[t] = map[string]int{}
	}
	for len(tenants) > 0 {
		n := min(len(tenants), firingChunk)
		if err := s.countFiring(ctx, tenants[:n], out); err != nil {
			return nil, err
		}
		tenants = tenants[n:]
	}
	return out, nil
}

func (s *Store) countFiring(ctx context.Context, tenants []string, out map[string]map[string]int) error {
	args := []any{StateFiring}
	for _, t := range tenants {
		args = append(args, t)
	}
	rows, err := database.On(ctx, s.db).QueryContext(ctx, `SELECT tenant_id, severity, COUNT(*) FROM alerts WHERE state=? AND tenant_id IN (?`+
		strings.Repeat(",?", len(tenants)-1)+`) GROUP BY tenant_id, severity`, args...)
	if err != nil {
		return fmt.Errorf("alert: unable to count firing alerts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var tenant, severity string
		var n int
		if err := rows.Scan(&tenant, &severity, &n); err != nil {
			return fmt.Errorf("alert: unable to count firing alerts: %w", err)
		}
		out[tenant][severity] = n
	}
	return rows.Err()
}

// FiringOf lists the firing alerts of source of each of tenants, newest
// first, at most limit a tenant, in one query a chunk of tenants: the
// board's banner of cloud health events, a customer's (one tenant) and the
// MSP's (every customer; never one tenant's caller, and no API endpoint
// reaches it). A tenant with none has no entry.
func (s *Store) FiringOf(ctx context.Context, tenants []string, source Source, limit int) (map[string][]*Alert, error) {
	out := map[string][]*Alert{}
	for len(tenants) > 0 {
		n := min(len(tenants), firingChunk)
		args := []any{StateFiring, source}
		for _, t := range tenants[:n] {
			args = append(args, t)
		}
		list, err := s.query(ctx, `SELECT `+alertColumns+` FROM (SELECT *, ROW_NUMBER() OVER
			(PARTITION BY tenant_id ORDER BY started_at DESC, id DESC) AS tenant_row FROM alerts
			WHERE state=? AND source=? AND tenant_id IN (?`+strings.Repeat(",?", n-1)+`)) alerts
			WHERE tenant_row<=? ORDER BY tenant_id, started_at DESC, id DESC`, append(args, limit)...)
		if err != nil {
			return nil, err
		}
		for _, a := range list {
			out[a.TenantID] = append(out[a.TenantID], a)
		}
		tenants = tenants[n:]
	}
	return out, nil
}
