package change

import (
	"context"
	_ "embed"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/capacity"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/maintenance"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/request"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/route"
)

//go:embed openapi_paths.json
var openAPIPaths []byte

// Handlers serves the change API.
type Handlers struct {
	store  *Store
	tenant route.Authorizer
	logger *slog.Logger
}

// NewHandlers returns the handlers over store; tenant authorises the
// {tenant} of the path (api.(*API).PathTenant).
func NewHandlers(store *Store, tenant route.Authorizer, logger *slog.Logger) *Handlers {
	if logger == nil {
		logger = slog.Default()
	}
	return &Handlers{store: store, tenant: tenant, logger: logger}
}

// OpenAPI returns the document fragment of Routes.
func (h *Handlers) OpenAPI() []byte { return openAPIPaths }

const prefix = "/api/v1/tenants/{tenant}/changes"

// Routes is the route table; openapi_paths.json lists exactly these.
func (h *Handlers) Routes() []route.Route {
	return []route.Route{
		{Method: "GET", Path: prefix, Handler: h.list},
		{Method: "POST", Path: prefix, Handler: h.create},
		{Method: "GET", Path: prefix + "/{id}", Handler: h.get},
		{Method: "PUT", Path: prefix + "/{id}", Handler: h.update},
		{Method: "POST", Path: prefix + "/{id}/submit", Handler: h.submit},
		{Method: "POST", Path: prefix + "/{id}/approve", Handler: h.decide(true)},
		{Method: "POST", Path: prefix + "/{id}/reject", Handler: h.decide(false)},
		{Method: "POST", Path: prefix + "/{id}/state", Handler: h.move},
		{Method: "POST", Path: prefix + "/{id}/incidents", Handler: h.link},
		{Method: "GET", Path: "/api/v1/tenants/{tenant}/incidents/{id}/caused-by-change", Handler: h.causeOf},
		{Method: "GET", Path: "/api/v1/tenants/{tenant}/change-calendar", Handler: h.calendar},
	}
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		var from, to time.Time
		if r.URL.Query().Has("from") || r.URL.Query().Has("to") {
			var err error
			if from, to, err = Range(r); err != nil {
				return 0, nil, err
			}
		}
		list, err := h.store.List(r.Context(), tenant, from, to)
		return http.StatusOK, list, err
	})
}

func (h *Handlers) get(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "change")
		if err != nil {
			return 0, nil, err
		}
		c, err := h.store.Get(r.Context(), tenant, id)
		return http.StatusOK, c, err
	})
}

func (h *Handlers) create(w http.ResponseWriter, r *http.Request) {
	response.ServeAs(w, r, h.tenant, model.ScopeWrite, func(tenant, actor string) (int, any, error) {
		var f Fields
		if err := request.DecodeJSON(w, r, &f); err != nil {
			return 0, nil, err
		}
		c, err := h.store.Create(response.Audited(r, tenant, "create", "change", "", nil), tenant, actor, f)
		return http.StatusCreated, c, err
	})
}

func (h *Handlers) update(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "change")
		if err != nil {
			return 0, nil, err
		}
		var f Fields
		if err := request.DecodeJSON(w, r, &f); err != nil {
			return 0, nil, err
		}
		c, err := h.store.Update(response.Audited(r, tenant, "update", "change", "", f), tenant, id, f)
		return http.StatusOK, c, err
	})
}

// submit sends a draft on. An emergency change is authorised by its
// submitter, who must be an MSP admin: it is recorded as an emergency.
func (h *Handlers) submit(w http.ResponseWriter, r *http.Request) {
	response.ServeAs(w, r, h.tenant, model.ScopeWrite, func(tenant, actor string) (int, any, error) {
		id, err := request.PathID(r, "change")
		if err != nil {
			return 0, nil, err
		}
		c, err := h.store.Get(r.Context(), tenant, id)
		if err != nil {
			return 0, nil, err
		}
		if err := MaySubmit(auth.FromContext(r.Context()), c.Type); err != nil {
			return 0, nil, err
		}
		c, err = h.store.Submit(response.Audited(r, tenant, "submit", "change", "", map[string]any{"type": c.Type}), tenant, id, actor)
		return http.StatusOK, c, err
	})
}

// MaySubmit says whether p may submit a change of type t: anyone who may
// write the tenant's changes, but an emergency change only an MSP admin.
func MaySubmit(p *auth.Principal, t Type) error {
	if t == TypeEmergency && !capacity.MayEmergency(p) {
		return response.Forbidden("only an MSP admin may authorise an emergency change")
	}
	return nil
}

// ApprovalBy decides how p may approve or reject a change of tenant: the
// rules of operation plans (capacity.ApprovalBy). The customer's user
// decides as the customer; MSP staff only record a decision the customer
// gave elsewhere, naming where with reference.
func ApprovalBy(p *auth.Principal, tenant, reference string) (Approval, error) {
	how, err := capacity.ApprovalBy(p, tenant, reference)
	return Approval(how), err
}

