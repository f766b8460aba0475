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

func TestPathID(t *testing.T) {
	f := func(id string, want int64) {
		t.Helper()
		r := httptest.NewRequest("GET", "/x", nil)
		r.SetPathValue("id", id)
		got, err := PathID(r, "thing")
		if want == 0 {
			if err == nil || !strings.Contains(err.Error(), "no such thing") {
				t.Errorf("PathID(%q) = %d, %v; want no such thing", id, got, err)
			}
			return
		}
		if err != nil || got != want {
			t.Errorf("PathID(%q) = %d, %v; want %d", id, got, err, want)
		}
	}
	f("42", 42)
	f("0", 0)
	f("-1", 0)
	f("+7", 0)
	f("seven", 0)
}
