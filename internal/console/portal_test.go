package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/incident"
)

// TestPortalRequesterActsOnItsOwnOnly: acme's requester opens an inquiry
// and a request needing approval from its pages, comments and decides the
// approval (each audited, recorded as its own); a work note, a state change
// and a new catalog item stay 403 for it; acme's viewer may do none of it;
// neither sees a work note.
func TestPortalRequesterActsOnItsOwnOnly(t *testing.T) {
	e := newEnv(t, withServiceDesk)
	ctx := context.Background()
	o := e.opts()
	item := &incident.CatalogItem{TenantID: "acme", Name: "VPN account", Fields: []incident.FieldSpec{}, ApprovalRequired: true}
	if err := o.Requests.CreateCatalogItem(ctx, item); err != nil {
		t.Fatal(err)
	}
	r := e.login("acme-requester")
	code, _, loc := r.postForm("/tenants/acme/requests", "/tenants/acme/requests", url.Values{"kind": {"inquiry"}, "short_description": {"請求書の宛先変更"}})
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/tenants/acme/requests/") {
		t.Fatalf("the requester opens an inquiry: %d %q", code, loc)
	}
	inquiry := loc
	code, _, loc = r.postForm("/tenants/acme/requests", "/tenants/acme/requests", url.Values{"kind": {"request"}, "catalog_item_id": {fmt.Sprint(item.ID)}})
	if code != http.StatusSeeOther {
		t.Fatalf("the requester opens a request: %d", code)
	}
	request := loc
	list, _ := o.Requests.Incidents(ctx, "acme", incident.Filter{Kinds: requestKinds})
	if len(list) != 2 || list[0].OpenedBy != "user:acme-requester" {
		t.Fatalf("acme's requests: %+v", list)
	}
	var inqID int64
	fmt.Sscanf(strings.TrimPrefix(inquiry, "/tenants/acme/requests/"), "%d", &inqID)
	if _, err := o.Requests.AddNote(ctx, "acme", inqID, "user:operator", "acme-internal-note", true); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := r.postForm(inquiry, inquiry+"/notes", url.Values{"visibility": {"comment"}, "text": {"よろしくお願いします"}}); code != http.StatusSeeOther {
		t.Errorf("the requester comments: %d", code)
	}
	if code, _, _ := r.postForm(request, request+"/decision", url.Values{"decision": {"approve"}, "note": {"承認"}}); code != http.StatusSeeOther {
		t.Errorf("the requester approves: %d", code)
	}
	var reqID int64
	fmt.Sscanf(strings.TrimPrefix(request, "/tenants/acme/requests/"), "%d", &reqID)
	got, _ := o.Requests.Incident(ctx, "acme", reqID)
	if got.Approval != incident.ApprovalApproved || got.ApprovalBy != "user:acme-requester" {
		t.Errorf("the request after the requester's approval: %+v", got)
	}
	if !e.auditHas("acme", "approve", "incident") || !e.auditHas("acme", "comment", "incident") {
		t.Error("the requester's acts are not audited")
	}
	_, page, _ := r.get(inquiry)
	if !strings.Contains(page, "よろしくお願いします") || strings.Contains(page, "acme-internal-note") || strings.Contains(page, `id="vis-note"`) {
		t.Errorf("the requester's inquiry page shows the work note or the staff form")
	}
	tlBefore, _ := o.Requests.Timeline(ctx, "acme", inqID, true)
	refused := map[string]url.Values{
		inquiry + "/notes":      {"visibility": {"work_note"}, "text": {"x"}},
		inquiry + "/state":      {"state": {"in_progress"}},
		"/tenants/acme/catalog": {"name": {"x"}},
	}
	for p, form := range refused {
		if code, _, _ := r.postForm("/board", p, form); code != http.StatusForbidden {
			t.Errorf("POST %s as the requester = %d, want 403", p, code)
		}
	}
	v := e.login("acme-viewer")
	for p, form := range map[string]url.Values{
		"/tenants/acme/requests": {"kind": {"inquiry"}, "short_description": {"x"}},
		inquiry + "/notes":       {"visibility": {"comment"}, "text": {"x"}},
		request + "/decision":    {"decision": {"reject"}},
	} {
		if code, _, _ := v.postForm("/board", p, form); code != http.StatusForbidden {
			t.Errorf("POST %s as the viewer = %d, want 403", p, code)
		}
	}
	if tl, _ := o.Requests.Timeline(ctx, "acme", inqID, true); len(tl) != len(tlBefore) {
		t.Errorf("refused posts changed the timeline: %d entries, had %d", len(tl), len(tlBefore))
	}
	_, vpage, _ := v.get("/tenants/acme/requests")
	if strings.Contains(vpage, `id="inquiry-form"`) {
		t.Error("the viewer is offered the inquiry form")
	}
}

