package incident

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/apitest"
)

const (
	acmeRequester = "acme:requester"
	betaRequester = "beta:requester"
)

// TestRequesterTakesTheCustomersPartOnly: the customer's requester opens
// an inquiry and a catalog request, comments on them and on its incident,
// and approves or rejects a request waiting for approval, each recorded as
// its own act; it never sees a work note; every MSP staff action stays 403
// for it, and every action at all for the customer's viewer; another
// tenant's requester reaches nothing.
func TestRequesterTakesTheCustomersPartOnly(t *testing.T) {
	s := newServer(t)
	const acme = "/api/v1/tenants/acme"
	var inquiry, req, req2, inc Incident
	var item CatalogItem
	s.must(t, 201, "POST", acme+"/catalog-items", acmeRW, map[string]any{"name": "VPN account", "approval_required": true}, &item)
	s.must(t, 201, "POST", acme+"/incidents", acmeRW, map[string]any{"short_description": "VPN切断"}, &inc)

	s.must(t, 201, "POST", acme+"/requests", acmeRequester, map[string]any{"kind": "inquiry", "short_description": "請求書の宛名変更"}, &inquiry)
	if inquiry.Kind != KindInquiry || inquiry.OpenedBy != "user:requester" {
		t.Fatalf("the requester's inquiry: %+v", inquiry)
	}
	s.must(t, 201, "POST", acme+"/requests", acmeRequester, map[string]any{"kind": "request", "catalog_item_id": item.ID}, &req)
	s.must(t, 201, "POST", acme+"/requests", acmeRequester, map[string]any{"kind": "request", "catalog_item_id": item.ID}, &req2)
	if req.Approval != ApprovalPending {
		t.Fatalf("the requester's request does not wait for approval: %+v", req)
	}
	// Who works on it is the MSP's decision.
	for _, field := range []string{"assignee", "assignment_group"} {
		code, out := s.do(t, "POST", acme+"/requests", acmeRequester, map[string]any{"kind": "inquiry", "short_description": "x", field: "me"})
		if code != 400 || !strings.Contains(string(out), `"field":"`+field+`"`) {
			t.Errorf("a requester sets %s: %d %s", field, code, out)
		}
	}

	iq := fmt.Sprintf("%s/requests/%d", acme, inquiry.ID)
	s.must(t, 200, "POST", iq+"/work-notes", acmeRW, map[string]string{"text": "請求システムの権限が必要"}, nil)
	s.must(t, 200, "POST", iq+"/comments", acmeRW, map[string]string{"text": "変更を承りました"}, nil)
	s.must(t, 200, "POST", iq+"/comments", acmeRequester, map[string]string{"text": "よろしくお願いします"}, nil)
	s.must(t, 200, "POST", fmt.Sprintf("%s/incidents/%d/comments", acme, inc.ID), acmeRequester, map[string]string{"text": "業務影響あり"}, nil)
	var tl []Entry
	s.must(t, 200, "GET", iq+"/timeline", acmeRequester, nil, &tl)
	var bodies []string
	for _, e := range tl {
		if e.Internal || e.Kind == EntryWorkNote || strings.Contains(e.Body, "権限") {
			t.Errorf("the requester sees an internal entry: %+v", e)
		}
		bodies = append(bodies, e.Body)
	}
	if all := strings.Join(bodies, "|"); !strings.Contains(all, "変更を承りました") || !strings.Contains(all, "よろしくお願いします") {
		t.Errorf("the requester's timeline lacks the public replies: %q", all)
	}

	rq := fmt.Sprintf("%s/requests/%d", acme, req.ID)
	var decided Incident
	s.must(t, 200, "POST", rq+"/approve", acmeRequester, map[string]string{"note": "承認します"}, &decided)
	if decided.Approval != ApprovalApproved || decided.ApprovalBy != "user:requester" {
		t.Errorf("approved by the requester: %+v", decided)
	}
	s.must(t, 200, "POST", fmt.Sprintf("%s/requests/%d/reject", acme, req2.ID), acmeRequester, map[string]string{"note": "不要になりました"}, &decided)
	if decided.Approval != ApprovalRejected || decided.State != StateCanceled {
		t.Errorf("rejected by the requester: %+v", decided)
	}

	// Operator actions stay refused to the requester; the viewer may do none of it.
	incPath := fmt.Sprintf("%s/incidents/%d", acme, inc.ID)
	before := s.state(t, inc.ID, inquiry.ID, req.ID)
	for _, c := range []struct {
		method, path, who string
		body              any
	}{
		{"POST", acme + "/incidents", acmeRequester, map[string]any{"short_description": "x"}},
		{"PATCH", incPath, acmeRequester, map[string]any{"impact": 1}},
		{"POST", incPath + "/state", acmeRequester, map[string]any{"state": "canceled"}},
		{"POST", incPath + "/acknowledge", acmeRequester, nil},
		{"POST", incPath + "/cause", acmeRequester, map[string]any{"cause": "x", "category": "y"}},
		{"POST", incPath + "/work-notes", acmeRequester, map[string]any{"text": "x"}},
		{"POST", iq + "/work-notes", acmeRequester, map[string]any{"text": "x"}},
		{"POST", iq + "/state", acmeRequester, map[string]any{"state": "in_progress"}},
		{"PATCH", iq, acmeRequester, map[string]any{"short_description": "x"}},
		{"POST", acme + "/catalog-items", acmeRequester, map[string]any{"name": "x"}},
		{"PUT", fmt.Sprintf("%s/catalog-items/%d", acme, item.ID), acmeRequester, map[string]any{"name": "x"}},
		{"DELETE", fmt.Sprintf("%s/catalog-items/%d", acme, item.ID), acmeRequester, nil},
		{"POST", acme + "/requests", acmeViewer, map[string]any{"kind": "inquiry", "short_description": "x"}},
		{"POST", iq + "/comments", acmeViewer, map[string]any{"text": "x"}},
		{"POST", incPath + "/comments", acmeViewer, map[string]any{"text": "x"}},
		{"POST", rq + "/approve", acmeViewer, map[string]any{}},
		{"POST", rq + "/reject", acmeViewer, map[string]any{}},
		{"POST", acme + "/requests", acmeRO, map[string]any{"kind": "inquiry", "short_description": "x"}},
		{"POST", iq + "/comments", acmeRO, map[string]any{"text": "x"}},
	} {
		if code, out := s.do(t, c.method, c.path, c.who, c.body); code != 403 {
			t.Errorf("%s %s as %s: %d %s, want 403", c.method, c.path, c.who, code, out)
		}
	}
	// Another tenant's requester reaches nothing of acme's.
	for _, c := range []struct{ method, path string }{
		{"POST", iq + "/comments"}, {"POST", rq + "/approve"}, {"GET", iq + "/timeline"},
		{"POST", strings.Replace(iq, "/acme/", "/beta/", 1) + "/comments"},
		{"POST", strings.Replace(rq, "/acme/", "/beta/", 1) + "/approve"},
	} {
		if code, out := s.do(t, c.method, c.path, betaRequester, map[string]any{"text": "beta"}); code != 404 {
			t.Errorf("%s %s as beta's requester: %d %s, want 404", c.method, c.path, code, out)
		}
	}
	if after := s.state(t, inc.ID, inquiry.ID, req.ID); after != before {
		t.Errorf("refused calls changed acme's records:\nbefore %s\nafter  %s", before, after)
	}
}

