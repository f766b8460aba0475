package problem

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestRecurringIncidentsAreProposed: three incidents on one host within the
// tenant's period make a host proposal listing them, and three of one cause
// category a category proposal; two of another host make none, nor do
// another tenant's. Accepted, the proposal becomes a problem scoped to the
// host, linked to its three incidents, and is no longer proposed; dismissed,
// the category proposal is not proposed again for those incidents, until
// enough new ones recur.
func TestRecurringIncidentsAreProposed(t *testing.T) {
	fx := newFixture(t)
	var db1 []int64
	for i := range 3 {
		db1 = append(db1, fx.incident("acme", fmt.Sprintf("db1 slow %d", i), "acme-db1", "").ID)
	}
	fx.incident("acme", "web1 down", "acme-web1", "disk")
	fx.incident("acme", "web1 down again", "acme-web1", "disk")
	fx.incident("acme", "no host", "", "disk")
	for i := range 3 {
		fx.incident("beta", fmt.Sprintf("beta db1 slow %d", i), "beta-db1", "")
	}
	var props []Proposal
	fx.do("GET", "/api/v1/tenants/acme/problems/proposals", "acme:read", nil, &props)
	hostKey := fmt.Sprintf("host:%d", fx.hosts["acme-db1"])
	if len(props) != 2 || props[0].Key != "category:disk" && props[1].Key != "category:disk" {
		t.Fatalf("acme's proposals = %+v, want host acme-db1 and category disk", props)
	}
	var host *Proposal
	for i := range props {
		if props[i].Key == hostKey {
			host = &props[i]
		}
	}
	if host == nil || host.Label != "acme-db1" || len(host.Incidents) != 3 || host.Incidents[0].ID != db1[0] || host.Incidents[2].ID != db1[2] {
		t.Fatalf("host proposal = %+v, want acme-db1's three incidents", host)
	}

	var p Problem
	code, out := fx.do("POST", "/api/v1/tenants/acme/problems/proposals/"+hostKey+"/accept", "acme:read,write",
		map[string]any{"title": "db1 slow queries", "owner": "sato"}, &p)
	if code != 201 || p.Match.String() != hostKey || p.State != StateNew || p.Title != "db1 slow queries" || fmt.Sprint(p.IncidentIDs) != fmt.Sprint(db1) {
		t.Fatalf("accept = %d %s", code, out)
	}
	if !strings.HasPrefix(p.Number, "PRB") {
		t.Errorf("number %q, want PRB…", p.Number)
	}
	fx.do("GET", "/api/v1/tenants/acme/problems/proposals", "acme:read", nil, &props)
	if len(props) != 1 || props[0].Key != "category:disk" || len(props[0].Incidents) != 3 {
		t.Fatalf("after accept, proposals = %+v, want only the disk category", props)
	}
	if code, out := fx.do("POST", "/api/v1/tenants/acme/problems/proposals/"+hostKey+"/accept", "acme:read,write", nil, nil); code != 404 {
		t.Errorf("accepting an accepted proposal again = %d %s, want 404", code, out)
	}

	if code, out := fx.do("POST", "/api/v1/tenants/acme/problems/proposals/category:disk/dismiss", "acme:read,write", nil, nil); code != 204 {
		t.Fatalf("dismiss = %d %s", code, out)
	}
	fx.do("GET", "/api/v1/tenants/acme/problems/proposals", "acme:read", nil, &props)
	if len(props) != 0 {
		t.Fatalf("after dismiss, proposals = %+v, want none", props)
	}
	// Two more disk incidents are not enough with the three dismissed...
	fx.incident("acme", "disk 4", "", "disk")
	fx.incident("acme", "disk 5", "", "disk")
	if fx.do("GET", "/api/v1/tenants/acme/problems/proposals", "acme:read", nil, &props); len(props) != 0 {
		t.Fatalf("two new disk incidents proposed: %+v", props)
	}
	// ...a third new one is.
	fx.incident("acme", "disk 6", "", "disk")
	if fx.do("GET", "/api/v1/tenants/acme/problems/proposals", "acme:read", nil, &props); len(props) != 1 || len(props[0].Incidents) != 3 ||
		props[0].Incidents[0].ShortDescription != "disk 4" {
		t.Fatalf("three new disk incidents: proposals %+v, want the three new ones", props)
	}

	// beta's own proposal is beta's; acme's caller cannot act on it.
	fx.do("GET", "/api/v1/tenants/beta/problems/proposals", "beta:read", nil, &props)
	if len(props) != 1 || props[0].Label != "beta-db1" {
		t.Fatalf("beta's proposals = %+v", props)
	}
	if code, _ := fx.do("POST", "/api/v1/tenants/acme/problems/proposals/"+props[0].Key+"/accept", "acme:read,write", nil, nil); code != 404 {
		t.Errorf("acme accepting beta's host key = %d, want 404", code)
	}
}

// TestRecurrenceRule: the default rule is 3 in 30 days; incidents older
// than the period are not counted, and a tenant's own rule (2 in 1 day)
// proposes sooner. A bad rule is refused by field and changes nothing.
func TestRecurrenceRule(t *testing.T) {
	fx := newFixture(t)
	var st Settings
	fx.do("GET", "/api/v1/tenants/acme/problems/settings", "acme:read", nil, &st)
	if st.Threshold != 3 || time.Duration(st.Period) != 30*24*time.Hour {
		t.Fatalf("default rule = %+v", st)
	}
	for i := range 3 {
		fx.incident("acme", fmt.Sprint("old ", i), "acme-db1", "")
	}
	fx.clock = fx.clock.Add(31 * 24 * time.Hour)
	props, err := fx.store.Proposals(context.Background(), "acme")
	if err != nil || len(props) != 0 {
		t.Fatalf("31 days later, proposals = %+v %v, want none", props, err)
	}
	fx.clock = time.Now()
	if code, out := fx.do("PUT", "/api/v1/tenants/acme/problems/settings", "acme:read,write", map[string]any{"threshold": 1, "period": "24h"}, nil); code != 400 ||
		!strings.Contains(out, `"threshold"`) {
		t.Fatalf("threshold 1 = %d %s, want 400 naming threshold", code, out)
	}
	if code, out := fx.do("PUT", "/api/v1/tenants/acme/problems/settings", "acme:read,write", map[string]any{"threshold": 4, "period": "24h"}, nil); code != 200 {
		t.Fatalf("set rule = %d %s", code, out)
	}
	if props, _ := fx.store.Proposals(context.Background(), "acme"); len(props) != 0 {
		t.Fatalf("3 incidents against a threshold of 4 proposed: %+v", props)
	}
	fx.incident("acme", "fourth", "acme-db1", "")
	if props, _ := fx.store.Proposals(context.Background(), "acme"); len(props) != 1 || len(props[0].Incidents) != 4 {
		t.Fatalf("4 of 4: proposals %+v", props)
	}
	fx.do("GET", "/api/v1/tenants/beta/problems/settings", "beta:read", nil, &st)
	if st.Threshold != 3 {
		t.Errorf("beta's rule changed with acme's: %+v", st)
	}
}
