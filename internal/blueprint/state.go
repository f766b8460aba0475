package blueprint

import (
	"context"
	"database/sql"
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
	"github.com/unyo-ops/unyo/internal/secret"
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

// NewStores returns the stores a design is applied through: those of own
// (the server's, with their caches and wiring), and every one own leaves
// nil made new on db, tenants' objects through objects and secrets sealed
// by box, wired to one another as the server wires them (escalation steps
// and rotations check their targets among the channels and contacts,
// backups find their cloud accounts). The one place a kind's store is
// made: a new kind adds its line here and the server's in own.
func NewStores(db *sql.DB, objects *storage.Store, box *secret.Box, own Stores) Stores {
	s := own
	s.Objects = objects
	if s.Monitoring == nil {
		s.Monitoring = monitoring.NewStore(db, objects)
		s.Monitoring.SealWith(box) // snmp and zabbix items' secrets
	}
	if s.Channels == nil {
		s.Channels = channel.NewStore(db, objects, box, channel.Builder{})
	}
	if s.Rotations == nil {
		channels := s.Channels
		s.Rotations = oncall.NewStore(db, func(ctx context.Context, tenant, name string) (bool, error) {
			return channels.TargetExists(ctx, tenant, channel.ContactPrefix+name) // members are contacts
		})
	}
	if s.Policies == nil {
		s.Policies = escalation.NewStore(db, objects, s.Channels.TargetExists)
		s.Policies.SetOnCall(s.Rotations.Resolve) // steps may notify whoever is on call
	}
	if s.Windows == nil {
		s.Windows = maintenance.NewStore(db, objects)
	}
	if s.Runbooks == nil {
		s.Runbooks = runbook.NewStore(db)
	}
	if s.Silences == nil {
		s.Silences = alert.New(alert.NewStore(db), nil, nil, nil, alert.Options{}, nil)
	}
	if s.StatusPages == nil {
		s.StatusPages = statuspage.NewService(statuspage.Options{Store: statuspage.NewStore(db)})
	}
	if s.Reports == nil {
		s.Reports = report.NewService(nil, report.NewStore(db), nil, nil, nil)
	}
	if s.Clouds == nil {
		s.Clouds = cloudaccount.NewStore(db, box)
	}
	if s.ServiceNow == nil {
		s.ServiceNow = servicenow.NewConfigs(db, box)
	}
	if s.Capacity == nil {
		s.Capacity = capacity.NewStore(db, objects, box, map[string]capacity.Factory{})
	}
	if s.Backups == nil {
		s.Backups = backup.NewStore(db, objects)
		s.Backups.SetAccounts(s.Clouds)
	}
	if s.Dashboards == nil {
		s.Dashboards = dashboard.NewStore(db)
	}
	return s
}

// object is one object a tenant holds, in the design's terms.
type object struct {
	id     int64
	design any            // the design's value (Service, Template, ...)
	canon  map[string]any // what plans compare
	items  map[string]int64
	stored any // a table kind's stored model, for its sameSecrets
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
	for _, name := range Kinds {
		if err := kindNamed(name).read(ctx, s, tenant, st); err != nil {
			return nil, err
		}
	}
	return st, nil
}
