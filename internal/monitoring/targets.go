package monitoring

import (
	"context"
	"fmt"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
)

// CollectorLabel is the resource label that places a resource behind a
// collector (unyo agent --collector) in the customer's network: the items
// the server would poll itself (zabbix, and the other kinds polled without
// an agent) are polled by that collector instead, and the server leaves
// them alone.
const CollectorLabel = "unyo_collector"

// Scope says whose pollable items a target list holds.
type Scope struct {
	Tenant    string // "": every tenant (the server's own pollers)
	Collector string // "": resources behind no collector; otherwise only those behind this one
}

// Server is the scope of the server's own pollers.
var Server = Scope{}

// holds reports whether res is in the scope.
func (sc Scope) holds(res *model.Resource) bool {
	return res.Labels[CollectorLabel] == sc.Collector
}

// EachItem calls fn with every enabled item of one of kinds, without a
// problem, resolved on each resource of the scope (overrides applied,
// placeholders filled): what a poller of those kinds runs. Tenants without
// an item of those kinds are skipped without resolving their resources.
func (s *Store) EachItem(ctx context.Context, sc Scope, kinds []Kind, fn func(res *model.Resource, it ResolvedItem) error) error {
	tenants := []string{sc.Tenant}
	if sc.Tenant == "" {
		list, err := s.resources.Tenants(ctx, "")
		if err != nil {
			return fmt.Errorf("monitoring: unable to list tenants: %w", err)
		}
		tenants = tenants[:0]
		for _, t := range list {
			tenants = append(tenants, t.ID)
		}
	}
	for _, tenant := range tenants {
		n, err := s.itemCount(ctx, tenant, kinds)
		if err != nil {
			return err
		}
		if n == 0 {
			continue // most tenants have none: skip resolving every resource
		}
		list, err := s.resources.Resources(ctx, tenant, storage.ResourceFilter{})
		if err != nil {
			return fmt.Errorf("monitoring: unable to list resources of %s: %w", tenant, err)
		}
		held := list[:0]
		for _, res := range list {
			if sc.holds(res) {
				held = append(held, res)
			}
		}
		// The tenant's design is read once for all its resources.
		byID, err := s.EffectiveItemsOf(ctx, tenant, held)
		if err != nil {
			return err
		}
		for _, res := range held {
			for _, it := range byID[res.ID] {
				if it.Disabled || it.Problem != "" || !hasKind(kinds, it.Kind) {
					continue
				}
				if err := fn(res, it); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func hasKind(kinds []Kind, k Kind) bool {
	for _, x := range kinds {
		if x == k {
			return true
		}
	}
	return false
}

// itemCount counts the items of kinds the tenant can reach: its own and
// those of global templates.
func (s *Store) itemCount(ctx context.Context, tenant string, kinds []Kind) (int, error) {
	total := 0
	for _, k := range kinds {
		var n int
		err := s.q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM monitoring_items WHERE kind=? AND (tenant_id=? OR tenant_id IS NULL)`, string(k), tenant).Scan(&n)
		if err != nil {
			return 0, fmt.Errorf("monitoring: unable to count %s items: %w", k, err)
		}
		total += n
	}
	return total, nil
}
