package capacity

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/request"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/storage"
	"github.com/unyo-ops/unyo/internal/yearplan"
)

// YearlyPlans makes a tenant's yearly plan (yearplan.Service): what the
// accept endpoint turns into next year's drafts.
type YearlyPlans interface {
	Generate(ctx context.Context, tenant string, o yearplan.Options) (*yearplan.Plan, error)
}

// WithYearlyPlans lets h accept yearly plans made by plans; without it the
// accept endpoint answers 503.
func (h *Handlers) WithYearlyPlans(plans YearlyPlans) *Handlers {
	h.yearly = plans
	return h
}

// AcceptInput is what an accept names: which yearly plan (the first month
// it plans, as its document shows it), the target utilisation the customer
// saw, and optionally which groups.
type AcceptInput struct {
	From   string  `json:"from"`   // "YYYY-MM"
	Target float64 `json:"target"` // percent; 0: the default
	Groups []int64 `json:"groups"` // empty: every group with a forecast
}

// AcceptResult is the answer of an accept.
type AcceptResult struct {
	Origin   Origin     `json:"origin"`
	Accepted []Accepted `json:"accepted"`
	Skipped  []Skipped  `json:"skipped"`
}

// Skipped is a group the yearly plan has no draft for, with why.
type Skipped struct {
	Group int64  `json:"group"`
	Note  string `json:"note"` // the yearly plan's message key (e.g. no history)
}

// acceptYearly turns the yearly plan into a new draft version of each
// group's plan. The MSP accepts after the meeting (write scope: a customer
// viewer may not); the customer then approves the resulting version as any
// other. 201 when a draft was made, 200 when every draft existed already.
func (h *Handlers) acceptYearly(w http.ResponseWriter, r *http.Request) {
	response.ServeAs(w, r, h.tenant, model.ScopeWrite, func(tenant, actor string) (int, any, error) {
		if h.yearly == nil {
			return 0, nil, &response.StatusError{Status: http.StatusServiceUnavailable, Message: "the yearly plan is not available on this server"}
		}
		var in AcceptInput
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		out, err := h.store.AcceptYearlyPlan(r.Context(), h.yearly, tenant, in, actor, func(key string) context.Context {
			return response.Audited(r, tenant, "accept_yearly_plan", "capacity_plan", key, in)
		})
		if err != nil {
			return 0, nil, err
		}
		if out.Created() {
			return http.StatusCreated, out, nil
		}
		return http.StatusOK, out, nil
	})
}

// Created reports whether the accept made a draft.
func (a *AcceptResult) Created() bool {
	for _, x := range a.Accepted {
		if x.Created {
			return true
		}
	}
	return false
}

// AcceptYearlyPlan makes tenant's yearly plan with plans and accepts it as
// in says (see AcceptYearly): what the API and the console both call.
// audit gives the context that carries the audit entry of the change, given
// the origin's key.
func (s *Store) AcceptYearlyPlan(ctx context.Context, plans YearlyPlans, tenant string, in AcceptInput, actor string,
	audit func(key string) context.Context) (*AcceptResult, error) {
	if err := s.checkAccept(ctx, tenant, in); err != nil {
		return nil, err
	}
	p, err := plans.Generate(ctx, tenant, yearplan.Options{Target: in.Target})
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(p.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("capacity: yearly plan zone: %w", err)
	}
	if first := p.YearFrom.In(loc).Format("2006-01"); in.From != first {
		return nil, invalid.New("from", "the yearly plan now plans from %s, not %s: open it again and accept that one", first, in.From)
	}
	out := &AcceptResult{Origin: originOf(p, loc), Accepted: []Accepted{}, Skipped: []Skipped{}}
	docs, err := draftsOf(p, in.Groups, out)
	if err != nil {
		return nil, err
	}
	if len(docs) == 0 {
		return nil, invalid.New("groups", "no group has a forecast to accept (see the yearly plan's notes)")
	}
	if out.Accepted, err = s.AcceptYearly(audit(out.Origin.Key), tenant, out.Origin, docs, actor); err != nil {
		return nil, err
	}
	return out, nil
}

// checkAccept refuses a bad input before the plan is computed.
func (s *Store) checkAccept(ctx context.Context, tenant string, in AcceptInput) error {
	if _, err := time.Parse("2006-01", in.From); err != nil {
		return invalid.New("from", "is required: the first month of the yearly plan, YYYY-MM, got %q", in.From)
	}
	if in.Target != 0 && !(in.Target >= yearplan.MinTarget && in.Target <= yearplan.MaxTarget) || math.IsNaN(in.Target) {
		return invalid.New("target", "must be a utilisation in percent from %d to %d", yearplan.MinTarget, yearplan.MaxTarget)
	}
	if len(in.Groups) > 1000 {
		return invalid.New("groups", "at most 1000 groups")
	}
	for i, id := range in.Groups {
		_, err := s.Group(ctx, tenant, id)
		if errors.Is(err, storage.ErrNotFound) {
			return invalid.New(fmt.Sprintf("groups[%d]", i), "no capacity group %d", id)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// originOf is the origin of the drafts made from p.
func originOf(p *yearplan.Plan, loc *time.Location) Origin {
	from := p.YearFrom.In(loc)
	q := url.Values{"target": {fmt.Sprint(p.Target)}}.Encode()
	base := "/api/v1/tenants/" + url.PathEscape(p.Tenant) + "/yearly-plan"
	return Origin{Key: "yearly-plan/" + from.Format("2006-01"), Year: from.Year(), YearFrom: p.YearFrom, YearTo: p.YearTo,
		Target: p.Target, TimeZone: p.TimeZone, HistoryFrom: p.HistoryFrom, HistoryTo: p.HistoryTo, GeneratedAt: p.GeneratedAt,
		HTML: base + ".html?" + q, PDF: base + ".pdf?" + q}
}

// draftsOf maps p's drafts of the wanted groups (every group when none)
// onto documents, listing in out the groups it has none for.
func draftsOf(p *yearplan.Plan, want []int64, out *AcceptResult) (map[int64]Document, error) {
	drafts := map[int64]yearplan.Draft{}
	for _, d := range p.Drafts() {
		drafts[d.Group] = d
	}
	if len(want) == 0 {
		for _, g := range p.Groups {
			want = append(want, g.Group.ID)
		}
	}
	notes := map[int64]string{}
	for _, g := range p.Groups {
		notes[g.Group.ID] = g.Note
	}
	docs := map[int64]Document{}
	for _, id := range want {
		d, ok := drafts[id]
		if !ok {
			out.Skipped = append(out.Skipped, Skipped{Group: id, Note: notes[id]})
			continue
		}
		doc, err := DraftDocument(d)
		if err != nil {
			return nil, err
		}
		docs[id] = doc
	}
	return docs, nil
}
