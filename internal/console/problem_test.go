package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/problem"
)

// withProblems wires the real incident desk, with known errors, and the
// real problem store into the console under test.
func withProblems(o *Options) {
	desk := incident.NewDesk(o.Store.DB(), o.Store, nil)
	o.Problems = problem.NewStore(o.Store.DB())
	desk.SetKnownErrors(o.Problems.ForIncident)
	o.IncidentDesk = desk
}

// openOn opens an incident of tenant on its host through the desk the
// console shows.
func (e *env) openOn(desk IncidentDesk, tenant, host, title string) *incident.Incident {
	e.t.Helper()
	inc, err := desk.(*incident.Desk).Open(context.Background(), tenant, "user:sato",
		incident.Fields{ShortDescription: &title, ResourceIDs: []int64{e.resourceID(tenant, host)}})
	if err != nil {
		e.t.Fatal(err)
	}
	return inc
}

// TestProblemPages: the problems page proposes acme-web-01's three
// recurring incidents (not beta's); the operator records the proposal as a
// problem, sees its linked incidents, moves it to Assess (a skipped step is
// refused with the reason), records a workaround as a known error, and a
// new incident of the host shows "known error: workaround …". acme's viewer
// reads the pages without any form.
func TestProblemPages(t *testing.T) {
	var opts *Options
	e := newEnv(t, withProblems, func(o *Options) { opts = o })
	var acme []*incident.Incident
	for i := range 3 {
		acme = append(acme, e.openOn(opts.IncidentDesk, "acme", "acme-web-01", fmt.Sprintf("web 502 #%d", i)))
		e.openOn(opts.IncidentDesk, "beta", "beta-web-01", fmt.Sprintf("beta-secret %d", i))
	}
	op := e.login("operator")
	code, page, _ := op.get("/tenants/acme/problems")
	key := fmt.Sprintf("host:%d", e.resourceID("acme", "acme-web-01"))
	if code != 200 || !strings.Contains(page, `data-proposal="`+key+`"`) || !strings.Contains(page, "3 件再発") || !strings.Contains(page, acme[2].Number) ||
		strings.Contains(page, "beta-secret") {
		t.Fatalf("problems page = %d, want acme-web-01's proposal of 3 and nothing of beta:\n%s", code, page)
	}
	code, _, where := op.postForm("/tenants/acme/problems", "/tenants/acme/problems/proposals/"+key+"/accept", url.Values{"title": {"web 502 under load"}, "owner": {"佐藤"}})
	if code != http.StatusSeeOther || !strings.HasPrefix(where, "/tenants/acme/problems/") {
		t.Fatalf("accept = %d to %q", code, where)
	}
	base := where
	if code, page, _ = op.get(base); code != 200 || !strings.Contains(page, "web 502 under load") || !strings.Contains(page, "新規") {
		t.Fatalf("accept = %d at %s:\n%s", code, where, page)
	}
	for _, inc := range acme {
		if !strings.Contains(page, `data-incident="`+fmt.Sprint(inc.ID)+`"`) {
			t.Errorf("the problem page lacks linked incident %s", inc.Number)
		}
	}
	if code, page, _ := op.postForm(base, base+"/state", url.Values{"state": {"resolved"}}); code != http.StatusBadRequest || !strings.Contains(page, `id="form-error"`) {
		t.Errorf("new → resolved = %d, want 400 with the reason", code)
	}
	if code, _, _ = op.postForm(base, base+"/state", url.Values{"state": {"assess"}}); code != http.StatusSeeOther {
		t.Fatalf("→ assess = %d", code)
	}
	if _, page, _ = op.get(base); !strings.Contains(page, "新規 → 評価") {
		t.Errorf("the state change is not listed:\n%s", page)
	}
	if code, _, _ = op.postForm(base, base, url.Values{"owner": {"佐藤"}, "root_cause": {"keepalive too short"}, "workaround": {"restart nginx"},
		"known_error": {"on"}}); code != http.StatusSeeOther {
		t.Fatalf("record workaround = %d", code)
	}
	if _, page, _ = op.get(base); !strings.Contains(page, "restart nginx") || !strings.Contains(page, "keepalive too short") {
		t.Errorf("the analysis is not shown:\n%s", page)
	}
	fresh := e.openOn(opts.IncidentDesk, "acme", "acme-web-01", "web 502 again")
	_, page, _ = op.get(fmt.Sprintf("/tenants/acme/incidents/%d", fresh.ID))
	if !strings.Contains(page, "既知のエラー: 回避策 restart nginx") {
		t.Errorf("the new incident of the host does not show the known error:\n%s", page)
	}
	if _, page, _ = op.get("/tenants/acme/problems"); !strings.Contains(page, "web 502 under load") || strings.Contains(page, `data-proposal="`+key+`"`) {
		t.Errorf("after accepting, the list lacks the problem or still proposes it")
	}

	v := e.login("acme-viewer")
	for _, path := range []string{"/tenants/acme/problems", base} {
		code, page, _ := v.get(path)
		if code != 200 || strings.Contains(page, "<form method=\"post\" action=\"/tenants/acme/problems") {
			t.Errorf("viewer GET %s = %d, want read-only", path, code)
		}
	}
}