// TestPortalSpeaksOfTheCustomerOnly: a customer's user's navigation links
// only its own pages, and its board is titled with its name, never "every
// customer"; MSP staff keep the board of every customer.
func TestPortalSpeaksOfTheCustomerOnly(t *testing.T) {
	e := newEnv(t, withServiceDesk)
	href := regexp.MustCompile(`(?s)<nav aria-label="[^"]*">\s*<ul>(.*?)</ul>`)
	for _, who := range []string{"acme-viewer", "acme-requester"} {
		_, board, _ := e.login(who).get("/board")
		if strings.Contains(board, "すべてのお客様") || !strings.Contains(board, "の稼働状況") {
			t.Errorf("%s's board speaks of every customer or not of its own", who)
		}
		m := href.FindStringSubmatch(board)
		if m == nil {
			t.Fatalf("%s's board has no navigation", who)
		}
		for _, a := range regexp.MustCompile(`href="([^"]*)"`).FindAllStringSubmatch(m[1], -1) {
			if a[1] != "/board" && !strings.HasPrefix(a[1], "/tenants/acme") {
				t.Errorf("%s's navigation links %s", who, a[1])
			}
		}
	}
	if _, board, _ := e.login("acme-viewer").get("/board"); strings.Contains(board, `id="portal-todo"`) {
		t.Error("the viewer, who only reads, is shown approvals to do")
	}
	if _, board, _ := e.login("acme-requester").get("/board"); !strings.Contains(board, `id="portal-todo"`) {
		t.Error("the requester's board has no approvals to do")
	}
	if _, board, _ := e.login("operator").get("/board"); !strings.Contains(board, "すべてのお客様") {
		t.Error("the operator's board is not every customer's")
	}
}

// TestPortalRequesterCommentsOnItsIncident: a customer's requester adds a
// comment to its incident from the incident page, which both sides see; it
// cannot write a work note, and a viewer cannot comment at all.
func TestPortalRequesterCommentsOnItsIncident(t *testing.T) {
	var opts *Options
	e := newEnv(t, withServiceDesk, withOps, func(o *Options) { opts = o })
	inc := e.openOn(opts.IncidentDesk, "acme", "acme-web-01", "決済エラー")
	path := fmt.Sprintf("/tenants/acme/incidents/%d", inc.ID)
	r := e.login("acme-requester")
	_, page, _ := r.get(path)
	if !strings.Contains(page, `id="comment-form"`) || strings.Contains(page, `id="note-form"`) {
		t.Fatal("the requester's incident page lacks the comment form or shows the staff's note form")
	}
	if code, _, _ := r.postForm(path, path+"/notes", url.Values{"kind": {"comment"}, "text": {"業務影響は軽微です"}}); code != http.StatusSeeOther {
		t.Fatalf("the requester comments: %d", code)
	}
	if code, _, _ := r.postForm(path, path+"/notes", url.Values{"kind": {"work_note"}, "text": {"requester-work-note"}}); code != http.StatusForbidden {
		t.Errorf("the requester writes a work note: %d, want 403", code)
	}
	v := e.login("acme-viewer")
	if code, _, _ := v.postForm("/board", path+"/notes", url.Values{"kind": {"comment"}, "text": {"viewer-comment"}}); code != http.StatusForbidden {
		t.Errorf("the viewer comments: %d, want 403", code)
	}
	if _, vpage, _ := v.get(path); strings.Contains(vpage, `id="comment-form"`) {
		t.Error("the viewer is offered the comment form")
	}
	tl, err := opts.IncidentDesk.Timeline(context.Background(), "acme", inc.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	var comments []string
	for _, en := range tl {
		if strings.Contains(en.Body, "業務影響") || strings.Contains(en.Body, "requester-work-note") || strings.Contains(en.Body, "viewer-comment") {
			comments = append(comments, fmt.Sprintf("%s internal=%v", en.Body, en.Internal))
		}
	}
	if len(comments) != 1 || !strings.Contains(comments[0], "業務影響は軽微です internal=false") {
		t.Errorf("the timeline's customer entries = %q, want the one public comment", comments)
	}
	if !e.auditHas("acme", "comment", "incident") {
		t.Error("the requester's comment is not audited")
	}
}
