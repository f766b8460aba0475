package api_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/prompb"

	"github.com/unyo-ops/unyo/internal/incident"
)

// TestTenantIsolation walks the whole route table with tenant b's token, which
// holds every scope, aimed at tenant a's objects, and proves that it reads and
// changes nothing of a's. Because it walks the route table, a new route is
// covered the day it is added: it must either refuse (403/404/400) or be listed
// below with a check that a's data does not leak through it.
func TestTenantIsolation(t *testing.T) {
	e := newEnv(t)
	for _, id := range []string{"a", "b"} {
		e.must(201, "POST", "/api/v1/tenants", admin, map[string]any{"id": id, "name": "Tenant " + id}, nil)
	}
	var svc, res, usr struct {
		ID int64 `json:"id"`
	}
	e.must(201, "POST", "/api/v1/tenants/a/services", admin, map[string]any{"name": "a-shop"}, &svc)
	e.must(201, "POST", "/api/v1/tenants/a/resources", admin, map[string]any{"name": "a-web1", "kind": "host", "service_id": svc.ID}, &res)
	e.must(201, "POST", "/api/v1/users", admin, map[string]any{"login": "a-viewer", "role": "viewer", "tenant": "a", "password": "a-viewer-password"}, &usr)
	var cloud struct {
		ID int64 `json:"id"`
	}
	e.must(201, "POST", "/api/v1/tenants/a/cloud-accounts", admin, map[string]any{"name": "a-cloud", "provider": "aws",
		"aws": map[string]any{"access_key_id": "AKIAIOSFODNN7EXAMPLE", "secret_access_key": "a-secret-access-key-of-tenant-a", "regions": []string{"ap-northeast-1"}}}, &cloud)
	var grp struct {
		ID int64 `json:"id"`
	}
	e.must(201, "POST", "/api/v1/tenants/a/capacity/groups", admin, map[string]any{"name": "a-capacity-web", "service_id": svc.ID,
		"kind": "manual", "min": 1, "max": 9}, &grp)
	e.must(201, "POST", fmt.Sprintf("/api/v1/tenants/a/capacity/groups/%d/plan/versions", grp.ID), admin,
		map[string]any{"document": map[string]any{"baseline": map[string]any{"default": 3}, "events": []any{}}}, nil)
	e.must(200, "POST", fmt.Sprintf("/api/v1/tenants/a/capacity/groups/%d/plan/versions/1/propose", grp.ID), admin, nil, nil)
	// a's on-call rotation with an override and a feed: every on-call endpoint below is aimed at them.
	var rota, override struct {
		ID int64 `json:"id"`
	}
	e.must(201, "POST", "/api/v1/tenants/a/oncall-rotations", admin, map[string]any{"name": "a-oncall-rota", "time_zone": "Asia/Tokyo",
		"layers": []any{map[string]any{"members": []string{"a-alice"}, "handoff": "weekly", "start": "2026-01-05T09:00"}}}, &rota)
	e.must(201, "POST", fmt.Sprintf("/api/v1/tenants/a/oncall-rotations/%d/overrides", rota.ID), admin, map[string]any{"contact": "a-alice",
		"start": time.Now().Format(time.RFC3339), "end": time.Now().Add(time.Hour).Format(time.RFC3339)}, &override)
	e.must(201, "POST", "/api/v1/tenants/a/oncall-feeds", admin, map[string]any{"contact": "a-alice"}, nil)
	aIngest, aRead := e.token("a", "ingest"), e.token("a", "read")
	// a's networks, set by the MSP admin: b neither reads nor widens them.
	e.must(200, "PUT", "/api/v1/tenants/a/networks", admin, map[string]any{"networks": []string{"10.77.0.0/16"}}, nil)
	// a's switch behind a's collector dc1, polled by a zabbix item: only a's collector may list it.
	var sw struct {
		ID int64 `json:"id"`
	}
	e.must(201, "POST", "/api/v1/tenants/a/resources", admin, map[string]any{"name": "a-switch", "kind": "host",
		"labels": map[string]string{"unyo_collector": "dc1"}}, &sw)
	e.must(201, "POST", "/api/v1/tenants/a/monitoring/items", admin, map[string]any{"resource_id": sw.ID, "name": "a-zbx-item",
		"kind": "zabbix", "zabbix": map[string]any{"address": "10.0.0.7", "key": "system.cpu.num"}}, nil)
	// ... and an snmp item whose traps a's collector dc1 forwards (a's community: a-community).
	e.must(201, "POST", "/api/v1/tenants/a/monitoring/items", admin, map[string]any{"resource_id": sw.ID, "name": "a-snmp-item",
		"kind": "snmp", "snmp": map[string]any{"address": "10.0.0.7", "version": "2c", "community": "a-community", "interfaces": true}}, nil)
	var aTargets struct {
		Zabbix []struct {
			Host string `json:"host"`
		} `json:"zabbix"`
	}
	e.must(200, "GET", "/api/v1/agent/collector/targets?collector=dc1", tok(e.token("a", "ingest", "collect")), nil, &aTargets)
	if len(aTargets.Zabbix) != 1 || aTargets.Zabbix[0].Host != "a-switch" {
		t.Fatalf("a's collector dc1 lists %+v, want a-switch", aTargets)
	}
	var aTokens []struct {
		ID int64 `json:"id"`
	}
	e.must(200, "GET", "/api/v1/tokens", tok(e.token("a", "admin")), nil, &aTokens)
	now := time.Now().UnixMilli()
	e.must(204, "POST", "/api/v1/write", tok(aIngest), remoteWrite(series(now, 42, "__name__", "a_secret_metric", "host", "a-web1")), nil)
	e.must(204, "POST", "/api/v1/write", tok(aIngest), remoteWriteMetadata(prompb.MetricMetadata{
		Type: prompb.MetricMetadata_GAUGE, MetricFamilyName: "a_secret_metric", Help: "a-shop revenue"}), nil)

	// a's backup policy, a job and a restore test: every backup endpoint below is aimed at them.
	var pol struct {
		ID int64 `json:"id"`
	}
	e.must(201, "POST", "/api/v1/tenants/a/backups/policies", admin, map[string]any{"name": "a-backup-secret", "service_id": svc.ID,
		"target": "a-shop database", "method": "db_dump", "schedule": "0 2 * * *", "retention": "720h", "rpo": "24h",
		"runbook": "https://wiki.example/a-restore"}, &pol)
	e.must(201, "POST", "/api/v1/tenants/a/backups/jobs", tok(aIngest), map[string]any{"policy": "a-backup-secret", "status": "ok",
		"external_id": "a-job-secret", "size_bytes": 4242}, nil)
	e.must(201, "POST", fmt.Sprintf("/api/v1/tenants/a/backups/policies/%d/restore-tests", pol.ID), admin, map[string]any{
		"started_at": time.Now().Add(-2 * time.Hour).Format(time.RFC3339), "finished_at": time.Now().Add(-time.Hour).Format(time.RFC3339),
		"restored": "a-restore-secret", "verification": "a-verified-secret", "result": "ok"}, nil)

	// a's item of the improvement register: the register's paths below are aimed at it.
	var imp struct {
		ID int64 `json:"id"`
	}
	e.must(201, "POST", "/api/v1/tenants/a/improvements", admin, map[string]any{"title": "a-improvement-secret", "category": "automation",
		"owner": "a-owner-secret", "evidence": []map[string]string{{"kind": "alert", "ref": "a-alert-ref"}}}, &imp)
	// a's dashboard, whose panel names a's metric: b neither reads nor changes it.
	var dash struct {
		ID int64 `json:"id"`
	}
	e.must(201, "POST", "/api/v1/tenants/a/dashboards", admin, map[string]any{"title": "a-dashboard-secret",
		"panels": []any{map[string]any{"title": "a-panel", "type": "line", "queries": []any{map[string]any{"query": "a_secret_metric"}}}}}, &dash)
	// a's normal change, waiting for a's customer: b may neither read, approve nor move it.
	var chg struct {
		ID int64 `json:"id"`
	}
	e.must(201, "POST", "/api/v1/tenants/a/changes", admin, map[string]any{"type": "normal", "title": "a-change-secret", "risk": "low",
		"resource_ids": []int64{res.ID}, "start": time.Now().Add(time.Hour).Format(time.RFC3339), "end": time.Now().Add(2 * time.Hour).Format(time.RFC3339)}, &chg)
	e.must(200, "POST", fmt.Sprintf("/api/v1/tenants/a/changes/%d/submit", chg.ID), admin, nil, nil)

	e.must(200, "POST", "/api/v1/events", tok(aIngest), []map[string]any{{"time": time.Now(), "host": "a-web1", "source": "/var/log/app.log",
		"item": "app-errors", "severity": "critical", "message": "a-web1 disk failure"}}, nil)
	// a's problem (a known error on a-web1) and three incidents of a-web1,
	// which a proposal lists: every problem endpoint below is aimed at them.
	desk := incident.NewDesk(e.db, e.store, nil)
	var aPub int64
	for i := range 3 {
		title := fmt.Sprintf("a-incident-secret %d", i)
		inc, err := desk.Open(context.Background(), "a", "user:admin", incident.Fields{ShortDescription: &title, ResourceIDs: []int64{res.ID}})
		if err != nil {
			t.Fatal(err)
		}
		aPub = inc.ID
	}
	// a's status page, switched off, with a notice on a's incident: the
	// walk's public path (slug a-status) must answer 404 for it.
	e.must(200, "PUT", "/api/v1/tenants/a/status-page", admin, map[string]any{"enabled": false, "slug": "a-status", "title": "a-status-title"}, nil)
	e.must(200, "POST", fmt.Sprintf("/api/v1/tenants/a/incidents/%d/status-notice", aPub), admin, map[string]any{"title": "a-public-notice", "body": "a-public-update"}, nil)
	var prb struct {
		ID int64 `json:"id"`
	}
	e.must(201, "POST", "/api/v1/tenants/a/problems", admin, map[string]any{"title": "a-problem-secret", "known_error": true,
		"workaround": "a-workaround-secret", "match": map[string]string{"kind": "host", "key": fmt.Sprint(res.ID)}}, &prb)
	proposalKey := fmt.Sprintf("host:%d", res.ID)
	// a's incident and inquiry, each escalated to a vendor: every vendor-case
	// path below is aimed at them.
	var aInc, aInq, aCase, aInqCase struct {
		ID int64 `json:"id"`
	}
	e.must(201, "POST", "/api/v1/tenants/a/incidents", admin, map[string]any{"short_description": "a-incident-secret vendor"}, &aInc)
	e.must(201, "POST", "/api/v1/tenants/a/requests", admin, map[string]any{"kind": "inquiry", "short_description": "a-inquiry-secret"}, &aInq)
	e.must(201, "POST", fmt.Sprintf("/api/v1/tenants/a/incidents/%d/vendor-cases", aInc.ID), admin, map[string]any{"vendor": "microsoft",
		"case_number": "a-vendor-case-secret", "notes": "a-vendor-note-secret"}, &aCase)
	e.must(201, "POST", fmt.Sprintf("/api/v1/tenants/a/requests/%d/vendor-cases", aInq.ID), admin, map[string]any{"vendor": "aws",
		"case_number": "a-vendor-case-secret 2"}, &aInqCase)

	b := tok(e.token("b", "ingest", "read", "write", "admin", "collect"))
	bodies := map[string]string{
		"/api/v1/tenants":                         `{"id":"a","name":"taken over"}`,
		"/api/v1/tenants/{tenant}":                `{"name":"taken over"}`,
		"/api/v1/tenants/{tenant}/services":       `{"name":"b-was-here"}`,
		"/api/v1/tenants/{tenant}/services/{id}":  `{"name":"taken over"}`,
		"/api/v1/tenants/{tenant}/resources":      `{"name":"b-was-here","kind":"host"}`,
		"/api/v1/tenants/{tenant}/resources/{id}": `{"name":"taken over","kind":"host"}`,
		"/api/v1/users":                           `{"login":"b-admin","role":"admin","password":"b-admin-password"}`,
		"/api/v1/users/{id}":                      `{"role":"admin","password":"taken-over-password"}`,
		"/api/v1/tokens":                          `{"name":"b-into-a","tenant":"a","scopes":["read"]}`,
		"/api/v1/events":                          `[{"time":"2026-11-22T00:00:00Z","host":"b-host","item":"x","severity":"info","message":"b line"}]`,
		"/api/v1/tenants/{tenant}/limits":         `{"max_series":1,"ingest_rate":1}`,
		"/api/v1/tenants/{tenant}/networks":       `{"networks":["0.0.0.0/0","10.0.0.0/8"]}`,
		"/api/v1/tenants/{tenant}/backups/policies": `{"name":"b-was-here","service_id":1,"target":"x","method":"db_dump",
			"schedule":"0 2 * * *","retention":"720h","rpo":"24h"}`,
		"/api/v1/tenants/{tenant}/backups/policies/{id}": `{"name":"taken over","service_id":1,"target":"x","method":"db_dump",
			"schedule":"0 2 * * *","retention":"720h","rpo":"24h"}`,
		"/api/v1/tenants/{tenant}/backups/policies/{id}/restore-tests": `{"started_at":"2026-12-01T00:00:00Z",
			"finished_at":"2026-12-01T01:00:00Z","restored":"b","verification":"b","result":"failed"}`,
		"/api/v1/tenants/{tenant}/backups/jobs": fmt.Sprintf(`{"policy_id":%d,"status":"failed","external_id":"b-job"}`, pol.ID),
		// b's collector dc1 forwards a linkDown from a's switch behind a's dc1, with a's
		// community: b has no such device, so it is dropped (the harness fails on an alert in a).
		"/api/v1/agent/collector/traps": `{"collector":"dc1","traps":[{"host":"a-switch","sender":"10.0.0.7","received_at_ms":1,` +
			`"packet":"MFYCAQEEC2EtY29tbXVuaXR5p0QCAQECAQACAQAwOTANBggrBgECAQEDAEMBZDAXBgorBgEGAwEBBAEABgkrBgEGAwEBBQMwDwYKKwYBAgECAgEBAgIBAg=="}]}`,
		// b's all-scope token holds no enroll scope: refused (403).
		"/api/v1/agent/enroll": `{"host":"a-web1","facts":{"os":"linux","machine_id":"m-a"}}`,
		// The capacity API: b's bodies aimed at a's group and plan.
		"/api/v1/tenants/{tenant}/capacity/groups":                                      `{"name":"b-was-here","service_id":1,"kind":"manual","max":3}`,
		"/api/v1/tenants/{tenant}/capacity/groups/{id}":                                 `{"name":"taken over","service_id":1,"kind":"manual","max":3}`,
		"/api/v1/tenants/{tenant}/capacity/groups/{id}/confirm":                         `{"count":1}`,
		"/api/v1/tenants/{tenant}/capacity/groups/{id}/hold":                            `{"count":1,"until":"2099-01-01T00:00:00Z","reason":"b"}`,
		"/api/v1/tenants/{tenant}/capacity/groups/{id}/plan/versions":                   `{"document":{"baseline":{"default":1}},"reason":"b"}`,
		"/api/v1/tenants/{tenant}/capacity/groups/{id}/plan/versions/{version}":         `{"document":{"baseline":{"default":1}},"reason":"b"}`,
		"/api/v1/tenants/{tenant}/capacity/groups/{id}/plan/versions/{version}/approve": `{"reference":"b's minutes"}`,
		"/api/v1/tenants/{tenant}/cloud-accounts":                                       `{"name":"b-was-here","provider":"aws","aws":{"access_key_id":"AKIAB0000000000000BB","secret_access_key":"b-secret","regions":["us-east-1"]}}`,
		"/api/v1/tenants/{tenant}/cloud-accounts/{id}":                                  `{"name":"taken over","provider":"aws","aws":{"access_key_id":"AKIAB0000000000000BB","secret_access_key":"b-secret","regions":["us-east-1"]}}`,
		// The improvement register: b's bodies aimed at a's item.
		"/api/v1/tenants/{tenant}/improvements":             `{"title":"b-was-here","category":"cost"}`,
		"/api/v1/tenants/{tenant}/improvements/{id}":        `{"title":"taken over","category":"cost"}`,
		"/api/v1/tenants/{tenant}/improvements/{id}/status": `{"status":"rejected","note":"b"}`,
		// Dashboards: b's bodies aimed at a's dashboard.
		"/api/v1/tenants/{tenant}/dashboards":        `{"title":"b-was-here"}`,
		"/api/v1/tenants/{tenant}/dashboards/{id}":   `{"title":"taken over"}`,
		"/api/v1/tenants/{tenant}/dashboards/import": `{"title":"b-import","panels":[{"type":"stat","targets":[{"expr":"up"}]}]}`,
		// The change API: b's bodies aimed at a's change.
		"/api/v1/tenants/{tenant}/changes":                fmt.Sprintf(`{"type":"normal","title":"b","risk":"low","resource_ids":[%d],"start":"2027-01-01T00:00:00Z","end":"2027-01-01T01:00:00Z"}`, res.ID),
		"/api/v1/tenants/{tenant}/changes/{id}":           fmt.Sprintf(`{"type":"normal","title":"taken over","risk":"low","resource_ids":[%d],"start":"2027-01-01T00:00:00Z","end":"2027-01-01T01:00:00Z"}`, res.ID),
		"/api/v1/tenants/{tenant}/changes/{id}/approve":   `{"reference":"b's minutes"}`,
		"/api/v1/tenants/{tenant}/changes/{id}/reject":    `{"reference":"b's minutes","reason":"b"}`,
		"/api/v1/tenants/{tenant}/changes/{id}/state":     `{"state":"closed"}`,
		"/api/v1/tenants/{tenant}/changes/{id}/incidents": `{"incident_id":1}`,
		// Discovery: b's rules and a run aimed at a's account.
		"/api/v1/tenants/{tenant}/discovery/rules": `{"types":["lb"],"tags":{"owner":"b"}}`,
		// The problem API: b's bodies aimed at a's problem, proposal and rule.
		"/api/v1/tenants/{tenant}/problems":                        `{"title":"b-was-here"}`,
		"/api/v1/tenants/{tenant}/problems/{id}":                   `{"title":"taken over"}`,
		"/api/v1/tenants/{tenant}/problems/{id}/state":             `{"state":"assess"}`,
		"/api/v1/tenants/{tenant}/problems/{id}/incidents":         `{"incident_ids":[1]}`,
		"/api/v1/tenants/{tenant}/problems/proposals/{key}/accept": `{"title":"b-accepted"}`,
		"/api/v1/tenants/{tenant}/problems/settings":               `{"threshold":2,"period":"1h"}`,
		// Status pages: b's settings and a notice aimed at a's page and incident.
		"/api/v1/tenants/{tenant}/status-page":                  `{"enabled":true,"slug":"b-took-a","title":"b"}`,
		"/api/v1/tenants/{tenant}/incidents/{id}/status-notice": `{"title":"b-was-here","body":"b"}`,
		// Vendor cases: b's bodies aimed at a's incident, inquiry and cases.
		"/api/v1/tenants/{tenant}/incidents/{id}/vendor-cases": `{"vendor":"aws","case_number":"b-was-here"}`,
		"/api/v1/tenants/{tenant}/requests/{id}/vendor-cases":  `{"vendor":"aws","case_number":"b-was-here"}`,
		// Silences by label matcher: b's silence aimed at a's alerts.
		"/api/v1/tenants/{tenant}/silences": `{"matchers":[{"name":"host","op":"=","value":"a-web1"}],"duration":"1h","comment":"b-was-here"}`,
		// Designs as code: an empty design of a, pruning, would delete all of a's; its settings would rename a.
		"/api/v1/tenants/{tenant}/design/plan":  `{"design":{"tenant":"a","tenant_settings":{"name":"b-took-a"}},"prune":true}`,
		"/api/v1/tenants/{tenant}/design/apply": `{"design":{"tenant":"a","tenant_settings":{"name":"b-took-a"}},"prune":true}`,
		// Accepting a's yearly plan into a's group: a still has one version (checked below).
		"/api/v1/tenants/{tenant}/yearly-plan/accept": fmt.Sprintf(`{"from":%q,"groups":[%d]}`, time.Now().AddDate(0, 1, 0).Format("2006-01"), grp.ID),
	}
	ids := map[string]int64{"changes": chg.ID, "services": svc.ID, "resources": res.ID, "users": usr.ID, "tokens": aTokens[0].ID, "policies": pol.ID, "groups": grp.ID, "cloud-accounts": cloud.ID,
		"accounts": cloud.ID, "problems": prb.ID, "improvements": imp.ID, "oncall-rotations": rota.ID,
		"incidents": aInc.ID, "requests": aInq.ID, "dashboards": dash.ID}
	leaks := []string{"a-change-secret", "a-capacity-web", "disk failure", "a_secret_metric", "revenue", "a-web1", "a-shop", "a-viewer", `"tenant":"a"`, `"id":"a"`,
		"a-switch", "a-zbx-item", "a-snmp-item", "a-community", "10.0.0.7", "a-backup-secret", "a-job-secret", "a-restore-secret", "a-verified-secret", "a-restore", "a-cloud", "a-secret-access-key",
		"a-problem-secret", "a-workaround-secret", "a-incident-secret", "10.77.0.0/16", "a-improvement-secret", "a-owner-secret", "a-alert-ref", "a-oncall-rota", "a-alice",
		"a-vendor-case-secret", "a-vendor-note-secret", "a-inquiry-secret", "a-dashboard-secret", "a-panel", "a-status-title", "a-public-notice", "a-public-update"}

	// Routes that answer 2xx to b by design, each with what b must see.
	allowed := map[string]func(body string) bool{
		"GET /api/v1/openapi.json":                func(string) bool { return true },
		"GET /api/v1/design/schema.json":          func(s string) bool { return strings.Contains(s, `"$schema"`) },
		"GET /api/v1/design/template-schema.json": func(s string) bool { return strings.Contains(s, `"$schema"`) },
		"GET /api/v1/whoami":                      func(s string) bool { return strings.Contains(s, `"tenant":"b"`) },
		"GET /api/v1/tenants":                     func(s string) bool { return strings.Contains(s, `"id":"b"`) },
		"GET /api/v1/tokens":                      func(string) bool { return true },
		"GET /api/v1/status/buildinfo":            func(string) bool { return true },
		"GET /api/v1/metadata":                    func(s string) bool { return strings.Contains(s, `"data":{}`) },
		"GET /api/v1/status/config":               func(string) bool { return true },
		"GET /api/v1/query_exemplars":             func(s string) bool { return strings.Contains(s, `"data":[]`) },
		"POST /api/v1/query_exemplars":            func(s string) bool { return strings.Contains(s, `"data":[]`) },
		"GET /api/v1/format_query":                func(string) bool { return true },
		"POST /api/v1/format_query":               func(string) bool { return true },
		"GET /api/v1/rules":                       func(string) bool { return true },
		"GET /api/v1/alerts":                      func(string) bool { return true },
		"POST /api/v1/write":                      func(string) bool { return true }, // lands in b, checked below
		"POST /api/v1/events":                     func(s string) bool { return strings.Contains(s, `"added":1`) },
		"GET /api/v1/query":                       func(string) bool { return true },
		"POST /api/v1/query":                      func(string) bool { return true },
		"GET /api/v1/query_range":                 func(string) bool { return true },
		"POST /api/v1/query_range":                func(string) bool { return true },
		"GET /api/v1/series":                      func(string) bool { return true },
		"POST /api/v1/series":                     func(string) bool { return true },
		"GET /api/v1/labels":                      func(string) bool { return true },
		"POST /api/v1/labels":                     func(string) bool { return true },
		"GET /api/v1/label/{name}/values":         func(string) bool { return true },
		// b's collector of the same name polls nothing of a's.
		"GET /api/v1/agent/collector/targets": func(s string) bool { return strings.Contains(s, `"zabbix":[]`) },
		"POST /api/v1/agent/collector/traps":  func(s string) bool { return strings.Contains(s, `"accepted":0`) },
	}
	q := url.Values{
		"query": {`a_secret_metric{tenant="a"} or {__name__=~".+"}`}, "match[]": {`{tenant="a"}`, `{__name__=~".+"}`},
		"collector": {"dc1"}, "start": {fmt.Sprint(now/1000 - 60)}, "end": {fmt.Sprint(now/1000 + 60)}, "step": {"15"}, "time": {fmt.Sprintf("%.3f", float64(now)/1000)},
	}.Encode()

	for _, rt := range e.api.Routes() {
		path := strings.ReplaceAll(rt.Path, "{tenant}", "a")
		path = strings.ReplaceAll(path, "{name}", "host")
		path = strings.ReplaceAll(path, "{version}", "1")
		path = strings.ReplaceAll(path, "{key}", proposalKey)
		path = strings.ReplaceAll(path, "{override}", fmt.Sprint(override.ID))
		path = strings.ReplaceAll(path, "{slug}", "a-status") // a's page is off: 404
		if strings.Contains(path, "/requests/") {
			path = strings.ReplaceAll(path, "{case}", fmt.Sprint(aInqCase.ID))
		}
		path = strings.ReplaceAll(path, "{case}", fmt.Sprint(aCase.ID))
		path = strings.ReplaceAll(path, "{token}", "not-a-token") // the public feed and ack paths: a guess finds nothing
		if segs := strings.Split(rt.Path, "/"); strings.Contains(path, "{id}") {
			k := segs[slices.Index(segs, "{id}")-1] // the collection the ID is of, also under .../{id}/test
			path = strings.ReplaceAll(path, "{id}", fmt.Sprint(ids[k]))
		}
		var body any
		switch {
		case rt.Path == "/api/v1/write":
			body = remoteWrite(series(now, 666, "__name__", "b_metric", "host", "b-host", "tenant", "a"))
		case rt.Method == "POST" || rt.Method == "PUT":
			body = bodies[rt.Path]
		}
		if rt.Path != "/api/v1/write" && allowed[rt.Method+" "+rt.Path] != nil {
			path += "?" + q
		}
		code, out := e.doHeader(rt.Method, path, b, body, "X-Unyo-Tenant", "a")
		key := rt.Method + " " + rt.Path
		if key == "GET /api/v1/cluster" && code != 403 { // the MSP's servers: no tenant may see them
			t.Errorf("%s as tenant b = %d, want 403: %s", key, code, out)
		}
		if check, ok := allowed[key]; ok {
			if code >= 300 || !check(string(out)) {
				t.Errorf("%s: %d %s", key, code, out)
			}
		} else if code != 403 && code != 404 && code != 400 {
			t.Errorf("%s as tenant b on tenant a = %d, want a refusal: %s", key, code, out)
		}
		// format_query echoes the caller's own query, which names a's metric.
		if rt.Path != "/api/v1/openapi.json" && rt.Path != "/api/v1/format_query" {
			for _, leak := range leaks {
				if strings.Contains(string(out), leak) {
					t.Errorf("%s leaks %q of tenant a: %s", key, leak, out)
				}
			}
		}
	}

	// On b's own backup paths, a's policy ID finds nothing of a's.
	for _, rt := range e.api.Routes() {
		if !strings.Contains(rt.Path, "/backups/") {
			continue
		}
		path := strings.ReplaceAll(strings.ReplaceAll(rt.Path, "{tenant}", "b"), "{id}", fmt.Sprint(pol.ID))
		var body any
		if rt.Method == "POST" || rt.Method == "PUT" {
			body = bodies[rt.Path]
		}
		code, out := e.do(rt.Method, path, b, body)
		switch {
		case strings.Contains(rt.Path, "{id}") && code != 404:
			t.Errorf("b %s %s with a's policy ID: %d %s", rt.Method, rt.Path, code, out)
		case rt.Path == "/api/v1/tenants/{tenant}/backups/jobs" && code != 400:
			t.Errorf("b posting a job to a's policy ID: %d %s", code, out)
		}
		for _, leak := range leaks {
			if strings.Contains(string(out), leak) {
				t.Errorf("b %s %s leaks %q of tenant a: %s", rt.Method, path, leak, out)
			}
		}
	}
	// On b's own desk paths, a's incident, inquiry and case IDs find nothing
	// of a's; a's cases are as they were.
	for _, rt := range e.api.Routes() {
		if !strings.Contains(rt.Path, "vendor-cases") {
			continue
		}
		ticket, vc := aInc.ID, aCase.ID
		if strings.Contains(rt.Path, "/requests/") {
			ticket, vc = aInq.ID, aInqCase.ID
		}
		path := strings.NewReplacer("{tenant}", "b", "{id}", fmt.Sprint(ticket), "{case}", fmt.Sprint(vc)).Replace(rt.Path)
		var body any
		if rt.Method == "POST" || rt.Method == "PATCH" {
			body = map[string]string{"vendor": "aws", "case_number": "b-was-here", "status": "closed"}
		}
		code, out := e.do(rt.Method, path, b, body)
		if strings.Contains(rt.Path, "{id}") && code != 404 {
			t.Errorf("b %s %s with a's ticket and case: %d %s", rt.Method, rt.Path, code, out)
		}
		for _, leak := range leaks {
			if strings.Contains(string(out), leak) {
				t.Errorf("b %s %s leaks %q of tenant a: %s", rt.Method, path, leak, out)
			}
		}
	}
	var aCases []struct {
		CaseNumber string `json:"case_number"`
		Status     string `json:"status"`
		Notes      string `json:"notes"`
	}
	e.must(200, "GET", "/api/v1/tenants/a/vendor-cases?all=true", admin, nil, &aCases)
	if len(aCases) != 2 || aCases[0].Status != "waiting_on_vendor" || aCases[1].Status != "waiting_on_vendor" {
		t.Fatalf("tenant a's vendor cases changed: %+v", aCases)
	}

	// On b's own register, a's item ID finds nothing; a's item is as it was.
	for _, path := range []string{"/api/v1/tenants/b/improvements/%d", "/api/v1/tenants/b/improvements/%d/status"} {
		method, body := "GET", any(nil)
		if strings.HasSuffix(path, "status") {
			method, body = "POST", map[string]string{"status": "rejected"}
		}
		if code, out := e.do(method, fmt.Sprintf(path, imp.ID), b, body); code != 404 {
			t.Errorf("b %s %s with a's item ID: %d %s", method, path, code, out)
		}
	}
	var impNow struct {
		Title  string `json:"title"`
		Status string `json:"status"`
	}
	e.must(200, "GET", fmt.Sprintf("/api/v1/tenants/a/improvements/%d", imp.ID), tok(aRead), nil, &impNow)
	if impNow.Title != "a-improvement-secret" || impNow.Status != "proposed" {
		t.Fatalf("tenant a's improvement changed: %+v", impNow)
	}

	// On b's own problem paths, a's problem ID and a's proposal key find
	// nothing of a's; a's problem, proposal and rule are as they were.
	for _, rt := range e.api.Routes() {
		if !strings.Contains(rt.Path, "/problems") {
			continue
		}
		path := strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(rt.Path, "{tenant}", "b"), "{id}", fmt.Sprint(prb.ID)), "{key}", proposalKey)
		var body any
		if rt.Method == "POST" || rt.Method == "PUT" {
			body = bodies[rt.Path]
		}
		code, out := e.do(rt.Method, path, b, body)
		if (strings.Contains(rt.Path, "{id}") || strings.Contains(rt.Path, "{key}")) && code != 404 {
			t.Errorf("b %s %s with a's problem or proposal: %d %s", rt.Method, rt.Path, code, out)
		}
		for _, leak := range leaks {
			if strings.Contains(string(out), leak) {
				t.Errorf("b %s %s leaks %q of tenant a: %s", rt.Method, path, leak, out)
			}
		}
	}
	var prbNow struct {
		Title  string `json:"title"`
		State  string `json:"state"`
		Events []any  `json:"events"`
	}
	e.must(200, "GET", fmt.Sprintf("/api/v1/tenants/a/problems/%d", prb.ID), tok(aRead), nil, &prbNow)
	var aProps []struct {
		Key       string `json:"key"`
		Incidents []any  `json:"incidents"`
	}
	e.must(200, "GET", "/api/v1/tenants/a/problems/proposals", tok(aRead), nil, &aProps)
	var rule struct {
		Threshold int `json:"threshold"`
	}
	e.must(200, "GET", "/api/v1/tenants/a/problems/settings", tok(aRead), nil, &rule)
	if prbNow.Title != "a-problem-secret" || prbNow.State != "new" || len(prbNow.Events) != 0 || len(aProps) != 1 || aProps[0].Key != proposalKey ||
		len(aProps[0].Incidents) != 3 || rule.Threshold != 3 {
		t.Fatalf("tenant a's problems changed: %+v %+v %+v", prbNow, aProps, rule)
	}

	// On b's own discovery paths, a's cloud account is not found, and a's
	// rules are still the default (b's PUT above was refused).
	if code, out := e.do("POST", fmt.Sprintf("/api/v1/tenants/b/discovery/accounts/%d/run", cloud.ID), b, nil); code != 404 || strings.Contains(string(out), "a-cloud") {
		t.Errorf("b discovering a's account through b's path: %d %s", code, out)
	}
	var aRules struct {
		Types []string          `json:"types"`
		Tags  map[string]string `json:"tags"`
	}
	e.must(200, "GET", "/api/v1/tenants/a/discovery/rules", tok(aRead), nil, &aRules)
	if len(aRules.Types) != 0 || len(aRules.Tags) != 0 {
		t.Errorf("a's discovery rules changed: %+v", aRules)
	}
	// a's backups are as they were; a's customer viewer reads them, and not b's.
	var polNow struct {
		Name string `json:"name"`
	}
	e.must(200, "GET", fmt.Sprintf("/api/v1/tenants/a/backups/policies/%d", pol.ID), tok(aRead), nil, &polNow)
	var jobs, tests []map[string]any
	e.must(200, "GET", fmt.Sprintf("/api/v1/tenants/a/backups/policies/%d/jobs", pol.ID), tok(aRead), nil, &jobs)
	e.must(200, "GET", fmt.Sprintf("/api/v1/tenants/a/backups/policies/%d/restore-tests", pol.ID), tok(aRead), nil, &tests)
	if polNow.Name != "a-backup-secret" || len(jobs) != 1 || jobs[0]["external_id"] != "a-job-secret" || len(tests) != 1 || tests[0]["result"] != "ok" {
		t.Fatalf("tenant a's backups changed: %+v %+v %+v", polNow, jobs, tests)
	}
	viewer := cred{login: "a-viewer", password: "a-viewer-password"}
	var st []map[string]any
	e.must(200, "GET", "/api/v1/tenants/a/backups/status", viewer, nil, &st)
	if len(st) != 1 || st[0]["policy"] != "a-backup-secret" {
		t.Fatalf("a's viewer reads a's backup status: %+v", st)
	}
	e.must(200, "GET", fmt.Sprintf("/api/v1/tenants/a/backups/policies/%d/restore-tests", pol.ID), viewer, nil, nil)
	for _, path := range []string{"/api/v1/tenants/b/backups/status", "/api/v1/tenants/b/backups/policies"} {
		if code, out := e.do("GET", path, viewer, nil); code != 403 && code != 404 {
			t.Errorf("a's viewer reads %s: %d %s", path, code, out)
		}
	}
	if code, _ := e.do("POST", fmt.Sprintf("/api/v1/tenants/a/backups/policies/%d/restore-tests", pol.ID), viewer,
		bodies["/api/v1/tenants/{tenant}/backups/policies/{id}/restore-tests"]); code != 403 {
		t.Errorf("a's viewer records a restore test: %d, want 403", code)
	}

	// On b's own dashboard paths, a's dashboard ID finds nothing; a's
	// dashboard is as it was.
	for _, method := range []string{"GET", "PUT", "DELETE"} {
		if code, out := e.do(method, fmt.Sprintf("/api/v1/tenants/b/dashboards/%d", dash.ID), b, map[string]any{"title": "taken"}); code != 404 {
			t.Errorf("b %s a's dashboard ID on b's path: %d %s", method, code, out)
		}
	}
	var dashNow struct {
		Title  string `json:"title"`
		Panels []any  `json:"panels"`
	}
	e.must(200, "GET", fmt.Sprintf("/api/v1/tenants/a/dashboards/%d", dash.ID), tok(aRead), nil, &dashNow)
	if dashNow.Title != "a-dashboard-secret" || len(dashNow.Panels) != 1 {
		t.Fatalf("tenant a's dashboard changed: %+v", dashNow)
	}

	// a's change is as it was: still waiting for a's customer, with no window.
	var chgNow struct {
		Title     string  `json:"title"`
		State     string  `json:"state"`
		WindowIDs []int64 `json:"maintenance_window_ids"`
	}
	e.must(200, "GET", fmt.Sprintf("/api/v1/tenants/a/changes/%d", chg.ID), viewer, nil, &chgNow)
	if chgNow.Title != "a-change-secret" || chgNow.State != "requested" || len(chgNow.WindowIDs) != 0 {
		t.Fatalf("tenant a's change changed: %+v", chgNow)
	}

	// Status pages: a's is still off under its slug, with its one notice;
	// b's own page, enabled, shows nothing of a's, nor when a's is on; b
	// cannot take a's slug.
	var aPage struct {
		Enabled bool   `json:"enabled"`
		Slug    string `json:"slug"`
	}
	e.must(200, "GET", "/api/v1/tenants/a/status-page", tok(aRead), nil, &aPage)
	var aNotices []map[string]any
	e.must(200, "GET", "/api/v1/tenants/a/status-notices", tok(aRead), nil, &aNotices)
	if aPage.Enabled || aPage.Slug != "a-status" || len(aNotices) != 1 || aNotices[0]["title"] != "a-public-notice" {
		t.Fatalf("tenant a's status page changed: %+v %+v", aPage, aNotices)
	}
	if code, out := e.do("PUT", "/api/v1/tenants/b/status-page", b, map[string]any{"enabled": true, "slug": "a-status"}); code != 400 {
		t.Errorf("b takes a's slug: %d %s", code, out)
	}
	e.must(200, "PUT", "/api/v1/tenants/b/status-page", b, map[string]any{"enabled": true, "slug": "b-status"}, nil)
	if code, out := e.do("POST", fmt.Sprintf("/api/v1/tenants/b/incidents/%d/status-notice", aPub), b, map[string]any{"title": "b"}); code != 404 {
		t.Errorf("b publishes a's incident through b's path: %d %s", code, out)
	}
	e.must(200, "PUT", "/api/v1/tenants/a/status-page", admin, map[string]any{"enabled": true, "slug": "a-status", "title": "a-status-title"}, nil)
	for slug, want := range map[string]bool{"b-status": false, "a-status": true} {
		code, out := e.do("GET", "/api/v1/public/status/"+slug, cred{}, nil)
		if code != 200 {
			t.Fatalf("the public page %s: %d %s", slug, code, out)
		}
		for _, leak := range []string{"a-status-title", "a-public-notice", "a-public-update", "a-shop"} {
			if strings.Contains(string(out), leak) != want {
				t.Errorf("the public page %s shows %q: %v, want %v: %s", slug, leak, !want, want, out)
			}
		}
		for _, never := range []string{"a-incident-secret", "a-web1", "user:admin", "INC"} {
			if strings.Contains(string(out), never) {
				t.Errorf("the public page %s shows %q: %s", slug, never, out)
			}
		}
	}

	// Everything of a is as it was.
	var s, r struct {
		Name string `json:"name"`
	}
	e.must(200, "GET", fmt.Sprintf("/api/v1/tenants/a/services/%d", svc.ID), admin, nil, &s)
	e.must(200, "GET", fmt.Sprintf("/api/v1/tenants/a/resources/%d", res.ID), admin, nil, &r)
	var ten struct {
		Name string `json:"name"`
	}
	e.must(200, "GET", "/api/v1/tenants/a", admin, nil, &ten)
	// a's networks are as the MSP admin set them; a's own admin reads them
	// but may not widen them (only an MSP admin may).
	var nets struct {
		Networks []string `json:"networks"`
	}
	e.must(200, "GET", "/api/v1/tenants/a/networks", tok(e.token("a", "read")), nil, &nets)
	if len(nets.Networks) != 1 || nets.Networks[0] != "10.77.0.0/16" {
		t.Errorf("tenant a's networks changed: %+v", nets)
	}
	if code, out := e.do("PUT", "/api/v1/tenants/a/networks", tok(e.token("a", "read", "write", "admin")), map[string]any{"networks": []string{"10.0.0.0/8"}}); code != 403 {
		t.Errorf("a's own admin token widens a's networks: %d %s", code, out)
	}
	var plan []struct {
		State string `json:"state"`
	}
	e.must(200, "GET", fmt.Sprintf("/api/v1/tenants/a/capacity/groups/%d/plan/versions", grp.ID), cred{login: "a-viewer", password: "a-viewer-password"}, nil, &plan)
	if len(plan) != 1 || plan[0].State != "proposed" {
		t.Fatalf("tenant a's plan after b: %+v", plan)
	}
	if s.Name != "a-shop" || r.Name != "a-web1" || ten.Name != "Tenant a" {
		t.Fatalf("tenant a changed: service %q resource %q tenant %q", s.Name, r.Name, ten.Name)
	}
	// Limits belong to the MSP admin: not even a's own admin token reads or
	// sets them, and b's attempt above left none on a.
	aAdmin := tok(e.token("a", "admin", "read", "write"))
	e.must(403, "GET", "/api/v1/tenants/a/limits", aAdmin, nil, nil)
	e.must(403, "PUT", "/api/v1/tenants/a/limits", aAdmin, map[string]any{"max_series": 1_000_000_000}, nil)
	if o := e.limits.Override("a"); !o.Empty() {
		t.Fatalf("tenant a's limits were changed by a tenant token: %+v", o)
	}
	var clouds []struct {
		Name string `json:"name"`
	}
	e.must(200, "GET", "/api/v1/tenants/a/cloud-accounts", admin, nil, &clouds)
	if len(clouds) != 1 || clouds[0].Name != "a-cloud" {
		t.Fatalf("tenant a's cloud accounts changed: %+v", clouds)
	}
	var svcs []any
	e.must(200, "GET", "/api/v1/tenants/a/services", admin, nil, &svcs)
	if len(svcs) != 1 {
		t.Fatalf("tenant a has %d services, want 1", len(svcs))
	}
	e.must(200, "GET", "/api/v1/tenants/a", tok(aRead), nil, nil)
	var evs []struct{ Message, Host string }
	e.must(200, "GET", "/api/v1/tenants/a/events", tok(aRead), nil, &evs)
	if len(evs) != 1 || evs[0].Message != "a-web1 disk failure" {
		t.Fatalf("tenant a's events changed: %+v", evs)
	}
	e.must(200, "GET", "/api/v1/whoami", cred{login: "a-viewer", password: "a-viewer-password"}, nil, nil)
	var qr struct {
		Data struct {
			Result []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	e.must(200, "GET", "/api/v1/query?"+url.Values{"query": {"a_secret_metric"}, "time": {fmt.Sprintf("%.3f", float64(now)/1000)}}.Encode(), tok(aRead), nil, &qr)
	if len(qr.Data.Result) != 1 || qr.Data.Result[0].Value[1] != "42" {
		t.Fatalf("tenant a's series changed: %+v", qr.Data.Result)
	}
	// a's metadata is a's.
	var md struct {
		Data map[string][]struct{ Type, Help string } `json:"data"`
	}
	e.must(200, "GET", "/api/v1/metadata", tok(aRead), nil, &md)
	if m := md.Data["a_secret_metric"]; len(m) != 1 || m[0].Type != "gauge" || m[0].Help != "a-shop revenue" {
		t.Fatalf("tenant a's metadata: %+v", md.Data)
	}
	// An enrollment lands in the enroll token's tenant whatever the host
	// is called: b's enroll token, for a host named like a's, makes b's
	// resource and leaves a's as it was.
	var enrolled struct {
		Tenant string `json:"tenant"`
		Token  string `json:"token"`
	}
	e.must(201, "POST", "/api/v1/agent/enroll", tok(e.token("b", "enroll")),
		map[string]any{"host": "a-web1", "facts": map[string]any{"os": "linux", "machine_id": "m-b"}}, &enrolled)
	var aRes struct {
		Labels map[string]string `json:"labels"`
	}
	e.must(200, "GET", fmt.Sprintf("/api/v1/tenants/a/resources/%d", res.ID), admin, nil, &aRes)
	if enrolled.Tenant != "b" || len(aRes.Labels) != 0 {
		t.Fatalf("b's enrollment: tenant %q; a's a-web1 labels now %v", enrolled.Tenant, aRes.Labels)
	}
	// The enrolled host's token is b's: a's resources stay out of its reach.
	e.must(404, "GET", "/api/v1/tenants/a/resources", tok(enrolled.Token), nil, nil)

	// b's write landed in b, with its forged tenant label kept aside.
	e.must(200, "GET", "/api/v1/query?"+url.Values{"query": {"b_metric"}, "time": {fmt.Sprintf("%.3f", float64(now)/1000)}}.Encode(), tok(aRead), nil, &qr)
	if len(qr.Data.Result) != 0 {
		t.Fatalf("b's write reached tenant a: %+v", qr.Data.Result)
	}
	e.must(200, "GET", "/api/v1/query?"+url.Values{"query": {"b_metric"}, "time": {fmt.Sprintf("%.3f", float64(now)/1000)}}.Encode(), b, nil, &qr)
	if len(qr.Data.Result) != 1 || qr.Data.Result[0].Metric["tenant"] != "b" || qr.Data.Result[0].Metric["exported_tenant"] != "a" {
		t.Fatalf("b's write as b sees it: %+v", qr.Data.Result)
	}
}
