package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/storage"
)

const maxBody = 1 << 20

// decode reads a JSON body into v, refusing unknown fields, and names the
// offending field in its error.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	return decodeLimit(w, r, v, maxBody)
}

// decodeLimit is decode with a body limit of its own.
func decodeLimit(w http.ResponseWriter, r *http.Request, v any, limit int64) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	var (
		se  *json.SyntaxError
		te  *json.UnmarshalTypeError
		mbe *http.MaxBytesError
	)
	switch {
	case err == nil:
		if dec.More() {
			return invalid.New("body", "must hold one JSON value")
		}
		return nil
	case errors.Is(err, io.EOF):
		return invalid.New("body", "is empty: a JSON object is required")
	case errors.As(err, &mbe):
		return err
	case errors.As(err, &se):
		return invalid.New("body", "is not valid JSON at byte %d: %v", se.Offset, err)
	case errors.As(err, &te) && te.Type == reflect.TypeFor[model.Duration]():
		return invalid.New(te.Field, "must be a duration such as \"30m\" or \"4h\", not %s", te.Value)
	case errors.As(err, &te):
		return invalid.New(te.Field, "must be %s, not %s", jsonType(te.Type), te.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return invalid.New(field, "is not a known field")
	}
	// Errors from a field's own UnmarshalJSON (durations) name no field; say what we know.
	return invalid.New("body", "%v", err)
}

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, response.NotFound("no such " + name)
	}
	return id, nil
}

// PathTenant is the route.Authorizer of paths with {tenant}: it authorises
// the caller for the path's tenant with scope and returns the tenant ID. A
// tenant the caller may not see answers 404, the same as one that does not
// exist, so tenants cannot be discovered.
func (a *API) PathTenant(r *http.Request, scope model.Scope) (string, error) {
	p := auth.FromContext(r.Context())
	id := r.PathValue("tenant")
	if !p.CanAccessTenant(id) {
		return "", response.NotFound("no such tenant")
	}
	if !p.Can(scope) {
		return "", response.Forbidden("this needs the " + string(scope) + " scope")
	}
	if _, err := a.store.Tenant(r.Context(), id); err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return "", response.NotFound("no such tenant")
		}
		return "", err
	}
	return id, nil
}

// require checks a scope for callers working across all tenants.
func require(r *http.Request, scope model.Scope, global bool) error {
	p := auth.FromContext(r.Context())
	if !p.Can(scope) || (global && !p.Global()) {
		msg := "this needs the " + string(scope) + " scope"
		if global {
			msg += " across all tenants"
		}
		return response.Forbidden(msg)
	}
	return nil
}

func (a *API) audit(r *http.Request, tenant, action, objType, objID string, detail any) {
	p := auth.FromContext(r.Context())
	err := a.store.Audit(r.Context(), storage.AuditEntry{
		TenantID: tenant, Actor: p.Name, Action: action, ObjectType: objType, ObjectID: objID,
	}, detail)
	if err != nil {
		a.logger.Error("audit failed", "action", action, "object", objType, "err", err)
	}
}

// jsonType names a Go type the way a JSON client thinks of it.
func jsonType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint, reflect.Uint64:
		return "an integer"
	case reflect.Float64, reflect.Float32:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return t.String()
}
