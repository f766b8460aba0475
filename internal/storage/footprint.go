package storage

import (
	"context"
	"fmt"
)

// Footprint counts what a tenant, or one of its services, holds: what
// deleting it takes along, or leaves behind without a service.
type Footprint struct {
	Services       int
	Resources      int
	Items          int // monitoring items of the tenant's own (templates and resources)
	Incidents      int // of every state
	OpenIncidents  int // new, in progress or on hold
	Users          int // bound to the tenant (viewers, requesters)
	BackupPolicies int
	CapacityGroups int
}

// openStates are the incident states whose SLA clocks still run.
const openStates = `('new','in_progress','on_hold')`

// TenantFootprint counts what deleting tenant deletes with it.
func (s *Store) TenantFootprint(ctx context.Context, tenant string) (Footprint, error) {
	var f Footprint
	err := s.count(ctx, []counted{
		{&f.Services, `SELECT COUNT(*) FROM services WHERE tenant_id=?`},
		{&f.Resources, `SELECT COUNT(*) FROM resources WHERE tenant_id=?`},
		{&f.Items, `SELECT COUNT(*) FROM monitoring_items WHERE tenant_id=?`},
		{&f.Incidents, `SELECT COUNT(*) FROM incidents WHERE tenant_id=?`},
		{&f.OpenIncidents, `SELECT COUNT(*) FROM incidents WHERE tenant_id=? AND state IN ` + openStates},
		{&f.Users, `SELECT COUNT(*) FROM users WHERE tenant_id=?`},
		{&f.BackupPolicies, `SELECT COUNT(*) FROM backup_policies WHERE tenant_id=?`},
		{&f.CapacityGroups, `SELECT COUNT(*) FROM capacity_groups WHERE tenant_id=?`},
	}, tenant)
	return f, err
}

// ServiceFootprint counts what deleting service id of tenant touches: its
// resources and incidents stay without a service (the incidents without
// SLA clocks), its backup policies and capacity groups go with it.
func (s *Store) ServiceFootprint(ctx context.Context, tenant string, id int64) (Footprint, error) {
	var f Footprint
	err := s.count(ctx, []counted{
		{&f.Resources, `SELECT COUNT(*) FROM resources WHERE tenant_id=? AND service_id=?`},
		{&f.Incidents, `SELECT COUNT(*) FROM incidents WHERE tenant_id=? AND service_id=?`},
		{&f.OpenIncidents, `SELECT COUNT(*) FROM incidents WHERE tenant_id=? AND service_id=? AND state IN ` + openStates},
		{&f.BackupPolicies, `SELECT COUNT(*) FROM backup_policies WHERE tenant_id=? AND service_id=?`},
		{&f.CapacityGroups, `SELECT COUNT(*) FROM capacity_groups WHERE tenant_id=? AND service_id=?`},
	}, tenant, id)
	return f, err
}

type counted struct {
	n     *int
	query string
}

func (s *Store) count(ctx context.Context, qs []counted, args ...any) error {
	for _, q := range qs {
		if err := s.db.QueryRowContext(ctx, q.query, args...).Scan(q.n); err != nil {
			return fmt.Errorf("store: unable to count what would be deleted: %w", err)
		}
	}
	return nil
}
