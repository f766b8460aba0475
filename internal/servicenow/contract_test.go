package servicenow

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/servicenow/servicenowtest"
)

// TestFakeEnforcesTheTableAPIContract checks the fake against the rules of
// the Table API, through the client and with raw requests the client would
// never send, so that a client bug could not pass unnoticed.
func TestFakeEnforcesTheTableAPIContract(t *testing.T) {
	sn := servicenowtest.New("u", "p", "cid", "csecret")
	defer sn.Close()
	ctx := context.Background()
	good := NewClient(Config{InstanceURL: sn.URL, Auth: AuthBasic, Username: "u"}, Credentials{Password: "p"}, loopback, time.Second)
	status := func(err error) int {
		var ae *APIError
		if errors.As(err, &ae) {
			return ae.Status
		}
		return 0
	}
	rec, err := good.Create(ctx, "incident", Record{"short_description": "x", "correlation_id": "42"})
	if err != nil || len(rec["sys_id"]) != 32 || !strings.HasPrefix(rec["number"], "INC") || rec["state"] != "1" {
		t.Fatalf("create: %v %v", rec, err)
	}
	found, err := good.ByCorrelation(ctx, "incident", "42")
	if err != nil || found["sys_id"] != rec["sys_id"] {
		t.Errorf("lookup by correlation_id: %v %v", found, err)
	}
	if none, err := good.ByCorrelation(ctx, "incident", "43"); err != nil || none != nil {
		t.Errorf("lookup of an unknown correlation_id: %v %v", none, err)
	}
	_, err = good.Update(ctx, "incident", rec["sys_id"], Record{"state": "6"})
	if status(err) != http.StatusForbidden || Retryable(err) {
		t.Errorf("resolve without close_code: %v, want a 403 that is not retried", err)
	}
	_, err = good.Update(ctx, "incident", rec["sys_id"], Record{"state": "6", "close_code": "Solution provided"})
	if status(err) != http.StatusForbidden {
		t.Errorf("resolve without close_notes: %v, want 403", err)
	}
	if got, err := good.Update(ctx, "incident", rec["sys_id"], Record{"state": "6", "close_code": "Solution provided", "close_notes": "done"}); err != nil || got["state"] != "6" {
		t.Errorf("resolve with both: %v %v", got, err)
	}
	if _, err := good.Update(ctx, "incident", "0123456789abcdef0123456789abcdef", Record{"state": "2"}); status(err) != http.StatusNotFound {
		t.Errorf("patch of an unknown sys_id: %v", err)
	}
	wrong := NewClient(Config{InstanceURL: sn.URL, Auth: AuthBasic, Username: "u"}, Credentials{Password: "nope"}, loopback, time.Second)
	if _, err := wrong.Get(ctx, "incident", rec["sys_id"]); status(err) != http.StatusUnauthorized {
		t.Errorf("bad password: %v, want 401", err)
	}
	oauth := NewClient(Config{InstanceURL: sn.URL, Auth: AuthOAuth, ClientID: "cid"}, Credentials{ClientSecret: "csecret"}, loopback, time.Second)
	if got, err := oauth.Get(ctx, "incident", rec["sys_id"]); err != nil || got["number"] != rec["number"] {
		t.Errorf("OAuth client credentials: %v %v", got, err)
	}
	badOAuth := NewClient(Config{InstanceURL: sn.URL, Auth: AuthOAuth, ClientID: "cid"}, Credentials{ClientSecret: "x"}, loopback, time.Second)
	if _, err := badOAuth.Get(ctx, "incident", rec["sys_id"]); err == nil || strings.Contains(err.Error(), "csecret") {
		t.Errorf("bad client secret: %v", err)
	}
	raw := func(method, path, body string, auth bool) int {
		req, _ := http.NewRequest(method, sn.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if auth {
			req.SetBasicAuth("u", "p")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if c := raw("POST", "/api/now/table/incident", `{"impact":2}`, true); c != 400 {
		t.Errorf("a number value: %d, want 400", c)
	}
	if c := raw("POST", "/api/now/table/incident", `{"impact":"2"}`, false); c != 401 {
		t.Errorf("no credentials: %d, want 401", c)
	}
	if c := raw("POST", "/api/now/table/problem_x", `{}`, true); c != 400 {
		t.Errorf("another table: %d, want 400", c)
	}
	if c := raw("DELETE", "/api/now/table/incident", ``, true); c != 405 {
		t.Errorf("DELETE of the table: %d, want 405", c)
	}
	sn.SetDown(true)
	if _, err := good.Get(ctx, "incident", rec["sys_id"]); status(err) != 503 || !Retryable(err) {
		t.Errorf("instance down: %v, want a retryable 503", err)
	}
}

// TestFakeEnforcesTheOtherTables holds the fake to the contract of the
// tables beyond incident: numbering per table, each table's state choices
// and data policy, the request of a requested item, and the journal.
func TestFakeEnforcesTheOtherTables(t *testing.T) {
	sn := servicenowtest.New("u", "p", "", "")
	defer sn.Close()
	ctx := context.Background()
	c := NewClient(Config{InstanceURL: sn.URL, Auth: AuthBasic, Username: "u"}, Credentials{Password: "p"}, loopback, time.Second)
	status := func(err error) int {
		var ae *APIError
		if errors.As(err, &ae) {
			return ae.Status
		}
		return 0
	}
	for table, prefix := range map[string]string{TableCase: "CS", TableRequest: "REQ", TableProblem: "PRB"} {
		rec, err := c.Create(ctx, table, Record{"short_description": "x"})
		if err != nil || !strings.HasPrefix(rec["number"], prefix) || rec["sys_class_name"] != table {
			t.Errorf("create in %s: %v %v", table, rec, err)
		}
	}
	if rec := sn.RecordsIn(TableProblem)[0]; rec["state"] != "101" {
		t.Errorf("a new problem is in state %q, want 101", rec["state"])
	}
	prb := sn.RecordsIn(TableProblem)[0]["sys_id"]
	if _, err := c.Update(ctx, TableProblem, prb, Record{"state": "6"}); status(err) != 403 {
		t.Errorf("an incident's state on a problem: %v, want 403", err)
	}
	if _, err := c.Update(ctx, TableProblem, prb, Record{"state": "106"}); status(err) != 403 {
		t.Errorf("a problem resolved without resolution_code: %v, want 403", err)
	}
	if _, err := c.Update(ctx, TableProblem, prb, Record{"state": "106", "resolution_code": "fix_applied"}); err != nil {
		t.Errorf("a problem resolved with its code: %v", err)
	}
	if _, err := c.Update(ctx, TableIncident, prb, Record{"state": "2"}); status(err) != 404 {
		t.Errorf("a problem's sys_id patched as an incident: %v, want 404", err)
	}
	chg := Record{"short_description": "x", "type": "normal", "start_date": "2026-01-10 13:00:00", "end_date": "2026-01-10 12:00:00"}
	if _, err := c.Create(ctx, TableChange, chg); status(err) != 403 {
		t.Errorf("a change ending before it starts: %v, want 403", err)
	}
	chg["end_date"] = "2026-01-10T15:00:00Z"
	if _, err := c.Create(ctx, TableChange, chg); status(err) != 403 {
		t.Errorf("a change with an RFC 3339 date: %v, want 403", err)
	}
	chg["end_date"], chg["type"] = "2026-01-10 15:00:00", ""
	if _, err := c.Create(ctx, TableChange, chg); status(err) != 403 {
		t.Errorf("a change without a type: %v, want 403", err)
	}
	chg["type"] = "normal"
	rec, err := c.Create(ctx, TableChange, chg)
	if err != nil || rec["state"] != "-5" || !strings.HasPrefix(rec["number"], "CHG") {
		t.Fatalf("a normal change: %v %v", rec, err)
	}
	if _, err := c.Update(ctx, TableChange, rec["sys_id"], Record{"state": "3", "close_notes": "done"}); status(err) != 403 {
		t.Errorf("a change closed without close_code: %v, want 403", err)
	}
	if _, err := c.Create(ctx, TableReqItem, Record{"request": rec["sys_id"]}); status(err) != 403 {
		t.Errorf("an item under a change: %v, want 403", err)
	}
	req := sn.RecordsIn(TableRequest)[0]["sys_id"]
	if _, err := c.Create(ctx, TableReqItem, Record{"request": req}); err != nil {
		t.Errorf("an item under its request: %v", err)
	}
	if _, err := c.Update(ctx, TableChange, rec["sys_id"], Record{"work_notes": "one", "comments": "two"}); err != nil {
		t.Fatal(err)
	}
	sn.AddJournal(rec["sys_id"], "work_notes", "cab.member", "three")
	all, err := c.Journal(ctx, rec["sys_id"], "")
	if err != nil || len(all) != 3 || all[0]["sys_created_by"] != "u" || all[2]["sys_created_by"] != "cab.member" {
		t.Fatalf("journal: %v %v", all, err)
	}
	if got := sn.Record(rec["sys_id"]); got["work_notes"] != "" {
		t.Errorf("a journal field was stored on the record: %v", got)
	}
	since, err := c.Journal(ctx, rec["sys_id"], all[2]["sys_created_on"])
	if err != nil || len(since) != 1 || since[0]["value"] != "three" {
		t.Errorf("journal since the last entry: %v %v", since, err)
	}
	writes := sn.Requests()
	if last := writes[len(writes)-1]; last.Table != TableChange || last.Method != "PATCH" || last.Fields["comments"] != "two" {
		t.Errorf("the last write recorded: %+v", last)
	}
}
