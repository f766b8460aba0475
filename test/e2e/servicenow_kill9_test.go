package e2e

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/servicenow/servicenowtest"
)

// TestServiceNowKindsSurviveKill9: an inquiry, a catalog request, a problem
// and a change are each created in ServiceNow (the contract fake, on
// loopback); their updates, made while the instance is down and attempted
// at least once, outlive a kill -9 of the server; once it is back, the
// instance has seen each record created once and updated once, in order.
func TestServiceNowKindsSurviveKill9(t *testing.T) {
	t.Setenv("UNYO_SERVICENOW_INTERVAL", "100ms")
	t.Setenv("UNYO_SERVICENOW_MAX_BACKOFF", "200ms")
	sn := servicenowtest.New("unyo.integration", "sn-pass-kill9", "", "")
	defer sn.Close()
	dir := t.TempDir()
	s := startServer(t, dir)
	s.tenantWithTokens("acme")
	var tok struct {
		Token string `json:"token"`
	}
	s.mustJSON(201, "POST", "/api/v1/tokens", "", map[string]any{"name": "ops", "tenant": "acme", "scopes": []string{"read", "write", "admin"}}, &tok)
	ops, base := tok.Token, "/api/v1/tenants/acme"
	s.mustJSON(200, "PUT", base+"/servicenow", ops, map[string]any{"instance_url": sn.URL, "auth": "basic",
		"username": "unyo.integration", "password": "sn-pass-kill9"}, nil)

	var inq, req, item, prb, chg struct{ ID int64 }
	s.mustJSON(201, "POST", base+"/requests", ops, map[string]any{"kind": "inquiry", "short_description": "Microsoft 問い合わせ代行"}, &inq)
	s.mustJSON(201, "POST", base+"/catalog-items", ops, map[string]any{"name": "VPNアカウント発行",
		"fields": []map[string]any{{"name": "user_name", "label": "氏名", "type": "string", "required": true}}}, &item)
	s.mustJSON(201, "POST", base+"/requests", ops, map[string]any{"kind": "request", "catalog_item_id": item.ID, "values": map[string]any{"user_name": "山田"}}, &req)
	s.mustJSON(201, "POST", base+"/problems", ops, map[string]any{"title": "夜間バックアップ失敗の再発", "priority": 2}, &prb)
	start := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Hour)
	s.mustJSON(201, "POST", base+"/changes", ops, map[string]any{"type": "normal", "title": "DBパッチ適用", "risk": "medium",
		"selector": map[string]string{"role": "db"}, "implementation_plan": "patch", "backout_plan": "rollback",
		"start": start.Format(time.RFC3339), "end": start.Add(2 * time.Hour).Format(time.RFC3339)}, &chg)
	outbox := awaitOutbox(t, s, ops, 5, func(e outboxEntry) bool { return e.DoneAt != nil })

	// The instance goes down; the updates are queued and tried in vain.
	sn.SetDown(true)
	s.mustJSON(200, "POST", fmt.Sprintf("%s/requests/%d/work-notes", base, inq.ID), ops, map[string]string{"text": "MSサポートへ連絡済み"}, nil)
	s.mustJSON(200, "POST", fmt.Sprintf("%s/requests/%d/state", base, req.ID), ops, map[string]string{"state": "in_progress"}, nil)
	s.mustJSON(200, "POST", fmt.Sprintf("%s/problems/%d/state", base, prb.ID), ops, map[string]string{"state": "assess"}, nil)
	s.mustJSON(200, "POST", fmt.Sprintf("%s/changes/%d/submit", base, chg.ID), ops, map[string]any{}, nil)
	awaitOutbox(t, s, ops, 9, func(e outboxEntry) bool { return e.DoneAt != nil || e.Attempts > 0 })
	if err := s.stop(syscall.SIGKILL); err != nil && !strings.Contains(err.Error(), "killed") {
		t.Fatalf("kill: %v", err)
	}
	sn.SetDown(false)

	s = startServer(t, dir)
	outbox = awaitOutbox(t, s, ops, 9, func(e outboxEntry) bool { return e.DoneAt != nil && e.LastError == "" })
	want := map[string][]string{
		"incident":       {"POST", "PATCH work_notes=MSサポートへ連絡済み"},
		"sc_request":     {"POST", "PATCH state=2"},
		"sc_req_item":    {"POST"},
		"problem":        {"POST", "PATCH state=102"},
		"change_request": {"POST", "PATCH state=-3"},
	}
	got := map[string][]string{}
	for _, r := range sn.Requests() {
		w := r.Method
		for _, f := range []string{"work_notes", "state"} {
			if v, ok := r.Fields[f]; ok && r.Method == "PATCH" {
				w += " " + f + "=" + v
			}
		}
		got[r.Table] = append(got[r.Table], w)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("ServiceNow saw\n %v\nwant\n %v\noutbox %+v", got, want, outbox)
	}
	for table, n := range map[string]int{"incident": 1, "sc_request": 1, "sc_req_item": 1, "problem": 1, "change_request": 1} {
		if recs := sn.RecordsIn(table); len(recs) != n {
			t.Errorf("%d records in %s, want %d", len(recs), table, n)
		}
	}
	if strings.Contains(s.stderr.String(), "sn-pass-kill9") {
		t.Error("the ServiceNow password reached the log")
	}
}

type outboxEntry struct {
	Kind      string     `json:"kind"`
	Op        string     `json:"op"`
	Attempts  int        `json:"attempts"`
	DoneAt    *time.Time `json:"done_at"`
	LastError string     `json:"last_error"`
}

// awaitOutbox polls the tenant's ServiceNow outbox until it holds n entries
// that all satisfy ok, and returns them.
func awaitOutbox(t *testing.T, s *server, token string, n int, ok func(outboxEntry) bool) []outboxEntry {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var list []outboxEntry
		s.mustJSON(200, "GET", "/api/v1/tenants/acme/servicenow/outbox", token, nil, &list)
		good := len(list) == n
		for _, e := range list {
			good = good && ok(e)
		}
		if good {
			return list
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox not as awaited within 20s: %+v", list)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
