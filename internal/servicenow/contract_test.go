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
