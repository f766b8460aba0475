package problem

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/apitest"
)

// TestStatesAsServiceNow: a problem moves New → Assess → Root Cause
// Analysis → Fix in Progress → Resolved → Closed; a skipped step or a move
// out of Closed is refused by field and leaves the state as it was; the
// detail lists each change with its actor.
func TestStatesAsServiceNow(t *testing.T) {
	fx := newFixture(t)
	var p Problem
	if code, out := fx.do("POST", "/api/v1/tenants/acme/problems", "acme:read,write", map[string]any{"title": "disk fills"}, &p); code != 201 {
		t.Fatalf("create = %d %s", code, out)
	}
	path := fmt.Sprintf("/api/v1/tenants/acme/problems/%d", p.ID)
	move := func(to State) (int, string) {
		return fx.do("POST", path+"/state", "acme:read,write", map[string]State{"state": to}, nil)
	}
	if code, out := move(StateFixInProgress); code != 400 || !strings.Contains(out, `"field":"state"`) {
		t.Fatalf("new → fix_in_progress = %d %s, want 400 on state", code, out)
	}
	for _, to := range []State{StateAssess, StateRootCauseAnalysis, StateFixInProgress, StateResolved, StateClosed} {
		if code, out := move(to); code != 200 {
			t.Fatalf("→ %s = %d %s", to, code, out)
		}
	}
	if code, _ := move(StateRootCauseAnalysis); code != 400 {
		t.Errorf("closed → root_cause_analysis = %d, want 400", code)
	}
	var d struct {
		Problem
		Events []Event `json:"events"`
	}
	fx.do("GET", path, "acme:read", nil, &d)
	if d.State != StateClosed || len(d.Events) != 5 || d.Events[0].From != StateNew || d.Events[0].To != StateAssess || d.Events[0].Actor != "token:test" {
		t.Fatalf("detail = %+v", d)
	}
	if code, out := fx.do("POST", "/api/v1/tenants/acme/problems", "acme:read,write", map[string]any{"title": "x", "known_error": true}, nil); code != 400 ||
		!strings.Contains(out, `"workaround"`) {
		t.Errorf("a known error without a workaround = %d %s, want 400 on workaround", code, out)
	}
	if code, _ := fx.do("GET", path, "beta:read", nil, nil); code != 403 && code != 404 {
		t.Errorf("beta reads acme's problem: %d", code)
	}
	if code, _ := fx.do("GET", strings.Replace(path, "acme", "beta", 1), "beta:read", nil, nil); code != 404 {
		t.Errorf("beta's path with acme's ID: %d, want 404", code)
	}
}

// TestKnownErrorOnMatchingIncidents: a problem marked known error with a
// workaround, scoped to a host, shows on a new incident of that host (API
// field of the incident detail), and one scoped to a cause category on an
// incident of that category; not on an incident of another host, nor on
// another tenant's, nor once the problem is closed.
func TestKnownErrorOnMatchingIncidents(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	byHost := &Problem{TenantID: "acme", Title: "db1 slow queries", KnownError: true, Workaround: "restart the pgbouncer pool",
		Match: Match{MatchHost, fmt.Sprint(fx.hosts["acme-db1"])}}
	byCategory := &Problem{TenantID: "acme", Title: "log volume", KnownError: true, Workaround: "rotate /var/log",
		Match: Match{MatchCategory, "disk"}}
	notKnown := &Problem{TenantID: "acme", Title: "under analysis", Match: Match{MatchHost, fmt.Sprint(fx.hosts["acme-db1"])}}
	for _, p := range []*Problem{byHost, byCategory, notKnown} {
		if err := fx.store.Create(ctx, p, nil); err != nil {
			t.Fatal(err)
		}
	}
	known := func(tenant string, id int64) []string {
		inc, err := fx.desk.Incident(ctx, tenant, id)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, k := range inc.KnownErrors {
			out = append(out, k.Title+": "+k.Workaround)
		}
		return out
	}
	onDB := fx.incident("acme", "db1 slow again", "acme-db1", "")
	if got := known("acme", onDB.ID); fmt.Sprint(got) != "[db1 slow queries: restart the pgbouncer pool]" {
		t.Errorf("db1's new incident shows %q", got)
	}
	onWeb := fx.incident("acme", "web1 disk", "acme-web1", "disk")
	if got := known("acme", onWeb.ID); fmt.Sprint(got) != "[log volume: rotate /var/log]" {
		t.Errorf("web1's disk incident shows %q", got)
	}
	if got := known("acme", fx.incident("acme", "web1 cpu", "acme-web1", "").ID); len(got) != 0 {
		t.Errorf("web1's cpu incident shows %q", got)
	}
	if got := known("beta", fx.incident("beta", "beta disk", "beta-db1", "disk").ID); len(got) != 0 {
		t.Errorf("beta's disk incident shows acme's %q", got)
	}
	for _, to := range []State{StateClosed} {
		if _, err := fx.store.Move(ctx, "acme", byHost.ID, to, "user:sato"); err != nil {
			t.Fatal(err)
		}
	}
	if got := known("acme", onDB.ID); len(got) != 0 {
		t.Errorf("a closed problem's known error still shows: %q", got)
	}
}

