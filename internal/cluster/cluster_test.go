package cluster

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/model"
)

// TestMembership: replicas on one database see each other; one whose
// heartbeat went stale, or that stopped cleanly, is down; the self metric
// counts both states.
func TestMembership(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t)
	now := time.Now()
	clock := func() time.Time { return now }
	member := func(id string) *Membership {
		m := New(db, Options{ID: id, Address: "http://" + id + ":8080", Version: "1.2.3", Interval: time.Second}, nil)
		m.now = clock
		if err := m.Register(ctx); err != nil {
			t.Fatal(err)
		}
		return m
	}
	a, b, c := member("a"), member("b"), member("c")

	// c stops cleanly; b stops beating; a beats on.
	cctx, stop := context.WithCancel(ctx)
	stop()
	if err := c.Run(cctx); err != nil {
		t.Fatal(err)
	}
	now = now.Add(5 * time.Second) // past b's four intervals
	if err := a.beat(ctx); err != nil {
		t.Fatal(err)
	}
	list, err := a.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, r := range list {
		got[r.ID] = r.Up
		if r.Version != "1.2.3" || r.Address != "http://"+r.ID+":8080" || r.Self != (r.ID == "a") {
			t.Errorf("replica %+v", r)
		}
	}
	if len(list) != 3 || !got["a"] || got["b"] || got["c"] {
		t.Fatalf("up = %v, want a up, b (stale) and c (stopped) down", got)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(a)
	want := `
# HELP unyo_cluster_replicas Replicas sharing this database, by state (up: heartbeat fresh; down: stopped or stale), as this replica saw at its last heartbeat.
# TYPE unyo_cluster_replicas gauge
unyo_cluster_replicas{state="down"} 2
unyo_cluster_replicas{state="up"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "unyo_cluster_replicas"); err != nil {
		t.Error(err)
	}

	// b beats again: up, with its row as it was.
	b.now = clock
	if err := b.beat(ctx); err != nil {
		t.Fatal(err)
	}
	// A day later only those that beat are listed.
	now = now.Add(25 * time.Hour)
	if err := a.beat(ctx); err != nil {
		t.Fatal(err)
	}
	if list, _ := a.List(ctx); len(list) != 1 || list[0].ID != "a" {
		t.Errorf("after a day: %+v, want a alone", list)
	}
}

// TestClusterViewIsTheMSPAdmins: GET /api/v1/cluster answers the MSP
// admin with the replicas and their leases, and refuses a tenant's admin
// token and an MSP-wide token without the admin scope.
func TestClusterViewIsTheMSPAdmins(t *testing.T) {
	db := dbtest.Open(t)
	m := New(db, Options{ID: "r1", Address: "http://10.0.0.1:8080", Version: "v",
		Leases: func(context.Context) (map[string][]Lease, error) {
			return map[string][]Lease{"r1": {{Name: "rules/acme", ExpiresAt: time.Now().Add(time.Minute)}}}, nil
		}}, nil)
	if err := m.Register(context.Background()); err != nil {
		t.Fatal(err)
	}
	h := NewHandlers(m).Routes()[0].Handler
	call := func(p *auth.Principal) (int, string) {
		req := httptest.NewRequest("GET", "/api/v1/cluster", nil)
		rec := httptest.NewRecorder()
		h(rec, req.WithContext(auth.WithPrincipal(req.Context(), p)))
		return rec.Code, rec.Body.String()
	}
	for name, p := range map[string]*auth.Principal{
		"tenant admin token": auth.TokenPrincipal(&model.Token{ID: 1, Name: "t", TenantID: "acme", Scopes: []model.Scope{model.ScopeAdmin, model.ScopeRead}}),
		"MSP read token":     auth.TokenPrincipal(&model.Token{ID: 2, Name: "r", Scopes: []model.Scope{model.ScopeRead}}),
		"tenant viewer":      auth.UserPrincipal(&model.User{ID: 3, Login: "v", Role: model.RoleViewer, TenantID: "acme"}),
	} {
		if code, body := call(p); code != http.StatusForbidden || strings.Contains(body, "10.0.0.1") {
			t.Errorf("%s: %d %s, want 403", name, code, body)
		}
	}
	code, body := call(auth.UserPrincipal(&model.User{ID: 4, Login: "admin", Role: model.RoleAdmin}))
	var v View
	if err := json.Unmarshal([]byte(body), &v); code != 200 || err != nil {
		t.Fatalf("MSP admin: %d %s", code, body)
	}
	if v.Self != "r1" || len(v.Replicas) != 1 || !v.Replicas[0].Up || v.Replicas[0].Address != "http://10.0.0.1:8080" ||
		len(v.Replicas[0].Leases) != 1 || v.Replicas[0].Leases[0].Name != "rules/acme" {
		t.Errorf("view = %s", body)
	}
}
