package request

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
)

func TestDecodeJSON(t *testing.T) {
	type in struct {
		Name  string         `json:"name"`
		Count int            `json:"count"`
		Wait  model.Duration `json:"wait"`
	}
	f := func(body, field, reason string) {
		t.Helper()
		var v in
		err := DecodeJSON(httptest.NewRecorder(), httptest.NewRequest("POST", "/", strings.NewReader(body)), &v)
		if field == "" {
			if err != nil {
				t.Errorf("%s: %v", body, err)
			}
			return
		}
		e, ok := invalid.As(err)
		if !ok || e.Field != field || !strings.Contains(e.Reason, reason) {
			t.Errorf("%s: err = %v, want field %q with %q", body, err, field, reason)
		}
	}
	f(`{"name":"a","count":2,"wait":"5m"}`, "", "")
	f(``, "body", "is empty")
	f(`{"name":`, "body", "not valid JSON")
	f(`{"colour":"red"}`, "colour", "not a known field")
	f(`{"count":"two"}`, "count", "an integer")
	f(`{"wait":15}`, "wait", "duration")
	f(`{"name":"a"} {"name":"b"}`, "body", "one JSON value")

	var v in
	big := `{"name":"` + strings.Repeat("x", 64) + `"}`
	if err := DecodeJSONLimit(httptest.NewRecorder(), httptest.NewRequest("POST", "/", strings.NewReader(big)), &v, 16); err == nil {
		t.Error("a body over the limit was read")
	}
}