// state is every record's JSON and full timeline, as MSP staff read them.
func (s *server) state(t *testing.T, ids ...int64) string {
	t.Helper()
	var b strings.Builder
	for _, id := range ids {
		inc, err := s.s.Incident(t.Context(), "acme", id)
		if err != nil {
			t.Fatal(err)
		}
		tl, err := s.s.Timeline(t.Context(), "acme", id, true)
		if err != nil {
			t.Fatal(err)
		}
		j, _ := json.Marshal(inc)
		k, _ := json.Marshal(tl)
		b.Write(j)
		b.Write(k)
	}
	items, _ := s.s.CatalogItems(t.Context(), "acme")
	j, _ := json.Marshal(items)
	b.Write(j)
	return b.String()
}

// TestRequesterActsAreAudited: what the requester does is written with its
// audit entry in one transaction, as MSP staff's acts are.
func TestRequesterActsAreAudited(t *testing.T) {
	s := newServer(t)
	const acme = "/api/v1/tenants/acme"
	var item CatalogItem
	s.must(t, 201, "POST", acme+"/catalog-items", acmeRW, map[string]any{"name": "VPN account", "approval_required": true}, &item)
	var id int64
	do := func(method, path string, body any) (int, []byte) { return s.do(t, method, path, acmeRequester, body) }
	state := func() string {
		_, list := s.do(t, "GET", acme+"/requests", acmeRO, nil)
		_, tl := s.do(t, "GET", fmt.Sprintf("%s/requests/%d/timeline", acme, id), acmeRW, nil)
		return string(list) + string(tl)
	}
	check := func(method, path string, body any, action string) int64 {
		b := apitest.CheckAudited(t, s.fixture.s.db, do, "acme", apitest.Change{Method: method, Path: path, Body: body,
			State: state, Action: action, ObjectType: "request"})
		var v struct{ ID int64 }
		json.Unmarshal(b, &v)
		return v.ID
	}
	id = check("POST", acme+"/requests", map[string]any{"kind": "request", "catalog_item_id": item.ID}, "create")
	check("POST", fmt.Sprintf("%s/requests/%d/comments", acme, id), map[string]string{"text": "急ぎです"}, "comment")
	check("POST", fmt.Sprintf("%s/requests/%d/approve", acme, id), map[string]string{}, "approve")
}
