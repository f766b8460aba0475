package capacity

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/request"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/storage"
)

// pathVersion reads {id} and {version}.
func pathVersion(r *http.Request) (int64, int, error) {
	id, err := request.PathID(r, "capacity group")
	if err != nil {
		return 0, 0, err
	}
	n, err := strconv.Atoi(r.PathValue("version"))
	if err != nil || n <= 0 {
		return 0, 0, response.NotFound("no such plan version")
	}
	return id, n, nil
}

// versionInput is the body of a draft's create or update.
type versionInput struct {
	Document Document `json:"document"`
	Reason   string   `json:"reason"`
}

func (h *Handlers) listVersions(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "capacity group")
		if err != nil {
			return 0, nil, err
		}
		list, err := h.store.Versions(r.Context(), tenant, id)
		return http.StatusOK, list, err
	})
}

func (h *Handlers) createVersion(w http.ResponseWriter, r *http.Request) {
	response.ServeAs(w, r, h.tenant, model.ScopeWrite, func(tenant, actor string) (int, any, error) {
		id, err := request.PathID(r, "capacity group")
		if err != nil {
			return 0, nil, err
		}
		var in versionInput
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		v, err := h.store.CreateVersion(response.Audited(r, tenant, "create", "capacity_plan", "", in), tenant, id, in.Document, trim(in.Reason), actor)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, v, nil
	})
}

func (h *Handlers) getVersion(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		id, n, err := pathVersion(r)
		if err != nil {
			return 0, nil, err
		}
		v, err := h.store.Version(r.Context(), tenant, id, n)
		return http.StatusOK, v, err
	})
}

func (h *Handlers) updateVersion(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		id, n, err := pathVersion(r)
		if err != nil {
			return 0, nil, err
		}
		var in versionInput
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		v, err := h.store.UpdateDraft(response.Audited(r, tenant, "update", "capacity_plan", fmt.Sprintf("%d/v%d", id, n), in), tenant, id, n, in.Document, trim(in.Reason))
		return http.StatusOK, v, err
	})
}

func (h *Handlers) propose(w http.ResponseWriter, r *http.Request) {
	response.ServeAs(w, r, h.tenant, model.ScopeWrite, func(tenant, actor string) (int, any, error) {
		id, n, err := pathVersion(r)
		if err != nil {
			return 0, nil, err
		}
		v, err := h.store.Propose(response.Audited(r, tenant, "propose", "capacity_plan", fmt.Sprintf("%d/v%d", id, n), nil), tenant, id, n, actor)
		return http.StatusOK, v, err
	})
}

// approve records the customer's agreement. A user of the tenant (the
// customer viewer) approves as the customer. Anyone else (MSP staff, a
// token) records an agreement given elsewhere, and must name where with a
// reference; it is recorded as an MSP-side, documented approval.
func (h *Handlers) approve(w http.ResponseWriter, r *http.Request) {
	response.ServeAs(w, r, h.tenant, model.ScopeRead, func(tenant, actor string) (int, any, error) {
		id, n, err := pathVersion(r)
		if err != nil {
			return 0, nil, err
		}
		var in struct {
			Reference string `json:"reference"`
		}
		if r.ContentLength != 0 {
			if err := request.DecodeJSON(w, r, &in); err != nil {
				return 0, nil, err
			}
		}
		how, err := ApprovalBy(auth.FromContext(r.Context()), tenant, in.Reference)
		if err != nil {
			return 0, nil, err
		}
		ctx := response.Audited(r, tenant, "approve", "capacity_plan", fmt.Sprintf("%d/v%d", id, n), map[string]any{"approval": how, "reference": in.Reference})
		v, err := h.store.Approve(ctx, tenant, id, n, actor, how, trim(in.Reference))
		return http.StatusOK, v, err
	})
}

// activate runs an agreed version. With "emergency": true an MSP admin
// activates a version nobody agreed to, giving the reason; it is recorded
// as an emergency change.
func (h *Handlers) activate(w http.ResponseWriter, r *http.Request) {
	response.ServeAs(w, r, h.tenant, model.ScopeWrite, func(tenant, actor string) (int, any, error) {
		id, n, err := pathVersion(r)
		if err != nil {
			return 0, nil, err
		}
		var in struct {
			Emergency bool   `json:"emergency"`
			Reason    string `json:"reason"`
		}
		if r.ContentLength != 0 {
			if err := request.DecodeJSON(w, r, &in); err != nil {
				return 0, nil, err
			}
		}
		if in.Emergency && !MayEmergency(auth.FromContext(r.Context())) {
			return 0, nil, response.Forbidden("only an MSP admin may make an emergency change")
		}
		action := "activate"
		if in.Emergency {
			action = "activate_emergency"
		}
		ctx := response.Audited(r, tenant, action, "capacity_plan", fmt.Sprintf("%d/v%d", id, n), in)
		v, err := h.store.Activate(ctx, tenant, id, n, actor, in.Emergency, trim(in.Reason))
		return http.StatusOK, v, err
	})
}

func (h *Handlers) diff(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		g, err := h.group(r, tenant)
		if err != nil {
			return 0, nil, err
		}
		id := g.ID
		from, err := queryInt(r, "from", 0, 1, 1<<30)
		if err != nil || from == 0 {
			return 0, nil, invalid.New("from", "is required: a version number")
		}
		to, err := queryInt(r, "to", 0, 1, 1<<30)
		if err != nil || to == 0 {
			return 0, nil, invalid.New("to", "is required: a version number")
		}
		a, err := h.store.Version(r.Context(), tenant, id, from)
		if errors.Is(err, storage.ErrNotFound) {
			return 0, nil, invalid.New("from", "no version %d", from)
		}
		if err != nil {
			return 0, nil, err
		}
		b, err := h.store.Version(r.Context(), tenant, id, to)
		if errors.Is(err, storage.ErrNotFound) {
			return 0, nil, invalid.New("to", "no version %d", to)
		}
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, map[string]any{"from": from, "to": to, "reason": b.Reason, "changes": Diff(a.Document, b.Document)}, nil
	})
}

// Calendar is a plan laid out over a period: the segments of its count
// with the events covering each (the console's week and month views).
type Calendar struct {
	Version  int       `json:"version"`
	State    State     `json:"state"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Segments []Segment `json:"segments"`
	Events   []Event   `json:"events"`
}

func (h *Handlers) calendar(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		g, err := h.group(r, tenant)
		if err != nil {
			return 0, nil, err
		}
		n, err := queryInt(r, "version", 0, 0, 1<<30)
		if err != nil {
			return 0, nil, err
		}
		from, to, err := h.period(r, 0)
		if err != nil && r.URL.Query().Get("from") != "" {
			return 0, nil, err
		}
		if r.URL.Query().Get("from") == "" {
			from, to = h.now(), h.now().Add(7*24*time.Hour)
		}
		if to.Sub(from) > 45*24*time.Hour {
			return 0, nil, invalid.New("to", "at most 45 days after from")
		}
		out, err := h.store.Calendar(r.Context(), g, n, from, to)
		return http.StatusOK, out, err
	})
}
