package monitoring

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
)

// CollectsLabel marks a collector's own host with the collector's name:
// set when the collector first connects, it says the host's health
// template was assigned once (taking the assignment away afterwards is
// then the operator's choice, kept), and shows which resource is which
// collector.
const CollectsLabel = "unyo_collects"

// collectorTemplate is the built-in template of a collector's health.
const collectorTemplate = "collector"

// CollectorConnected makes a collector's health watched without a manual
// step: the resource host of tenant, the collector's own host (created
// when there is none), is labelled unyo_collects=name and gets the
// built-in collector template, unless a selector already gives it. It does
// so once per host and name: a host already labelled is left as it is.
func (s *Store) CollectorConnected(ctx context.Context, tenant, name, host string) error {
	actor := "collector:" + name
	res, err := s.resourceNamed(ctx, tenant, host)
	switch {
	case err == storage.ErrNotFound:
		res = &model.Resource{TenantID: tenant, Name: host, Kind: "host", Labels: map[string]string{CollectsLabel: name}}
		if err := res.Validate(); err != nil {
			return fmt.Errorf("monitoring: collector host %q: %w", host, err)
		}
		ctx := storage.WithAudit(ctx, storage.AuditEntry{TenantID: tenant, Actor: actor, Action: "create", ObjectType: "resource"}, nil)
		if err := s.resources.CreateResource(ctx, res); err != nil {
			return fmt.Errorf("monitoring: cannot create the collector's host %q: %w", host, err)
		}
	case err != nil:
		return err
	case res.Labels[CollectsLabel] == name:
		return nil
	default:
		if res.Labels == nil {
			res.Labels = map[string]string{}
		}
		res.Labels[CollectsLabel] = name
		ctx := storage.WithAudit(ctx, storage.AuditEntry{TenantID: tenant, Actor: actor, Action: "update", ObjectType: "resource",
			ObjectID: fmt.Sprint(res.ID)}, nil)
		if err := s.resources.UpdateResource(ctx, res); err != nil {
			return fmt.Errorf("monitoring: cannot label the collector's host %q: %w", host, err)
		}
	}
	return s.assignCollectorTemplate(ctx, res, actor)
}

// assignCollectorTemplate assigns the built-in collector template to res,
// unless an assignment already gives it to res.
func (s *Store) assignCollectorTemplate(ctx context.Context, res *model.Resource, actor string) error {
	var tmpl int64
	err := s.db.QueryRowContext(ctx, `SELECT id FROM monitoring_templates WHERE tenant_id IS NULL AND builtin=?`, collectorTemplate).Scan(&tmpl)
	if err == sql.ErrNoRows {
		return fmt.Errorf("monitoring: no built-in %q template (SyncBuiltins not run?)", collectorTemplate)
	}
	if err != nil {
		return fmt.Errorf("monitoring: unable to fetch the collector template: %w", err)
	}
	list, err := s.Assignments(ctx, res.TenantID)
	if err != nil {
		return err
	}
	for _, a := range list {
		if a.TemplateID != tmpl {
			continue
		}
		if a.ResourceID == res.ID {
			return nil
		}
		if sel, err := ParseSelector(a.Selector); a.Selector != "" && err == nil && sel.Matches(res.Labels) {
			return nil
		}
	}
	ctx = storage.WithAudit(ctx, storage.AuditEntry{TenantID: res.TenantID, Actor: actor, Action: "create", ObjectType: "monitoring_assignment"}, nil)
	return s.CreateAssignment(ctx, &Assignment{TenantID: res.TenantID, TemplateID: tmpl, ResourceID: res.ID})
}

// resourceNamed is the resource of tenant named name, or storage.ErrNotFound.
func (s *Store) resourceNamed(ctx context.Context, tenant, name string) (*model.Resource, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT id FROM resources WHERE tenant_id=? AND name=?`, tenant, name).Scan(&id)
	if err == sql.ErrNoRows {
		return nil, storage.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("monitoring: unable to fetch resource %q: %w", name, err)
	}
	return s.resources.Resource(ctx, tenant, id)
}
