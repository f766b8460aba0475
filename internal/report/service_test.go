package report

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/model"
)

// TestServiceReportHoldsOneService: the report of ECサイト shows that
// service's availability, its host web-01 (not db-01 of API), the alerts of
// web-01 and the incidents of ECサイト only, and says which service it is.
func TestServiceReportHoldsOneService(t *testing.T) {
	f := newFixtureFrom(t, []string{"acme"}, 2, toNov.Add(-3*time.Hour), time.Minute)
	ctx := context.Background()
	svcs, err := f.db.Services(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for _, s := range svcs {
		ids[s.Name] = s.ID
	}
	for host, svc := range map[string]string{"web-01": "ECサイト", "db-01": "API"} {
		id := ids[svc]
		if err := f.db.CreateResource(ctx, &model.Resource{TenantID: "acme", Name: host, Kind: "host", ServiceID: &id}); err != nil {
			t.Fatal(err)
		}
	}
	s := newAPIOn(t, f)
	st := decodeAs[Stored](t, s.want(t, 201, "POST", "/api/v1/tenants/acme/reports", acmeRW,
		map[string]string{"from": "2026-11-01", "to": "2026-11-30", "service": "ECサイト"}))
	r := st.Content
	if st.Service != "ECサイト" || r.Service != "ECサイト" {
		t.Errorf("service %q / %q, want ECサイト", st.Service, r.Service)
	}
	if len(r.Summary.Services) != 1 || r.Summary.Services[0].Service != "ECサイト" {
		t.Errorf("availability of %+v, want ECサイト only", r.Summary.Services)
	}
	if len(r.Hosts) != 1 || r.Hosts[0].Host != "web-01" {
		t.Errorf("hosts %+v, want web-01 only", r.Hosts)
	}
	if r.Alerts.Total.Now != 4 || len(r.Alerts.ByHost) != 1 || r.Alerts.ByHost[0].Key != "web-01" {
		t.Errorf("alerts %+v, want web-01's 4", r.Alerts)
	}
	if len(r.Responses.Incidents) != 1 || r.Responses.Incidents[0].ID != "INC-1" {
		t.Errorf("incidents %+v, want INC-1 of ECサイト", r.Responses.Incidents)
	}
	if d := Layout(r); d.Title != "運用報告書（ECサイト）" {
		t.Errorf("title %q", d.Title)
	}
	// The whole tenant's report still has both.
	whole := decodeAs[Stored](t, s.want(t, 201, "POST", "/api/v1/tenants/acme/reports", acmeRW, map[string]string{"from": "2026-11-01", "to": "2026-11-30"}))
	if whole.Service != "" || len(whole.Content.Hosts) != 2 || len(whole.Content.Summary.Services) != 2 {
		t.Errorf("whole report: service %q hosts %d services %d", whole.Service, len(whole.Content.Hosts), len(whole.Content.Summary.Services))
	}
	list := decodeAs[[]Stored](t, s.want(t, 200, "GET", "/api/v1/tenants/acme/reports", acmeRW, nil))
	if len(list) != 2 || list[0].Service == list[1].Service {
		t.Errorf("list %+v, want the service's and the whole report", list)
	}
	// An unknown service is a 400 naming the field.
	code, body := s.do(t, "POST", "/api/v1/tenants/acme/reports", acmeRW, map[string]string{"from": "2026-11-01", "to": "2026-11-30", "service": "nope"})
	if code != 400 || !strings.Contains(string(body), `"service"`) {
		t.Errorf("unknown service: %s, want the field named", body)
	}
}
