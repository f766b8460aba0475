package blueprint

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/storage"
)

// Planner plans and applies designs to tenants.
type Planner struct {
	db     *sql.DB
	stores Stores
	now    func() time.Time
	after  []func(tenant string)
}

// NewPlanner returns a Planner writing through stores on db.
func NewPlanner(db *sql.DB, stores Stores) *Planner {
	return &Planner{db: db, stores: stores, now: time.Now}
}

// SetClock makes the planner read the time from now instead of the
// system's clock: what plans compare time-bound objects (silences) at,
// and the time the audit log and the drift records are written at.
func (s *Planner) SetClock(now func() time.Time) { s.now = now }

// AfterApply adds a function told, after an apply commits, which tenant
// changed: caches built on the tenant's objects reload there (a store
// that reloaded during the apply read the state before it).
func (s *Planner) AfterApply(f func(tenant string)) { s.after = append(s.after, f) }

// Request is what plan and apply take: the whole design of one tenant.
type Request struct {
	Design Design `json:"design"`
	Prune  bool   `json:"prune,omitempty"`  // delete what the design does not name
	Commit string `json:"commit,omitempty"` // the design's commit, for the audit log
}

// desired is one object of the design, with its canonical form.
type desired struct {
	kind, key string
	design    any // what the writer is given
	canon     map[string]any
}

// Plan computes the plan of req against what tenant holds now.
func (s *Planner) Plan(ctx context.Context, tenant string, req *Request) (*Plan, error) {
	var plan *Plan
	err := database.InTx(ctx, s.db, func(tx *sql.Tx) error {
		var err error
		plan, _, _, err = s.plan(database.WithTx(ctx, tx), tenant, req)
		return err
	})
	return plan, err
}

func (s *Planner) plan(ctx context.Context, tenant string, req *Request) (*Plan, *state, []desired, error) {
	if req.Design.Tenant != tenant {
		return nil, nil, nil, invalid.New("design.tenant", "is %q but the request is for tenant %q", req.Design.Tenant, tenant)
	}
	now := s.now()
	if err := check(&req.Design, now); err != nil {
		return nil, nil, nil, err
	}
	st, err := s.stores.read(ctx, tenant, now)
	if err != nil {
		return nil, nil, nil, err
	}
	if st.objs[KindTenant] == nil && req.Design.TenantSettings == nil {
		return nil, nil, nil, response.NotFound("no tenant " + tenant + ": a design creates its tenant only when it gives tenant_settings")
	}
	want, err := s.desired(ctx, tenant, req, st, now)
	if err != nil {
		return nil, nil, nil, err
	}
	plan := &Plan{Tenant: tenant, Changes: []Change{}, Unmanaged: []Ref{}, Drift: []Ref{}}
	named := map[string]map[string]bool{}
	for _, d := range want {
		if named[d.kind] == nil {
			named[d.kind] = map[string]bool{}
		}
		named[d.kind][d.key] = true
		cur := st.objs[d.kind][d.key]
		if cur == nil {
			plan.Changes = append(plan.Changes, Change{Action: Create, Kind: d.kind, Key: d.key})
			continue
		}
		fields := diff("", cur.canon, d.canon)
		if d.kind == KindTemplate {
			fields = append(fields, s.templateSecrets(tenant, cur, d.design.(Template))...)
		}
		if k, ok := kindNamed(d.kind).(secretive); ok && len(fields) == 0 && !k.sameSecrets(cur, d.design) {
			fields = []FieldChange{{Field: secretField(k), Old: "(secret)", New: "(secret)"}}
		}
		if len(fields) > 0 {
			plan.Changes = append(plan.Changes, Change{Action: Update, Kind: d.kind, Key: d.key, Fields: fields})
		}
	}
	for _, kind := range Kinds {
		if kind == KindTenant {
			continue // never pruned: deleting a customer stays an MSP admin's action in the console or the API
		}
		for _, key := range sortedKeys(st.objs[kind]) {
			if named[kind][key] {
				continue
			}
			if req.Prune {
				plan.Changes = append(plan.Changes, Change{Action: Delete, Kind: kind, Key: key})
			} else {
				plan.Unmanaged = append(plan.Unmanaged, Ref{kind, key})
			}
		}
	}
	sortChanges(plan.Changes)
	if plan.Drift, err = s.drift(ctx, tenant, st); err != nil {
		return nil, nil, nil, err
	}
	return plan, st, want, nil
}

