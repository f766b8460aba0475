package request

import (
	"context"
	"net/http"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/response"
)

// Record serves reading, updating and deleting one tenant-owned record
// addressed by the path's {id}: authorise the caller, read the id, load the
// record within the caller's tenant, decode the body strictly onto it and
// store it with its audit entry. It is the glue each domain package's
// handlers would otherwise repeat; the rules stay in the store. T is the
// record, I the JSON input a client sends to change it.
type Record[T, I any] struct {
	Authz  func(*http.Request, model.Scope) (string, error) // a route.Authorizer
	Noun   string                                           // names the record in "no such …" ("backup policy")
	Object string                                           // the audit log's object type ("backup_policy")
	// Get loads the record id of tenant, or fails with a not-found error.
	Get func(ctx context.Context, tenant string, id int64) (*T, error)
	// Apply sets the record's editable fields from the input.
	Apply func(in I, rec *T)
	// Update stores the changed record; ctx carries the audit entry.
	Update func(ctx context.Context, rec *T) error
	// Delete removes the record id of tenant; ctx carries the audit entry.
	Delete func(ctx context.Context, tenant string, id int64) error
}

// Read answers the record.
func (rc Record[T, I]) Read(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, rc.Authz, model.ScopeRead, func(tenant string) (int, any, error) {
		id, err := PathID(r, rc.Noun)
		if err != nil {
			return 0, nil, err
		}
		rec, err := rc.Get(r.Context(), tenant, id)
		return http.StatusOK, rec, err
	})
}

// Write applies the body to the record, stores it and answers it.
func (rc Record[T, I]) Write(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, rc.Authz, model.ScopeWrite, func(tenant string) (int, any, error) {
		id, err := PathID(r, rc.Noun)
		if err != nil {
			return 0, nil, err
		}
		rec, err := rc.Get(r.Context(), tenant, id)
		if err != nil {
			return 0, nil, err
		}
		var in I
		if err := DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		rc.Apply(in, rec)
		if err := rc.Update(response.Audited(r, tenant, "update", rc.Object, "", in), rec); err != nil {
			return 0, nil, err
		}
		return http.StatusOK, rec, nil
	})
}

// Remove deletes the record and answers 204.
func (rc Record[T, I]) Remove(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, rc.Authz, model.ScopeWrite, func(tenant string) (int, any, error) {
		id, err := PathID(r, rc.Noun)
		if err != nil {
			return 0, nil, err
		}
		if err := rc.Delete(response.Audited(r, tenant, "delete", rc.Object, "", nil), tenant, id); err != nil {
			return 0, nil, err
		}
		return http.StatusNoContent, nil, nil
	})
}
