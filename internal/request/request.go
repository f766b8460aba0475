// Package request reads what a client sends to the JSON API: the body,
// strictly, with an error that names the refused field and the reason.
package request

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/response"
)

// MaxBody is the body size DecodeJSON accepts.
const MaxBody = 1 << 20

// DecodeJSON reads one JSON value into v, refusing unknown fields and bodies
// over MaxBody, and names the offending field in its error.
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	return DecodeJSONLimit(w, r, v, MaxBody)
}

// DecodeJSONLimit is DecodeJSON with a body limit of its own.
func DecodeJSONLimit(w http.ResponseWriter, r *http.Request, v any, limit int64) error {
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
	case errors.Is(err, io.ErrUnexpectedEOF):
		return invalid.New("body", "is not valid JSON: it ends too early")
	case errors.As(err, &mbe):
		return err
	case errors.As(err, &se):
		return invalid.New("body", "is not valid JSON at byte %d: %v", se.Offset, err)
	case errors.As(err, &te) && te.Type == reflect.TypeFor[model.Duration]():
		return invalid.New(te.Field, "must be a duration such as \"30s\", \"15m\" or \"4h\", not %s", te.Value)
	case errors.As(err, &te):
		return invalid.New(te.Field, "must be %s, not %s", jsonType(te.Type), te.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return invalid.New(field, "is not a known field")
	}
	// Errors from a field's own UnmarshalJSON (durations) name no field; say what we know.
	return invalid.New("body", "%v", err)
}

// jsonType names a Go type as a JSON client thinks of it.
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

// PathID reads the positive {id} of the path; anything else answers 404,
// "no such " + noun.
func PathID(r *http.Request, noun string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 || strings.HasPrefix(r.PathValue("id"), "+") {
		return 0, response.NotFound("no such " + noun)
	}
	return id, nil
}
