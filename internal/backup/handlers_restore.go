package backup

import (
	"net/http"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/request"
	"github.com/unyo-ops/unyo/internal/response"
)

// restoreInput is the body of a restore test's record.
type restoreInput struct {
	StartedAt    string        `json:"started_at"`
	FinishedAt   string        `json:"finished_at"`
	PerformedBy  string        `json:"performed_by"`
	Restored     string        `json:"restored"`
	Verification string        `json:"verification"`
	Result       RestoreResult `json:"result"`
}

// test reads the input's times, naming the field at fault; who did it
// defaults to the caller.
func (in restoreInput) test(r *http.Request, tenant string, policy int64) (*RestoreTest, error) {
	rt := &RestoreTest{TenantID: tenant, PolicyID: policy, PerformedBy: in.PerformedBy, Restored: in.Restored,
		Verification: in.Verification, Result: in.Result}
	if rt.PerformedBy == "" {
		rt.PerformedBy = response.Actor(r)
	}
	for _, f := range []struct {
		name, v string
		dst     *time.Time
	}{{"started_at", in.StartedAt, &rt.StartedAt}, {"finished_at", in.FinishedAt, &rt.FinishedAt}} {
		if f.v == "" {
			return nil, invalid.New(f.name, "is required: an RFC 3339 time")
		}
		t, err := time.Parse(time.RFC3339Nano, f.v)
		if err != nil {
			return nil, invalid.New(f.name, "must be an RFC 3339 time, not %q", f.v)
		}
		*f.dst = t
	}
	return rt, nil
}

// addRestoreTest records a restore test performed (audited).
func (h *Handlers) addRestoreTest(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "backup policy")
		if err != nil {
			return 0, nil, err
		}
		var in restoreInput
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		rt, err := in.test(r, tenant, id)
		if err != nil {
			return 0, nil, err
		}
		if err := h.store.AddRestoreTest(response.Audited(r, tenant, "create", "backup_restore_test", "", in), rt); err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, rt, nil
	})
}

// listRestoreTests lists a policy's restore tests, newest first, each
// measured against the effective RTO.
func (h *Handlers) listRestoreTests(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "backup policy")
		if err != nil {
			return 0, nil, err
		}
		list, err := h.store.RestoreTests(r.Context(), tenant, id, time.Time{}, time.Time{})
		return http.StatusOK, list, err
	})
}
