package improvement

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/apitest"
	"github.com/unyo-ops/unyo/internal/incident"
)

const base = "/api/v1/tenants/acme/improvements"

// TestItemLivesFromProposedToDone: an operator files an issue with its
// evidence, moves it through its life, and its history shows every step;
// the steps the life does not allow are 400 naming status, and a closed
// item neither moves nor changes.
func TestItemLivesFromProposedToDone(t *testing.T) {
	fx := newFixture(t)
	inc, err := fx.desk.Open(t.Context(), "acme", "user:sato", incident.Fields{ShortDescription: ptr("/var full on web1")})
	if err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`{"title":"ログ肥大化の恒久対策","category":"operations","evidence":[{"kind":"incident","ref":"%d"},
		{"kind":"problem","ref":"PRB0001"}],"proposal":"logrotateの設定を見直す","expected_effect":"ディスク容量アラートを月3件削減",
		"owner":"佐藤","due":"2027-01-31"}`, inc.ID)
	code, out := fx.do(t, "POST", base, "acme:read,write", body)
	var it Item
	json.Unmarshal([]byte(out), &it)
	if code != 201 || it.Status != Proposed || len(it.Evidence) != 2 || it.Owner != "佐藤" || it.Due != "2027-01-31" {
		t.Fatalf("create: %d %s", code, out)
	}
	path := fmt.Sprintf("%s/%d", base, it.ID)
	move := func(to string, want int) {
		t.Helper()
		code, out := fx.do(t, "POST", path+"/status", "acme:read,write", fmt.Sprintf(`{"status":%q,"note":"to %s"}`, to, to))
		if code != want {
			t.Fatalf("move to %s = %d %s, want %d", to, code, out, want)
		}
		if want == 400 && !strings.Contains(out, `"field":"status"`) {
			t.Fatalf("move to %s: %s does not name status", to, out)
		}
	}
	move("done", 400) // not before it is accepted and under way
	move("accepted", 200)
	move("in_progress", 200)
	move("done", 200)
	move("rejected", 400) // closed
	code, out = fx.do(t, "GET", path, "acme:read", "")
	var got Item
	json.Unmarshal([]byte(out), &got)
	var steps []string
	for _, e := range got.History {
		steps = append(steps, string(e.From)+">"+string(e.To))
	}
	if code != 200 || got.Status != Done || strings.Join(steps, " ") != ">proposed proposed>accepted accepted>in_progress in_progress>done" ||
		got.History[1].Author == "" || got.History[2].Note != "to in_progress" {
		t.Fatalf("after its life: %d %s", code, out)
	}
	if code, out := fx.do(t, "PUT", path, "acme:read,write", body); code != 400 || !strings.Contains(out, `"field":"status"`) {
		t.Fatalf("editing a done item = %d %s, want 400 on status", code, out)
	}
	// The open list leaves it out; the whole register has it.
	_, out = fx.do(t, "GET", base+"?open=true", "acme:read", "")
	if strings.TrimSpace(out) != "[]" {
		t.Fatalf("open items: %s", out)
	}
	if _, out = fx.do(t, "GET", base+"?status=done", "acme:read", ""); !strings.Contains(out, "ログ肥大化") {
		t.Fatalf("done items: %s", out)
	}
}

// TestBadItemsAreRefusedByField: each bad field is 400 naming it, and
// evidence pointing at another tenant's incident is refused, not stored.
func TestBadItemsAreRefusedByField(t *testing.T) {
	fx := newFixture(t)
	other, err := fx.desk.Open(t.Context(), "beta", "user:b", incident.Fields{ShortDescription: ptr("beta's")})
	if err != nil {
		t.Fatal(err)
	}
	f := func(body, field string) {
		t.Helper()
		code, out := fx.do(t, "POST", base, "acme:read,write", body)
		if code != 400 || !strings.Contains(out, `"field":"`+field+`"`) {
			t.Errorf("%s = %d %s, want 400 naming %s", body, code, out, field)
		}
	}
	f(`{"title":"","category":"cost"}`, "title")
	f(`{"title":"x","category":"money"}`, "category")
	f(`{"title":"x","category":"cost","due":"31/01/2027"}`, "due")
	f(`{"title":"x","category":"cost","evidence":[{"kind":"rumour","ref":"1"}]}`, "evidence[0].kind")
	f(`{"title":"x","category":"cost","evidence":[{"kind":"alert","ref":""}]}`, "evidence[0].ref")
	f(`{"title":"x","category":"cost","evidence":[{"kind":"report_finding","ref":"1"}]}`, "evidence[0].text")
	f(fmt.Sprintf(`{"title":"x","category":"cost","evidence":[{"kind":"alert","ref":"a1"},{"kind":"incident","ref":"%d"}]}`, other.ID), "evidence[1].ref")
	f(`{"title":"x","category":"cost","evidence":[{"kind":"work_report","ref":"abc"}]}`, "evidence[0].ref")
	if _, out := fx.do(t, "GET", base, "acme:read", ""); strings.TrimSpace(out) != "[]" {
		t.Fatalf("refused items were stored: %s", out)
	}
	// Another tenant's item is not found, and not changed.
	code, out := fx.do(t, "POST", "/api/v1/tenants/beta/improvements", "beta:read,write", `{"title":"beta's","category":"cost"}`)
	var it Item
	json.Unmarshal([]byte(out), &it)
	if code != 201 {
		t.Fatalf("beta: %d %s", code, out)
	}
	for _, c := range []struct{ method, path, body string }{
		{"GET", fmt.Sprintf("%s/%d", base, it.ID), ""},
		{"PUT", fmt.Sprintf("%s/%d", base, it.ID), `{"title":"taken","category":"cost"}`},
		{"POST", fmt.Sprintf("%s/%d/status", base, it.ID), `{"status":"accepted"}`},
	} {
		if code, out := fx.do(t, c.method, c.path, "acme:read,write", c.body); code != 404 {
			t.Errorf("%s %s of beta's item as acme = %d %s", c.method, c.path, code, out)
		}
	}
	if got, err := fx.store.Get(t.Context(), "beta", it.ID); err != nil || got.Title != "beta's" || got.Status != Proposed {
		t.Fatalf("beta's item changed: %+v %v", got, err)
	}
}

// TestChangesCommitWithTheirAudit: create, update and a status change each
// write their audit entry in their own transaction.
func TestChangesCommitWithTheirAudit(t *testing.T) {
	fx := newFixture(t)
	do := func(method, path string, b any) (int, []byte) {
		code, out := fx.do(t, method, path, "acme:read,write", b.(string))
		return code, []byte(out)
	}
	state := func() string { _, out := fx.do(t, "GET", base, "acme:read", ""); return out }
	check := func(method, path, b, action string) []byte {
		return apitest.CheckAudited(t, fx.store.db, do, "acme", apitest.Change{Method: method, Path: path, Body: b,
			State: state, Action: action, ObjectType: "improvement"})
	}
	var it Item
	json.Unmarshal(check("POST", base, `{"title":"手動の証明書更新","category":"automation"}`, "create"), &it)
	path := fmt.Sprintf("%s/%d", base, it.ID)
	check("PUT", path, `{"title":"証明書更新の自動化","category":"automation","owner":"田中"}`, "update")
	check("POST", path+"/status", `{"status":"accepted"}`, "status")
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	apitest.CheckOpenAPI(t, NewHandlers(nil, apitest.PathTenant, nil))
}
