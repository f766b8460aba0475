package blueprint

import (
	"context"
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
