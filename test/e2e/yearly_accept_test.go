package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestYearlyPlanAcceptMakesNextYearsDraft is the yearly plan's accept on
// the real binary: sixteen days of a host's CPU pushed through remote
// write give the group a forecast; the MSP's accept makes one draft
// version of the group's plan, with seasons and the reason naming the
// year; a second accept adds nothing; the customer's viewer may not
// accept, and another tenant's caller gets 404.
func TestYearlyPlanAcceptMakesNextYearsDraft(t *testing.T) {
	s := startServer(t, t.TempDir())
	ingest, read := s.tenantWithTokens("acme")
	s.tenantWithTokens("beta")
	s.mustJSON(201, "POST", "/api/v1/users", "", map[string]any{"login": "acme-viewer", "role": "viewer", "tenant": "acme", "password": "acme-viewer-password"}, nil)
	s.mustJSON(201, "POST", "/api/v1/users", "", map[string]any{"login": "beta-viewer", "role": "viewer", "tenant": "beta", "password": "beta-viewer-password"}, nil)
	var g struct {
		ID int64 `json:"id"`
	}
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/capacity/groups", "", map[string]any{"name": "web", "service_id": s.capacityService(),
		"kind": "manual", "min": 1, "max": 10, "host_selector": `host="web-01"`}, &g)
	now := time.Now().Truncate(time.Minute)
	pushHost(s, ingest, "web-01", now.Add(-16*24*time.Hour), now, 0.4, 0.5)

	var plan struct {
		TimeZone string    `json:"time_zone"`
		YearFrom time.Time `json:"year_from"`
		Groups   []struct {
			Note string `json:"note"`
		} `json:"groups"`
	}
	s.mustJSON(200, "GET", "/api/v1/tenants/acme/yearly-plan", read, nil, &plan)
	if len(plan.Groups) != 1 || plan.Groups[0].Note != "" {
		t.Fatalf("no forecast for the group: %+v", plan.Groups)
	}
	loc, err := time.LoadLocation(plan.TimeZone)
	if err != nil {
		t.Fatal(err)
	}
	from := plan.YearFrom.In(loc)
	body := fmt.Sprintf(`{"from":%q,"target":60}`, from.Format("2006-01"))

	if code, out := s.asViewer("acme-viewer", "POST", "/api/v1/tenants/acme/yearly-plan/accept", body); code != 403 {
		t.Errorf("the customer's viewer accepts: %d %s", code, out)
	}
	if code, out := s.asViewer("beta-viewer", "POST", "/api/v1/tenants/acme/yearly-plan/accept", body); code != 404 {
		t.Errorf("beta's viewer on acme's yearly plan: %d %s", code, out)
	}
	var res struct {
		Accepted []struct {
			Created bool `json:"created"`
			Version struct {
				Version int    `json:"version"`
				State   string `json:"state"`
				Reason  string `json:"reason"`
			} `json:"version"`
		} `json:"accepted"`
	}
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/yearly-plan/accept", "", json.RawMessage(body), &res)
	want := fmt.Sprintf("yearly plan %d accepted", from.Year())
	if len(res.Accepted) != 1 || !res.Accepted[0].Created || res.Accepted[0].Version.State != "draft" || res.Accepted[0].Version.Reason != want {
		t.Fatalf("accept: %+v", res)
	}
	s.mustJSON(200, "POST", "/api/v1/tenants/acme/yearly-plan/accept", "", json.RawMessage(body), &res)
	if len(res.Accepted) != 1 || res.Accepted[0].Created {
		t.Fatalf("a second accept: %+v", res)
	}
	var versions []struct {
		Reason   string `json:"reason"`
		Document struct {
			Seasons []struct {
				From string `json:"from"`
			} `json:"seasons"`
		} `json:"document"`
		Origin *struct {
			Key string `json:"key"`
		} `json:"origin"`
	}
	code, out := s.asViewer("acme-viewer", "GET", fmt.Sprintf("/api/v1/tenants/acme/capacity/groups/%d/plan/versions", g.ID), "")
	if code != 200 || !strings.Contains(out, want) {
		t.Fatalf("the viewer's versions: %d %s", code, out)
	}
	s.mustJSON(200, "GET", fmt.Sprintf("/api/v1/tenants/acme/capacity/groups/%d/plan/versions", g.ID), read, nil, &versions)
	if len(versions) != 1 || versions[0].Origin == nil || versions[0].Origin.Key != "yearly-plan/"+from.Format("2006-01") ||
		len(versions[0].Document.Seasons) == 0 || versions[0].Document.Seasons[0].From != from.Format(time.DateOnly) {
		t.Fatalf("versions after two accepts: %+v", versions)
	}
}
