package request

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/response"
)

type note struct {
	Tenant string `json:"tenant"`
	Text   string `json:"text"`
}

type noteInput struct {
	Text string `json:"text"`
}

// TestRecordKeepsTenantsApart drives the three handlers over a map of two
// tenants' records: the caller's tenant is the only one read, changed or
// deleted, a bad body changes nothing, and a missing id answers 404.
func TestRecordKeepsTenantsApart(t *testing.T) {
	notes := map[int64]*note{1: {"acme", "first"}, 2: {"globex", "theirs"}}
	rc := Record[note, noteInput]{
		Authz: func(r *http.Request, _ model.Scope) (string, error) { return r.Header.Get("Tenant"), nil },
		Noun:  "note", Object: "note",
		Get: func(_ context.Context, tenant string, id int64) (*note, error) {
			if n, ok := notes[id]; ok && n.Tenant == tenant {
				c := *n
				return &c, nil
			}
			return nil, response.NotFound("no such note")
		},
		Apply:  func(in noteInput, n *note) { n.Text = in.Text },
		Update: func(_ context.Context, n *note) error { notes[1] = n; return nil },
		Delete: func(_ context.Context, tenant string, id int64) error { delete(notes, id); return nil },
	}
	do := func(h http.HandlerFunc, method, id, body string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "/notes/"+id, strings.NewReader(body))
		r.Header.Set("Tenant", "acme")
		r.SetPathValue("id", id)
		w := httptest.NewRecorder()
		h(w, r)
		return w
	}
	if w := do(rc.Read, "GET", "2", ""); w.Code != 404 {
		t.Fatalf("acme read globex's note: %d %s", w.Code, w.Body)
	}
	if w := do(rc.Write, "PUT", "2", `{"text":"mine"}`); w.Code != 404 || notes[2].Text != "theirs" {
		t.Fatalf("acme changed globex's note: %d %s", w.Code, w.Body)
	}
	if w := do(rc.Write, "PUT", "1", `{"txt":"typo"}`); w.Code != 400 || !strings.Contains(w.Body.String(), "txt") || notes[1].Text != "first" {
		t.Fatalf("a bad body = %d %s, note %q", w.Code, w.Body, notes[1].Text)
	}
	if w := do(rc.Write, "PUT", "1", `{"text":"second"}`); w.Code != 200 || notes[1].Text != "second" {
		t.Fatalf("update = %d %s", w.Code, w.Body)
	}
	if w := do(rc.Read, "GET", "1", ""); w.Code != 200 || !strings.Contains(w.Body.String(), `"second"`) {
		t.Fatalf("read = %d %s", w.Code, w.Body)
	}
	if w := do(rc.Remove, "DELETE", "x", ""); w.Code != 404 {
		t.Fatalf("delete of a bad id = %d", w.Code)
	}
	if w := do(rc.Remove, "DELETE", "1", ""); w.Code != 204 || notes[1] != nil {
		t.Fatalf("delete = %d", w.Code)
	}
}