// TestChangesCommitWithTheirAudit: every write of the API writes its audit
// entry in its own transaction: refused, nothing changes and the API
// answers 5xx; made, it has exactly one entry.
func TestChangesCommitWithTheirAudit(t *testing.T) {
	fx := newFixture(t)
	for i := range 3 {
		fx.incident("acme", fmt.Sprint("disk ", i), "", "disk")
		fx.incident("acme", fmt.Sprint("db ", i), "acme-db1", "")
	}
	const base = "/api/v1/tenants/acme/problems"
	do := func(method, path string, b any) (int, []byte) {
		code, _, out := apitest.Do(t, fx.srv, method, path, "acme:read,write", b)
		return code, out
	}
	state := func() string {
		_, a := fx.do("GET", base, "acme:read", nil, nil)
		_, b := fx.do("GET", base+"/proposals", "acme:read", nil, nil)
		_, c := fx.do("GET", base+"/settings", "acme:read", nil, nil)
		return a + b + c
	}
	check := func(method, path string, b any, action, obj string) []byte {
		return apitest.CheckAudited(t, fx.store.db, do, "acme", apitest.Change{Method: method, Path: path, Body: b,
			State: state, Action: action, ObjectType: obj})
	}
	var p Problem
	if err := json.Unmarshal(check("POST", base, map[string]any{"title": "disk fills"}, "create", "problem"), &p); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("%s/%d", base, p.ID)
	check("PUT", path, map[string]any{"title": "disk fills", "known_error": true, "workaround": "rotate"}, "update", "problem")
	check("POST", path+"/state", map[string]any{"state": "assess"}, "state", "problem")
	inc := fx.incident("acme", "linked by hand", "", "")
	check("POST", path+"/incidents", map[string]any{"incident_ids": []int64{inc.ID}}, "link", "problem")
	check("POST", base+"/proposals/category:disk/accept", nil, "accept", "problem")
	check("POST", fmt.Sprintf("%s/proposals/host:%d/dismiss", base, fx.hosts["acme-db1"]), nil, "dismiss", "problem_proposal")
	check("PUT", base+"/settings", map[string]any{"threshold": 5, "period": "48h"}, "update", "problem_settings")
}

// TestOpenAPIFragment: every route is documented and nothing else.
func TestOpenAPIFragment(t *testing.T) {
	apitest.CheckOpenAPI(t, NewHandlers(nil, apitest.PathTenant, nil))
}

// TestLinkRefusesOtherTenantsIncidents: an incident ID of another tenant
// is refused by field, and nothing is linked.
func TestLinkRefusesOtherTenantsIncidents(t *testing.T) {
	fx := newFixture(t)
	theirs := fx.incident("beta", "beta's", "", "")
	code, out := fx.do("POST", "/api/v1/tenants/acme/problems", "acme:read,write", map[string]any{"title": "x", "incident_ids": []int64{theirs.ID}}, nil)
	if code != 400 || !strings.Contains(out, `"incident_ids"`) {
		t.Fatalf("create with beta's incident = %d %s", code, out)
	}
	var list []Problem
	if fx.do("GET", "/api/v1/tenants/acme/problems", "acme:read", nil, &list); len(list) != 0 {
		t.Fatalf("a refused create stored %+v", list)
	}
}
