package e2e

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/servicenow/servicenowtest"
)

type clock struct {
	Clock   string `json:"clock"`
	State   string `json:"state"`
	Elapsed string `json:"elapsed"`
	Target  string `json:"target"`
}

type incidentView struct {
	ID             int64      `json:"id"`
	Number         string     `json:"number"`
	State          string     `json:"state"`
	Priority       int        `json:"priority"`
	OpenedAt       time.Time  `json:"opened_at"`
	AcknowledgedAt *time.Time `json:"acknowledged_at"`
	CauseAt        *time.Time `json:"cause_at"`
	ResolvedAt     *time.Time `json:"resolved_at"`
	Clocks         []clock    `json:"clocks"`
}

func (v incidentView) clock(t *testing.T, name string) clock {
	t.Helper()
	for _, c := range v.Clocks {
		if c.Clock == name {
			return c
		}
	}
	t.Fatalf("%s has no %s clock: %+v", v.Number, name, v.Clocks)
	return clock{}
}

// TestIncidentLifecycleWithServiceNow opens an incident through the API of
// the real binary, acknowledges it, records the cause and resolves it; the
// clocks read back through the API match the recorded instants exactly, and
// a ServiceNow instance (the contract fake, on loopback) sees the create,
// each update and the resolve once, in order. The clocks survive a restart.
func TestIncidentLifecycleWithServiceNow(t *testing.T) {
	t.Setenv("UNYO_SERVICENOW_INTERVAL", "100ms")
	sn := servicenowtest.New("unyo.integration", "sn-pass-e2e", "", "")
	defer sn.Close()
	dir := t.TempDir()
	s := startServer(t, dir)
	_, read := s.tenantWithTokens("acme")
	var tok struct {
		Token string `json:"token"`
	}
	s.mustJSON(201, "POST", "/api/v1/tokens", "", map[string]any{"name": "ops", "tenant": "acme", "scopes": []string{"read", "write", "admin"}}, &tok)
	ops := tok.Token
	var svc struct {
		ID int64 `json:"id"`
	}
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/services", "", map[string]any{"name": "web", "description": "",
		"service_level": map[string]any{"acknowledge_target": "1h", "identify_target": "4h", "resolve_target": "8h"}}, &svc)
	s.mustJSON(200, "PUT", "/api/v1/tenants/acme/servicenow", ops, map[string]any{"instance_url": sn.URL, "auth": "basic",
		"username": "unyo.integration", "password": "sn-pass-e2e"}, nil)

	var inc incidentView
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/incidents", ops, map[string]any{"service_id": svc.ID,
		"short_description": "Webサイト応答なし", "impact": 1, "urgency": 2}, &inc)
	if inc.Number != "INC0001001" || inc.Priority != 2 || inc.State != "new" {
		t.Fatalf("opened %+v", inc)
	}
	base := fmt.Sprintf("/api/v1/tenants/acme/incidents/%d", inc.ID)
	s.mustJSON(200, "POST", base+"/acknowledge", ops, map[string]any{}, nil)
	s.mustJSON(200, "POST", base+"/work-notes", ops, map[string]string{"text": "LBのヘルスチェック失敗を確認"}, nil)
	s.mustJSON(200, "POST", base+"/cause", ops, map[string]string{"cause": "証明書の期限切れ", "category": "certificate"}, nil)
	s.mustJSON(400, "POST", base+"/state", ops, map[string]string{"state": "resolved", "close_code": "Solution provided"}, nil)
	s.mustJSON(200, "POST", base+"/state", ops, map[string]string{"state": "resolved", "close_code": "Solution provided", "close_notes": "証明書を更新"}, &inc)

	checkClocks := func(v incidentView) {
		t.Helper()
		if v.State != "resolved" || v.AcknowledgedAt == nil || v.CauseAt == nil || v.ResolvedAt == nil {
			t.Fatalf("resolved incident: %+v", v)
		}
		for name, stop := range map[string]time.Time{"acknowledge": *v.AcknowledgedAt, "identify": *v.CauseAt, "resolve": *v.ResolvedAt} {
			c := v.clock(t, name)
			if want := stop.Sub(v.OpenedAt).String(); c.Elapsed != want || c.State != "met" {
				t.Errorf("%s clock: %s %s, want %s met (24x7: the time from opening to the stop)", name, c.Elapsed, c.State, want)
			}
		}
	}
	s.mustJSON(200, "GET", base, read, nil, &inc)
	checkClocks(inc)

	var m struct {
		Incidents int
		MTTA      struct{ Mean string }
		MTTI      struct{ Mean string }
		MTTR      struct{ Mean string }
	}
	day := inc.OpenedAt.Truncate(24 * time.Hour)
	s.mustJSON(200, "GET", "/api/v1/tenants/acme/incident-metrics?from="+day.Format(time.RFC3339)+"&to="+day.Add(48*time.Hour).Format(time.RFC3339), read, nil, &m)
	if m.Incidents != 1 || m.MTTA.Mean != inc.clock(t, "acknowledge").Elapsed || m.MTTI.Mean != inc.clock(t, "identify").Elapsed || m.MTTR.Mean != inc.clock(t, "resolve").Elapsed {
		t.Errorf("metrics %+v for clocks %+v", m, inc.Clocks)
	}

	var timeline []struct {
		Kind     string
		Internal bool
		Body     string
	}
	s.mustJSON(200, "GET", base+"/timeline", read, nil, &timeline)
	for _, e := range timeline {
		if e.Internal || strings.Contains(e.Body, "LB") {
			t.Errorf("a read-only token sees an internal entry: %+v", e)
		}
	}

	// ServiceNow: wait until the outbox is empty, then read what the instance saw.
	deadline := time.Now().Add(30 * time.Second)
	var outbox []struct {
		DoneAt    *time.Time `json:"done_at"`
		LastError string     `json:"last_error"`
	}
	for {
		s.mustJSON(200, "GET", "/api/v1/tenants/acme/servicenow/outbox", ops, nil, &outbox)
		pending := 0
		for _, e := range outbox {
			if e.DoneAt == nil {
				pending++
			}
		}
		if len(outbox) == 5 && pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox not delivered within 30s: %+v", outbox)
		}
		time.Sleep(100 * time.Millisecond)
	}
	want := []struct{ method, field, value string }{
		{"POST", "correlation_id", fmt.Sprint(inc.ID)},
		{"PATCH", "work_notes", "Acknowledged in unyo by token:ops"},
		{"PATCH", "work_notes", "LBのヘルスチェック失敗を確認"},
		{"PATCH", "work_notes", "Cause identified (certificate): 証明書の期限切れ"},
		{"PATCH", "state", "6"},
	}
	reqs := sn.Requests()
	if len(reqs) != len(want) {
		t.Fatalf("ServiceNow saw %d writes, want %d: %+v", len(reqs), len(want), reqs)
	}
	for i, w := range want {
		if reqs[i].Method != w.method || reqs[i].Fields[w.field] != w.value {
			t.Errorf("write %d: %s %v, want %s with %s=%q", i, reqs[i].Method, reqs[i].Fields, w.method, w.field, w.value)
		}
		if e := outbox[len(outbox)-1-i].LastError; e != "" {
			t.Errorf("outbox entry %d: %s", i, e)
		}
	}
	if rec := sn.Records(); len(rec) != 1 || rec[0]["close_notes"] != "証明書を更新" || rec[0]["state"] != "6" {
		t.Errorf("ServiceNow records: %+v", rec)
	}
	if strings.Contains(s.stderr.String(), "sn-pass-e2e") {
		t.Error("the ServiceNow password reached the log")
	}

	// The clocks are events in the database: a restarted server reads the same figures.
	if err := s.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("stop: %v\n%s", err, s.stderr)
	}
	s = startServer(t, dir)
	var again incidentView
	s.mustJSON(200, "GET", base, read, nil, &again)
	checkClocks(again)
	if fmt.Sprint(again.Clocks) != fmt.Sprint(inc.Clocks) {
		t.Errorf("clocks after restart %+v, before %+v", again.Clocks, inc.Clocks)
	}
	if n := len(sn.Requests()); n != len(want) {
		t.Errorf("the restart sent %d more writes to ServiceNow", n-len(want))
	}
}
