package blueprint

import (
	"context"
	"fmt"
	"time"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/backup"
	"github.com/unyo-ops/unyo/internal/capacity"
	"github.com/unyo-ops/unyo/internal/channel"
	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/dashboard"
	"github.com/unyo-ops/unyo/internal/escalation"
	"github.com/unyo-ops/unyo/internal/maintenance"
	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/oncall"
	"github.com/unyo-ops/unyo/internal/report"
	"github.com/unyo-ops/unyo/internal/runbook"
	"github.com/unyo-ops/unyo/internal/servicenow"
	"github.com/unyo-ops/unyo/internal/statuspage"
	"github.com/unyo-ops/unyo/internal/storage"
)

// Stores are the repositories a design is read from and applied through:
// every write goes through a store's own method, with its validation,
// joined to the one transaction of the apply (database.WithTx); the apply
// writes one audit entry for all of them.
type Stores struct {
	Objects    *storage.Store
	Monitoring *monitoring.Store
	Channels   *channel.Store
	Policies   *escalation.Store
	Windows    *maintenance.Store
	Runbooks   *runbook.Store

	// People (kind_contact.go to kind_report.go).
	Rotations   *oncall.Store // contacts are the Channels store's
	Silences    *alert.Engine
	StatusPages *statuspage.Service
	Reports     *report.Service // the report schedule's recipients
	Clouds      *cloudaccount.Store
	ServiceNow  *servicenow.Configs
	Capacity    *capacity.Store
	Backups     *backup.Store
	Dashboards  *dashboard.Store
}

// object is one object a tenant holds, in the design's terms.
type object struct {
	id      int64
	design  any            // the design's value (Service, Template, ...)
	canon   map[string]any // what plans compare
	items   map[string]int64
	channel *channel.Channel
	stored  any // a table kind's stored model, for its sameSecrets
	// recorded is the form drift records, when design (what plans compare)
	// changes with time alone: a silence's start, dropped once passed.
	recorded any
}

// digest is the hash drift records and compares: of recorded when the
// kind gives one, else of what plans compare.
func (o *object) digest() string {
	if o.recorded != nil {
		return hash(canon(o.recorded))
	}
	return hash(o.canon)
}

// state is what a tenant holds, by kind and key.
type state struct {
	x    *ids
	objs map[string]map[string]*object
}

func (st *state) put(kind, key string, o *object) {
	if st.objs[kind] == nil {
		st.objs[kind] = map[string]*object{}
	}
	o.canon = canon(o.design)
	st.objs[kind][key] = o
}

// read reads what tenant holds of every kind at now; inside an apply's
// transaction it sees that transaction's writes.
func (s Stores) read(ctx context.Context, tenant string, now time.Time) (*state, error) {
	st := &state{x: newIDs(), objs: map[string]map[string]*object{}}
	st.x.now = now
	services, err := s.Objects.Services(ctx, tenant)
	if err != nil {
		return nil, err
	}
	for _, m := range services {
		st.x.setService(m.Name, m.ID)
		st.put(KindService, m.Name, &object{id: m.ID, design: serviceOf(m)})
	}
	runbooks, err := s.Runbooks.List(ctx, tenant)
	if err != nil {
		return nil, err
	}
	for _, m := range runbooks {
		if m.TenantID != tenant {
			continue // a global runbook: not the tenant's to design
		}
		st.x.setRunbook(m.Title, m.ID)
		st.put(KindRunbook, m.Title, &object{id: m.ID, design: runbookOf(m)})
	}
	channels, err := s.Channels.List(ctx, tenant)
	if err != nil {
		return nil, err
	}
	for _, m := range channels {
		st.put(KindChannel, m.Name, &object{id: m.ID, design: Channel{Name: m.Name, Type: m.Type, Config: m.Config}, channel: m})
	}
	resources, err := s.Objects.Resources(ctx, tenant, storage.ResourceFilter{})
	if err != nil {
		return nil, err
	}
	for _, m := range resources {
		st.x.setResource(m.Name, m.ID)
	}
	for _, m := range resources {
		st.put(KindResource, m.Name, &object{id: m.ID, design: resourceOf(m, st.x)})
	}
	if err := s.readMonitoring(ctx, tenant, st); err != nil {
		return nil, err
	}
	policies, err := s.Policies.List(ctx, tenant, false)
	if err != nil {
		return nil, err
	}
	for _, m := range policies {
		st.put(KindPolicy, m.Name, &object{id: m.ID, design: policyOf(m)})
	}
	for _, name := range Kinds {
		if k := kindNamed(name); k != nil {
			if err := k.read(ctx, s, tenant, st); err != nil {
				return nil, err
			}
		}
	}
	return st, nil
}

func (s Stores) readMonitoring(ctx context.Context, tenant string, st *state) error {
	templates, err := s.Monitoring.Templates(ctx, tenant)
	if err != nil {
		return err
	}
	for _, m := range templates {
		if m.TenantID != tenant || m.Builtin != "" {
			continue // global and built-in templates are not the tenant's to design
		}
		st.x.templates[m.Name] = m.ID
		o := &object{id: m.ID, design: templateOf(m, st.x), items: map[string]int64{}}
		for _, it := range m.Items {
			o.items[it.Name] = it.ID
		}
		st.put(KindTemplate, m.Name, o)
	}
	assignments, err := s.Monitoring.Assignments(ctx, tenant)
	if err != nil {
		return err
	}
	for _, m := range assignments {
		a := assignmentOf(m, st.x)
		st.put(KindAssignment, a.key(), &object{id: m.ID, design: a})
	}
	return nil
}

// globalTemplate finds a global template by name, for assignments of the
// built-in templates.
func (s Stores) globalTemplate(ctx context.Context, tenant, name string) (int64, error) {
	templates, err := s.Monitoring.Templates(ctx, tenant)
	if err != nil {
		return 0, err
	}
	for _, t := range templates {
		if t.TenantID == "" && t.Name == name {
			return t.ID, nil
		}
	}
	return 0, fmt.Errorf("no template %q", name)
}