// TestProblemPagesIsolation: acme's viewer reaches nothing of beta's
// problems, and changes nothing of acme's; an operator on acme's path with
// beta's problem ID finds nothing.
func TestProblemPagesIsolation(t *testing.T) {
	var opts *Options
	e := newEnv(t, withProblems, func(o *Options) { opts = o })
	for i := range 3 {
		e.openOn(opts.IncidentDesk, "beta", "beta-web-01", fmt.Sprint("beta ", i))
		e.openOn(opts.IncidentDesk, "acme", "acme-web-01", fmt.Sprint("acme ", i))
	}
	ctx := context.Background()
	betaKey := fmt.Sprintf("host:%d", e.resourceID("beta", "beta-web-01"))
	acmeKey := fmt.Sprintf("host:%d", e.resourceID("acme", "acme-web-01"))
	bp := &problem.Problem{TenantID: "beta", Title: "beta-problem-secret"}
	if err := opts.Problems.Create(ctx, bp, nil); err != nil {
		t.Fatal(err)
	}
	bpath := fmt.Sprintf("/tenants/beta/problems/%d", bp.ID)
	v := e.login("acme-viewer")
	for _, path := range []string{"/tenants/beta/problems", bpath} {
		if code, body, _ := v.get(path); code != http.StatusForbidden || strings.Contains(body, "beta-problem-secret") {
			t.Errorf("GET %s as acme's viewer = %d, want 403", path, code)
		}
	}
	for path, form := range map[string]url.Values{
		"/tenants/beta/problems/proposals/" + betaKey + "/accept":  {},
		"/tenants/beta/problems/proposals/" + betaKey + "/dismiss": {},
		"/tenants/acme/problems/proposals/" + acmeKey + "/accept":  {}, // a viewer changes nothing of its own either
		bpath + "/state": {"state": {"assess"}},
		bpath:            {"workaround": {"x"}},
	} {
		if code, _, _ := v.postForm("/board", path, form); code != http.StatusForbidden {
			t.Errorf("POST %s as acme's viewer = %d, want 403", path, code)
		}
	}
	op := e.login("operator")
	apath := fmt.Sprintf("/tenants/acme/problems/%d", bp.ID)
	if code, _, _ := op.get(apath); code != http.StatusNotFound {
		t.Errorf("beta's problem under acme's path = %d, want 404", code)
	}
	if code, _, _ := op.postForm("/board", apath+"/state", url.Values{"state": {"assess"}}); code != http.StatusNotFound {
		t.Errorf("moving beta's problem through acme's path = %d, want 404", code)
	}
	if code, _, _ := op.postForm("/board", "/tenants/acme/problems/proposals/"+betaKey+"/accept", url.Values{}); code != http.StatusNotFound {
		t.Errorf("accepting beta's proposal through acme's path = %d, want 404", code)
	}
	got, _ := opts.Problems.Problem(ctx, "beta", bp.ID)
	props, _ := opts.Problems.Proposals(ctx, "beta")
	list, _ := opts.Problems.Problems(ctx, "acme", false)
	if got.State != problem.StateNew || got.Workaround != "" || len(props) != 1 || len(list) != 0 {
		t.Errorf("beta's problems changed, or acme got one: %+v %+v %+v", got, props, list)
	}
}

// TestProblemDefaultTitleInReadersLanguage: a proposal accepted without a
// title is titled as the form's placeholder said, in the operator's language.
func TestProblemDefaultTitleInReadersLanguage(t *testing.T) {
	var opts *Options
	e := newEnv(t, withProblems, func(o *Options) { opts = o })
	for i := range 3 {
		e.openOn(opts.IncidentDesk, "acme", "acme-web-01", fmt.Sprintf("web 502 #%d", i))
	}
	op := e.login("operator")
	key := fmt.Sprintf("host:%d", e.resourceID("acme", "acme-web-01"))
	if _, page, _ := op.get("/tenants/acme/problems"); !strings.Contains(page, `placeholder="インシデントの再発: acme-web-01"`) {
		t.Fatalf("the proposal's title field does not offer the Japanese default:\n%s", page)
	}
	code, _, where := op.postForm("/tenants/acme/problems", "/tenants/acme/problems/proposals/"+key+"/accept", url.Values{"title": {""}})
	if code != http.StatusSeeOther {
		t.Fatalf("accept = %d to %q", code, where)
	}
	if _, page, _ := op.get(where); !strings.Contains(page, "インシデントの再発: acme-web-01") || strings.Contains(page, "Recurring incidents") {
		t.Errorf("the problem accepted without a title is not titled in Japanese:\n%s", page)
	}
}
