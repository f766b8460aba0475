package discovery

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/cloudtype"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/storage"
)

// instanceLabel is the label the agent puts a virtual machine's own ID in.
const instanceLabel = "instance_id"

// Actor is who the audit log names for what discovery writes.
const Actor = "discovery"

// GoneFunc resolves the open alerts of a resource the cloud no longer
// lists; the alert engine's ResolveGone is one.
type GoneFunc func(ctx context.Context, tenant string, resource int64) int

// registry writes what a listing found into the tenant's resources and
// monitoring design.
type registry struct {
	resources *storage.Store
	design    *monitoring.Store
	gone      GoneFunc
	logger    *slog.Logger
	now       func() time.Time
}

// outcome counts what one reconcile did.
type outcome struct{ registered, gone int }

// audited is ctx carrying the audit entry of one change discovery makes
// to a resource on its own (no person asked).
func audited(ctx context.Context, tenant, action string, detail any) context.Context {
	return storage.WithAudit(ctx, storage.AuditEntry{TenantID: tenant, Actor: Actor, Action: action, ObjectType: "resource"}, detail)
}

// reconcile registers the admitted resources of found for account of
// tenant, updates the labels of those registered before, and, when found
// is the cloud's complete listing, marks gone the account's resources it
// no longer holds. A failed listing must not come here: it would take
// every resource for gone.
func (g *registry) reconcile(ctx context.Context, tenant string, account int64, found []Found, rules Rules) (outcome, error) {
	var out outcome
	existing, err := g.resources.Resources(ctx, tenant, storage.ResourceFilter{})
	if err != nil {
		return out, err
	}
	acct := strconv.FormatInt(account, 10)
	byID, byInstance, names := map[string]*model.Resource{}, map[string]*model.Resource{}, map[string]bool{}
	for _, r := range existing {
		names[r.Name] = true
		if id := r.Labels[cloudtype.LabelID]; id != "" {
			byID[idKey(id)] = r
		} else if id := r.Labels[instanceLabel]; id != "" && r.Kind == "host" {
			byInstance[strings.ToLower(r.Labels[cloudtype.LabelCloud]+"/"+id)] = r // a host its agent registered
		}
	}
	// The templates of the admitted types are assigned first, so that a
	// resource is never seen registered without its template's items.
	types := map[string]cloudtype.Type{}
	for _, f := range found {
		if rules.Admits(f) {
			types[f.Type.Short] = f.Type
		}
	}
	g.assign(ctx, tenant, types)
	listed := map[string]bool{}
	for _, f := range found {
		key := idKey(f.CloudID)
		listed[key] = true
		if !rules.Admits(f) {
			continue
		}
		r := byID[key]
		if r == nil && f.InstanceID != "" {
			r = byInstance[strings.ToLower(string(f.Type.Provider)+"/"+f.InstanceID)] // adopted: it keeps its name and kind
		}
		if r != nil && r.Labels[cloudtype.LabelAccount] != "" && r.Labels[cloudtype.LabelAccount] != acct {
			continue // another account of the tenant (the same subscription twice) registered it first
		}
		if r == nil {
			created, err := g.create(ctx, tenant, account, f, names)
			if err != nil {
				return out, err
			}
			if created == nil {
				continue
			}
			byID[key], names[created.Name] = created, true
			out.registered++
			continue
		}
		if err := g.refresh(ctx, r, f.Labels(account)); err != nil {
			return out, err
		}
	}
	for _, r := range existing {
		if r.Labels[cloudtype.LabelAccount] != acct || listed[idKey(r.Labels[cloudtype.LabelID])] {
			continue
		}
		if _, already := r.Labels[cloudtype.LabelGone]; already {
			continue
		}
		if err := g.markGone(ctx, r); err != nil {
			return out, err
		}
		out.gone++
	}
	return out, nil
}

// create registers f under its name, or the name with a short hash of its
// cloud ID when another resource holds that name.
func (g *registry) create(ctx context.Context, tenant string, account int64, f Found, names map[string]bool) (*model.Resource, error) {
	name := f.Name
	if len(name) > 180 {
		name = Suffixed(name[:180], f.CloudID)
	}
	if name == "" || names[name] {
		name = Suffixed(name, f.CloudID)
	}
	r := &model.Resource{TenantID: tenant, Name: name, Kind: f.Type.Kind, Labels: f.Labels(account)}
	if err := r.Validate(); err != nil {
		// One odd resource (an ID longer than a label holds) must not stop
		// the others' registration.
		g.logger.Warn("cloud resource not registered", "tenant", tenant, "cloud_id", clip(f.CloudID, 200), "err", err)
		return nil, nil
	}
	err := g.resources.CreateResource(audited(ctx, tenant, "discover", nil), r)
	if errors.Is(err, storage.ErrConflict) && name == f.Name {
		r.Name = Suffixed(f.Name, f.CloudID)
		err = g.resources.CreateResource(audited(ctx, tenant, "discover", nil), r)
	}
	if err != nil {
		return nil, err
	}
	g.logger.Info("cloud resource registered", "tenant", tenant, "resource", r.Name, "cloud_id", f.CloudID, "type", f.Type.Short)
	return r, nil
}