// decide approves (or rejects) a requested normal change; see ApprovalBy.
func (h *Handlers) decide(approve bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		response.ServeAs(w, r, h.tenant, model.ScopeRead, func(tenant, actor string) (int, any, error) {
			id, err := request.PathID(r, "change")
			if err != nil {
				return 0, nil, err
			}
			var in struct {
				Reference string `json:"reference"`
				Reason    string `json:"reason"`
			}
			if r.ContentLength != 0 {
				if err := request.DecodeJSON(w, r, &in); err != nil {
					return 0, nil, err
				}
			}
			in.Reference, in.Reason = strings.TrimSpace(in.Reference), strings.TrimSpace(in.Reason)
			how, err := ApprovalBy(auth.FromContext(r.Context()), tenant, in.Reference)
			if err != nil {
				return 0, nil, err
			}
			detail := map[string]any{"approval": how, "reference": in.Reference}
			if !approve {
				detail["reason"] = in.Reason
				c, err := h.store.Reject(response.Audited(r, tenant, "reject", "change", "", detail), tenant, id, actor, rejectText(in.Reason, how, in.Reference))
				return http.StatusOK, c, err
			}
			c, err := h.store.Approve(response.Audited(r, tenant, "approve", "change", "", detail), tenant, id, actor, how, in.Reference)
			return http.StatusOK, c, err
		})
	}
}

// rejectText keeps the reference of a refusal MSP staff record with its reason.
func rejectText(reason string, how Approval, ref string) string {
	if how == ApprovalDocumented && reason != "" {
		return reason + " (" + ref + ")"
	}
	return reason
}

func (h *Handlers) move(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "change")
		if err != nil {
			return 0, nil, err
		}
		var in struct {
			State  State  `json:"state"`
			Result string `json:"result"`
		}
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		c, err := h.store.Move(response.Audited(r, tenant, "transition", "change", "", in), tenant, id, in.State, strings.TrimSpace(in.Result))
		return http.StatusOK, c, err
	})
}

func (h *Handlers) link(w http.ResponseWriter, r *http.Request) {
	response.ServeAs(w, r, h.tenant, model.ScopeWrite, func(tenant, actor string) (int, any, error) {
		id, err := request.PathID(r, "change")
		if err != nil {
			return 0, nil, err
		}
		var in struct {
			IncidentID int64  `json:"incident_id"`
			Note       string `json:"note"`
		}
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		l, err := h.store.LinkIncident(response.Audited(r, tenant, "link_incident", "change", "", in), tenant, id, in.IncidentID, strings.TrimSpace(in.Note), actor)
		return http.StatusOK, l, err
	})
}

// causeOf is the incident's side of the link: the change that caused it.
func (h *Handlers) causeOf(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "incident")
		if err != nil {
			return 0, nil, err
		}
		l, err := h.store.CauseOf(r.Context(), tenant, id)
		if err == nil && l == nil {
			err = response.NotFound("no change is linked as the cause of this incident")
		}
		return http.StatusOK, l, err
	})
}

// CalendarEntry is one maintenance occurrence on the change calendar.
type CalendarEntry struct {
	WindowID int64     `json:"window_id"`
	Name     string    `json:"name"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
}

// Calendar is what the change calendar shows over a range.
type Calendar struct {
	From    time.Time       `json:"from"`
	To      time.Time       `json:"to"`
	Changes []*Change       `json:"changes"`
	Windows []CalendarEntry `json:"maintenance"`
}

func (h *Handlers) calendar(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		from, to, err := Range(r)
		if err != nil {
			return 0, nil, err
		}
		cal, err := h.store.Calendar(r.Context(), tenant, from, to)
		return http.StatusOK, cal, err
	})
}

// Calendar returns the changes of tenant and the occurrences of its
// maintenance windows in [from, to).
func (s *Store) Calendar(ctx context.Context, tenant string, from, to time.Time) (*Calendar, error) {
	cal := &Calendar{From: from, To: to, Windows: []CalendarEntry{}}
	var err error
	if cal.Changes, err = s.List(ctx, tenant, from, to); err != nil {
		return nil, err
	}
	wins, err := s.windows.List(ctx, tenant)
	if err != nil {
		return nil, err
	}
	for _, mw := range wins {
		for _, iv := range occurrences(mw, from, to) {
			cal.Windows = append(cal.Windows, CalendarEntry{WindowID: mw.ID, Name: mw.Name, Start: iv.Start, End: iv.End})
		}
	}
	return cal, nil
}

func occurrences(mw *maintenance.Stored, from, to time.Time) []maintenance.Interval {
	sched, err := mw.Window.Compile()
	if err != nil {
		return nil
	}
	return sched.Occurrences(from, to)
}

// maxRange bounds a calendar query: a little over a month view.
const maxRange = 42 * 24 * time.Hour

// Range reads from and to (RFC 3339) of a calendar query, at most 42 days apart.
func Range(r *http.Request) (from, to time.Time, err error) {
	q := r.URL.Query()
	if from, err = time.Parse(time.RFC3339, q.Get("from")); err != nil {
		return from, to, invalid.New("from", "must be an RFC 3339 time, not %q", q.Get("from"))
	}
	if to, err = time.Parse(time.RFC3339, q.Get("to")); err != nil {
		return from, to, invalid.New("to", "must be an RFC 3339 time, not %q", q.Get("to"))
	}
	if !to.After(from) || to.Sub(from) > maxRange {
		return from, to, invalid.New("to", "must be after from and at most %d days later", int(maxRange/(24*time.Hour)))
	}
	return from, to, nil
}