// Check validates a design received whole (the API's input): the same
// rules as the loader's, naming the field of the first refusal.
func Check(d *Design) error { return check(d, time.Now()) }

func check(d *Design, now time.Time) error {
	l := &loader{tenant: d.Tenant, origin: map[string]origin{}, now: now}
	l.trees = []*tree{{file: "design", pos: map[string]Position{}, keys: map[string]Position{}}}
	l.validate(d)
	if len(l.probs) > 0 {
		p := l.probs[0]
		return invalid.New("design."+p.Field, "%s", p.Reason)
	}
	return nil
}

// desired lists the design's objects in their canonical forms, as they
// will read back once stored (normalised by their own packages' rules).
func (s *Planner) desired(ctx context.Context, tenant string, req *Request, st *state, now time.Time) ([]desired, error) {
	d := &req.Design
	x := newIDs() // names only: IDs do not appear in the canonical forms
	x.now = now
	var out []desired
	for _, name := range Kinds {
		err := kindNamed(name).want(d, tenant, x, func(key string, shown, written any) {
			out = append(out, desired{name, key, written, canon(shown)})
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Result is what an apply did.
type Result struct {
	Plan    *Plan  `json:"plan"`
	Commit  string `json:"commit,omitempty"`
	Applied bool   `json:"applied"` // false: the plan was empty, nothing was written
}

// Apply makes tenant hold req's design, in one transaction: every change,
// the drift records and the audit entry commit together or not at all.
func (s *Planner) Apply(ctx context.Context, tenant, actor string, req *Request) (*Result, error) {
	var res *Result
	err := database.InTx(ctx, s.db, func(tx *sql.Tx) error {
		ctx := database.WithTx(ctx, tx)
		plan, st, want, err := s.plan(ctx, tenant, req)
		if err != nil {
			return err
		}
		res = &Result{Plan: plan, Commit: req.Commit, Applied: !plan.Empty()}
		byKey := map[string]desired{}
		for _, d := range want {
			byKey[d.kind+"\x00"+d.key] = d
		}
		w := &writer{s: s, tenant: tenant, actor: actor, st: st, commit: req.Commit}
		for _, c := range plan.Changes {
			if err := w.change(ctx, c, byKey[c.Kind+"\x00"+c.Key]); err != nil {
				return fmt.Errorf("%s %s %q: %w", c.Action, c.Kind, c.Key, err)
			}
		}
		if err := s.record(ctx, tenant, actor, req.Commit, want, res.Applied); err != nil {
			return err
		}
		if !res.Applied {
			return nil
		}
		return storage.AuditIn(ctx, tx, storage.AuditEntry{TenantID: tenant, Actor: actor, Action: "apply", ObjectType: "design", ObjectID: commitOr(req.Commit)},
			auditDetail(req.Commit, plan), s.now())
	})
	if err != nil {
		return nil, err
	}
	if res.Applied {
		for _, f := range s.after {
			f(tenant)
		}
	}
	return res, nil
}

func commitOr(commit string) string {
	if commit == "" {
		return "(no commit)"
	}
	return commit
}

// auditDetail is the apply's audit entry: the commit and what changed (no
// values: a channel's config may hold secrets).
func auditDetail(commit string, p *Plan) map[string]any {
	changes := make([]string, len(p.Changes))
	for i, c := range p.Changes {
		changes[i] = c.Action + " " + c.Kind + " " + c.Key
	}
	return map[string]any{"commit": commit, "changes": changes}
}