// refresh sets the managed labels of r to want, keeping the users' own,
// and takes a gone mark off: the resource is back.
func (g *registry) refresh(ctx context.Context, r *model.Resource, want map[string]string) error {
	next := map[string]string{}
	for k, v := range r.Labels {
		if !managed(k) {
			next[k] = v
		}
	}
	maps.Copy(next, want)
	if maps.Equal(next, r.Labels) {
		return nil
	}
	if _, was := r.Labels[cloudtype.LabelGone]; was {
		g.logger.Info("cloud resource is back", "tenant", r.TenantID, "resource", r.Name, "gone_since", r.Labels[cloudtype.LabelGone])
	}
	if len(next) > 32 { // the user's own labels and the tags together: keep the user's
		for k := range next {
			if len(next) > 32 && len(k) > len(cloudtype.TagPrefix) && k[:len(cloudtype.TagPrefix)] == cloudtype.TagPrefix {
				delete(next, k)
			}
		}
	}
	r.Labels = next
	return g.resources.UpdateResource(audited(ctx, r.TenantID, "update", nil), r)
}

// markGone labels r cloud_gone with the time, and resolves its alerts.
func (g *registry) markGone(ctx context.Context, r *model.Resource) error {
	next := maps.Clone(r.Labels)
	next[cloudtype.LabelGone] = g.now().UTC().Format(time.RFC3339)
	r.Labels = next
	if err := g.resources.UpdateResource(audited(ctx, r.TenantID, "gone", nil), r); err != nil {
		return err
	}
	n := 0
	if g.gone != nil {
		n = g.gone(ctx, r.TenantID, r.ID)
	}
	g.logger.Info("cloud resource gone", "tenant", r.TenantID, "resource", r.Name, "cloud_id", r.Labels[cloudtype.LabelID], "alerts_resolved", n)
	return nil
}

// assign gives tenant, for each type registered, an assignment of the
// type's built-in template by the selector cloud_type=<short>, unless it
// has one. A template not (yet) built in is logged and skipped: discovery
// goes on without it.
func (g *registry) assign(ctx context.Context, tenant string, types map[string]cloudtype.Type) {
	if len(types) == 0 || g.design == nil {
		return
	}
	templates, err := g.design.Templates(ctx, tenant)
	if err != nil {
		g.logger.Warn("cannot list templates to assign", "tenant", tenant, "err", err)
		return
	}
	assignments, err := g.design.Assignments(ctx, tenant)
	if err != nil {
		g.logger.Warn("cannot list assignments", "tenant", tenant, "err", err)
		return
	}
	for short, t := range types {
		if t.Template == "" {
			continue
		}
		var tpl *monitoring.Template
		for _, c := range templates {
			if c.Builtin == t.Template {
				tpl = c
			}
		}
		if tpl == nil {
			g.logger.Warn("no built-in template for a discovered type: none assigned", "tenant", tenant, "type", short, "template", t.Template)
			continue
		}
		a := &monitoring.Assignment{TenantID: tenant, TemplateID: tpl.ID, Selector: cloudtype.LabelType + "=" + short}
		a.Normalize()
		exists := false
		for _, b := range assignments {
			exists = exists || b.TemplateID == a.TemplateID && b.Selector == a.Selector && b.ResourceID == 0
		}
		if exists {
			continue
		}
		ctx := storage.WithAudit(ctx, storage.AuditEntry{TenantID: tenant, Actor: Actor, Action: "create", ObjectType: "monitoring_assignment"}, nil)
		if err := g.design.CreateAssignment(ctx, a); err != nil {
			g.logger.Warn("cannot assign the template of a discovered type", "tenant", tenant, "type", short, "err", err)
			continue
		}
		g.logger.Info("template assigned to a discovered type", "tenant", tenant, "type", short, "template", t.Template, "selector", a.Selector)
	}
}
