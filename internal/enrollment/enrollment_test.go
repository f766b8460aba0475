package enrollment

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/facts"
	"github.com/unyo-ops/unyo/internal/apitest"
	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
)

type fixture struct {
	db        *sql.DB
	st        *storage.Store
	srv       *httptest.Server
	forgotten []int64
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, dbtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	fx := &fixture{db: db, st: storage.New(db)}
	for _, id := range []string{"acme", "beta"} {
		if err := fx.st.CreateTenant(ctx, &model.Tenant{ID: id, Name: id, Language: "ja", TimeZone: "Asia/Tokyo"}); err != nil {
			t.Fatal(err)
		}
	}
	h := NewHandlers(NewStore(db), fx.st, func(id int64) { fx.forgotten = append(fx.forgotten, id) }, nil)
	fx.srv = apitest.NewServer(t, h.Routes())
	return fx
}

// token stores a token of tenant and returns its secret.
func (fx *fixture) token(t *testing.T, tenant, selector string, scopes ...model.Scope) (string, *model.Token) {
	t.Helper()
	secret, hash := auth.NewToken()
	tok := &model.Token{Name: "installer", TenantID: tenant, Scopes: scopes, Hash: hash, Prefix: auth.DisplayPrefix(secret),
		CreatedBy: "user:admin", HostSelector: selector}
	if err := fx.st.CreateToken(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	return secret, tok
}

func (fx *fixture) enroll(t *testing.T, secret string, body any) (int, []byte) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", fx.srv.URL+facts.EnrollPath, bytes.NewReader(b))
	if secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

func (fx *fixture) hosts(t *testing.T, tenant string) []*model.Resource {
	t.Helper()
	list, err := fx.st.Resources(context.Background(), tenant, storage.ResourceFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func linuxHost(name, machineID string) facts.EnrollRequest {
	return facts.EnrollRequest{Host: name, Facts: facts.Facts{Hostname: name, MachineID: machineID, OS: "linux",
		OSVersion: "debian 12", Arch: "amd64", IPs: []string{"10.0.0.5"}}}
}

func azureHost(name, machineID, vmID string) facts.EnrollRequest {
	in := linuxHost(name, machineID)
	in.Facts.Cloud = &facts.Cloud{Provider: "azure", Region: "japaneast", InstanceID: vmID, VMSize: "Standard_B2s",
		Tags: map[string]string{"env": "prod", "cost-center": "42"}}
	return in
}

// TestEnrollRegistersTheHostWithItsFacts: a new host becomes a host resource
// of the token's tenant with its facts as labels, and gets an ingest token
// of that tenant that authenticates.
func TestEnrollRegistersTheHostWithItsFacts(t *testing.T) {
	fx := newFixture(t)
	secret, _ := fx.token(t, "acme", "", model.ScopeEnroll)
	code, out := fx.enroll(t, secret, azureHost("web-01", "m-1", "vm-1"))
	if code != 201 {
		t.Fatalf("enroll = %d %s", code, out)
	}
	var got facts.Enrolled
	json.Unmarshal(out, &got)
	if got.Tenant != "acme" || got.Host != "web-01" || !got.Created || got.Token == "" {
		t.Fatalf("answer: %+v", got)
	}
	hosts := fx.hosts(t, "acme")
	if len(hosts) != 1 || hosts[0].Kind != "host" || hosts[0].ID != got.ResourceID {
		t.Fatalf("acme's resources: %+v", hosts)
	}
	want := map[string]string{"os": "linux", "os_version": "debian 12", "arch": "amd64", "hostname": "web-01", "ips": "10.0.0.5",
		"machine_id": "m-1", "cloud": "azure", "region": "japaneast", "instance_id": "vm-1", "vm_size": "Standard_B2s",
		"tag_env": "prod", "tag_cost_center": "42"}
	for k, v := range want {
		if hosts[0].Labels[k] != v {
			t.Errorf("label %s = %q, want %q (all: %v)", k, hosts[0].Labels[k], v, hosts[0].Labels)
		}
	}
	tok, err := fx.st.TokenByHash(context.Background(), auth.HashToken(got.Token))
	if err != nil || tok.TenantID != "acme" || len(tok.Scopes) != 1 || tok.Scopes[0] != model.ScopeIngest || tok.RevokedAt != nil {
		t.Fatalf("the host's token: %+v %v", tok, err)
	}
	if len(fx.hosts(t, "beta")) != 0 {
		t.Fatal("tenant beta got a resource")
	}
}

// TestReEnrollKeepsOneResource: the same machine enrolling again (even
// renamed) keeps its resource, its labels refreshed and those set by hand
// kept, and its token rotated: the old one revoked and forgotten. A VM
// cloned from the same image (same machine ID, another instance ID) is
// another host.
func TestReEnrollKeepsOneResource(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	secret, _ := fx.token(t, "acme", "", model.ScopeEnroll)
	var first, second facts.Enrolled
	code, out := fx.enroll(t, secret, azureHost("web-01", "m-1", "vm-1"))
	json.Unmarshal(out, &first)
	if code != 201 {
		t.Fatalf("first enroll = %d %s", code, out)
	}
	r, _ := fx.st.Resource(ctx, "acme", first.ResourceID)
	r.Labels["role"] = "frontend" // set by an operator
	if err := fx.st.UpdateResource(ctx, r); err != nil {
		t.Fatal(err)
	}
	again := azureHost("web-01-renamed", "m-1", "vm-1")
	again.Facts.Cloud.VMSize = "Standard_D4s"
	code, out = fx.enroll(t, secret, again)
	json.Unmarshal(out, &second)
	if code != 200 || second.Created || second.ResourceID != first.ResourceID || second.Host != "web-01" {
		t.Fatalf("re-enroll = %d %s, want 200 on resource %d named web-01", code, out, first.ResourceID)
	}
	hosts := fx.hosts(t, "acme")
	if len(hosts) != 1 {
		t.Fatalf("%d resources after re-enrolling, want 1: %+v", len(hosts), hosts)
	}
	if l := hosts[0].Labels; l["vm_size"] != "Standard_D4s" || l["hostname"] != "web-01-renamed" || l["role"] != "frontend" {
		t.Fatalf("labels after re-enrolling: %v", l)
	}
	old, _ := fx.st.TokenByHash(ctx, auth.HashToken(first.Token))
	cur, _ := fx.st.TokenByHash(ctx, auth.HashToken(second.Token))
	if old.RevokedAt == nil || cur.RevokedAt != nil {
		t.Fatalf("old token revoked %v, new token revoked %v; want only the old one", old.RevokedAt, cur.RevokedAt)
	}
	if len(fx.forgotten) != 1 || fx.forgotten[0] != old.ID {
		t.Fatalf("forgotten tokens %v, want [%d]", fx.forgotten, old.ID)
	}
	// Off a cloud, the machine ID alone decides.
	fx.enroll(t, secret, linuxHost("db-01", "m-2"))
	if code, out := fx.enroll(t, secret, linuxHost("db-01", "m-2")); code != 200 {
		t.Fatalf("re-enroll by machine ID = %d %s", code, out)
	}
	clone := azureHost("web-02", "m-1", "vm-2")
	if code, out := fx.enroll(t, secret, clone); code != 201 {
		t.Fatalf("a clone with another instance ID = %d %s, want a new resource", code, out)
	}
	if n := len(fx.hosts(t, "acme")); n != 3 {
		t.Fatalf("%d resources, want web-01, db-01, web-02", n)
	}
}

// TestEnrollAdoptsAHostRegisteredByHand: a host resource created through
// the API before the agent enrolled is the one it becomes.
func TestEnrollAdoptsAHostRegisteredByHand(t *testing.T) {
	fx := newFixture(t)
	hand := &model.Resource{TenantID: "acme", Name: "web-01", Kind: "host", Labels: map[string]string{"role": "frontend"}}
	if err := fx.st.CreateResource(context.Background(), hand); err != nil {
		t.Fatal(err)
	}
	secret, _ := fx.token(t, "acme", "", model.ScopeEnroll)
	code, out := fx.enroll(t, secret, linuxHost("web-01", "m-1"))
	var got facts.Enrolled
	json.Unmarshal(out, &got)
	if code != 200 || got.ResourceID != hand.ID || got.Labels["role"] != "frontend" || got.Labels["machine_id"] != "m-1" {
		t.Fatalf("enroll = %d %s, want resource %d adopted", code, out, hand.ID)
	}
	// Another machine of the same name is refused, naming the way out.
	code, out = fx.enroll(t, secret, linuxHost("web-01", "m-other"))
	if code != 409 || !strings.Contains(string(out), "--host") {
		t.Fatalf("another machine named web-01 = %d %s, want 409 naming --host", code, out)
	}
}

// TestEnrollRefusals: each refusal says why, and stores nothing.
func TestEnrollRefusals(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	revoked, rt := fx.token(t, "acme", "", model.ScopeEnroll)
	if err := fx.st.RevokeToken(ctx, "acme", rt.ID); err != nil {
		t.Fatal(err)
	}
	ingest, _ := fx.token(t, "acme", "", model.ScopeIngest)
	azureOnly, _ := fx.token(t, "acme", "cloud=azure,os=linux", model.ScopeEnroll)
	good, _ := fx.token(t, "acme", "", model.ScopeEnroll)
	expired, et := fx.token(t, "acme", "", model.ScopeEnroll)
	if _, err := fx.db.ExecContext(ctx, `UPDATE api_tokens SET expires_at=? WHERE id=?`, time.Now().Add(-time.Hour).UnixMilli(), et.ID); err != nil {
		t.Fatal(err)
	}
	noID := linuxHost("web-01", "")
	noName := linuxHost("", "m-1")
	f := func(name, secret string, body any, code int, says string) {
		t.Helper()
		got, out := fx.enroll(t, secret, body)
		if got != code || !strings.Contains(string(out), says) {
			t.Errorf("%s: %d %s, want %d saying %q", name, got, out, code, says)
		}
	}
	f("no token", "", linuxHost("web-01", "m-1"), 401, "enroll token")
	f("unknown token", "unyo_0000000000000000000000000000000000000000", linuxHost("web-01", "m-1"), 401, "not recognised")
	f("revoked", revoked, linuxHost("web-01", "m-1"), 401, "was revoked")
	f("expired", expired, linuxHost("web-01", "m-1"), 401, "expired")
	f("ingest token", ingest, linuxHost("web-01", "m-1"), 403, "no enroll scope")
	f("selector", azureOnly, linuxHost("web-01", "m-1"), 403, "cloud=azure,os=linux")
	f("no identity", good, noID, 400, `"field":"facts.machine_id"`)
	f("no host", good, noName, 400, `"field":"host"`)
	f("bad json", good, "{", 400, "")
	if n := len(fx.hosts(t, "acme")); n != 0 {
		t.Fatalf("refused enrollments stored %d resources", n)
	}
	if code, out := fx.enroll(t, azureOnly, azureHost("web-01", "m-1", "vm-1")); code != 201 {
		t.Fatalf("a matching host with the limited token = %d %s", code, out)
	}
}

// TestEnrollmentIsAudited: the resource, the rotation and the token commit
// with the enrollment's audit entry, or not at all.
func TestEnrollmentIsAudited(t *testing.T) {
	fx := newFixture(t)
	secret, _ := fx.token(t, "acme", "", model.ScopeEnroll)
	do := func(method, path string, body any) (int, []byte) { return fx.enroll(t, secret, body) }
	state := func() string {
		var n int
		fx.db.QueryRow(`SELECT COUNT(*) FROM api_tokens WHERE revoked_at IS NULL`).Scan(&n)
		b, _ := json.Marshal(fx.hosts(t, "acme"))
		return fmt.Sprintf("%s tokens:%d", b, n)
	}
	for _, body := range []facts.EnrollRequest{linuxHost("web-01", "m-1"), linuxHost("web-01", "m-1")} {
		apitest.CheckAudited(t, fx.db, do, "acme", apitest.Change{Method: "POST", Path: facts.EnrollPath, Body: body,
			State: state, Action: "enroll", ObjectType: "resource"})
	}
}

func TestOpenAPI(t *testing.T) {
	apitest.CheckOpenAPI(t, NewHandlers(nil, nil, nil, nil))
}
