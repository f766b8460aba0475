// Package response writes JSON answers and turns errors into HTTP statuses in
// one place: bad input is 400 naming the field, a missing or foreign row is
// 404, a duplicate is 409, anything unexpected is 500 and logged.
package response

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/storage"
)

// Body is the JSON of every error answer.
type Body struct {
	Error  string `json:"error"`
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason,omitempty"`
	Limit  string `json:"limit,omitempty"` // the limit a refused request was over
}

// StatusError is an error that carries its own HTTP status.
type StatusError struct {
	Status  int
	Message string
}

func (e *StatusError) Error() string { return e.Message }

// OverLimit is an error of a request refused because its tenant is over a
// limit (internal/limits.Error), or a sign-in refused by the throttle
// (internal/throttle.Refused): the status to answer, the limit's name for
// the body, and the Retry-After header ("" when retrying cannot help).
type OverLimit interface {
	error
	HTTPStatus() int
	LimitName() string
	RetryAfterHeader() string
}

// Forbidden returns a 403 error with msg.
func Forbidden(msg string) error { return &StatusError{http.StatusForbidden, msg} }

// NotFound returns a 404 error with msg.
func NotFound(msg string) error { return &StatusError{http.StatusNotFound, msg} }

// JSON writes v with status.
func JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	if v != nil {
		json.NewEncoder(w).Encode(v)
	}
}

// Error writes err as a JSON error answer with the status it calls for.
func Error(w http.ResponseWriter, r *http.Request, err error) {
	status, body := classify(err)
	var ol OverLimit
	if errors.As(err, &ol) && ol.RetryAfterHeader() != "" {
		w.Header().Set("Retry-After", ol.RetryAfterHeader())
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="unyo", charset="UTF-8"`)
	}
	if status >= 500 {
		slog.Default().Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	JSON(w, status, body)
}

func classify(err error) (int, Body) {
	var (
		se  *StatusError
		mbe *http.MaxBytesError
		ol  OverLimit
	)
	if errors.As(err, &ol) {
		return ol.HTTPStatus(), Body{Error: ol.Error(), Limit: ol.LimitName()}
	}
	if e, ok := invalid.As(err); ok {
		return http.StatusBadRequest, Body{Error: e.Error(), Field: e.Field, Reason: e.Reason}
	}
	switch {
	case errors.As(err, &se):
		return se.Status, Body{Error: se.Message}
	case errors.As(err, &mbe):
		return http.StatusRequestEntityTooLarge, Body{Error: "request body is larger than the limit", Field: "body"}
	case errors.Is(err, auth.ErrUnauthenticated):
		return http.StatusUnauthorized, Body{Error: err.Error()}
	case errors.Is(err, storage.ErrNotFound):
		return http.StatusNotFound, Body{Error: "not found"}
	case errors.Is(err, storage.ErrConflict):
		return http.StatusConflict, Body{Error: "already exists"}
	}
	return http.StatusInternalServerError, Body{Error: "internal error"}
}
