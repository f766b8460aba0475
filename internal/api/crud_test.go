package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

type errBody struct {
	Error string `json:"error"`
	Field string `json:"field"`
}

func TestServiceLevelRoundTrip(t *testing.T) {
	e := newEnv(t)
	e.must(201, "POST", "/api/v1/tenants", admin, map[string]any{"id": "acme", "name": "Acme 株式会社", "language": "ja"}, nil)
	in := `{"name":"shop","description":"EC site","service_level":{
		"calendar":{"time_zone":"Asia/Tokyo","hours":[{"weekday":"mon","start":"09:00","end":"18:00"}],"holidays":["2026-01-01"]},
		"availability_target":99.95,"rto":"4h","rpo":"1h","acknowledge_target":"15m","identify_target":"1h","resolve_target":"8h","vendor_wait":"pause"}}`
	var svc struct {
		ID    int64 `json:"id"`
		Level struct {
			Calendar struct {
				TimeZone string   `json:"time_zone"`
				Holidays []string `json:"holidays"`
			} `json:"calendar"`
			Availability float64 `json:"availability_target"`
			Identify     string  `json:"identify_target"`
			RPO          string  `json:"rpo"`
			VendorWait   string  `json:"vendor_wait"`
		} `json:"service_level"`
	}
	e.must(201, "POST", "/api/v1/tenants/acme/services", admin, in, &svc)
	e.must(200, "GET", fmt.Sprintf("/api/v1/tenants/acme/services/%d", svc.ID), admin, nil, &svc)
	if svc.Level.Availability != 99.95 || svc.Level.Identify != "1h0m0s" || svc.Level.RPO != "1h0m0s" || svc.Level.VendorWait != "pause" ||
		svc.Level.Calendar.TimeZone != "Asia/Tokyo" || len(svc.Level.Calendar.Holidays) != 1 {
		t.Fatalf("service level did not round-trip: %+v", svc.Level)
	}
	e.must(409, "POST", "/api/v1/tenants/acme/services", admin, in, nil)
}

// TestBadInputNamesTheField checks that every refusal says which field and
// why, and that nothing already stored changes.
func TestBadInputNamesTheField(t *testing.T) {
	e := newEnv(t)
	e.must(201, "POST", "/api/v1/tenants", admin, map[string]any{"id": "acme", "name": "Acme"}, nil)
	e.must(201, "POST", "/api/v1/tenants/acme/services", admin, map[string]any{"name": "shop"}, nil)
	f := func(method, path, body, wantField string) {
		t.Helper()
		code, b := e.do(method, path, admin, body)
		var eb errBody
		json.Unmarshal(b, &eb)
		if code != 400 || eb.Field != wantField || eb.Error == "" {
			t.Fatalf("%s %s %s = %d %s, want 400 naming %q", method, path, body, code, b, wantField)
		}
	}
	f("POST", "/api/v1/tenants", `{"id":"Bad Tenant","name":"x"}`, "id")
	f("POST", "/api/v1/tenants", `{"id":"ok","name":"x","language":"fr"}`, "language")
	f("POST", "/api/v1/tenants", `{"id":"ok","name":"x","colour":"red"}`, "colour")
	f("POST", "/api/v1/tenants", `{"id":"ok",`, "body")
	f("POST", "/api/v1/tenants/acme/services", `{"name":"s2","service_level":{"rto":"soon"}}`, "service_level.rto")
	f("POST", "/api/v1/tenants/acme/services", `{"name":"s2","service_level":{"availability_target":"high"}}`, "service_level.availability_target")
	f("POST", "/api/v1/tenants/acme/services", `{"name":"s2","service_level":{"availability_target":101}}`, "service_level.availability_target")
	f("POST", "/api/v1/tenants/acme/services", `{"name":"s2","service_level":{"vendor_wait":"sometimes"}}`, "service_level.vendor_wait")
	f("POST", "/api/v1/tenants/acme/services", `{"name":"s2","service_level":{"calendar":{"time_zone":"Mars/Olympus"}}}`, "service_level.calendar.time_zone")
	f("POST", "/api/v1/tenants/acme/services", `{"name":"s2","service_level":{"calendar":{"hours":[{"weekday":"mon","start":"18:00","end":"09:00"}]}}}`, "service_level.calendar.hours[0].end")
	f("POST", "/api/v1/tenants/acme/resources", `{"name":"web1","kind":"toaster"}`, "kind")
	f("POST", "/api/v1/tenants/acme/resources", `{"name":"web1","kind":"host","labels":{"tenant":"other"}}`, "labels.tenant")
	f("POST", "/api/v1/tenants/acme/resources", `{"name":"web1","kind":"host","service_id":999}`, "service_id")
	f("POST", "/api/v1/users", `{"login":"v","role":"viewer","password":"long-enough-password"}`, "tenant")
	f("POST", "/api/v1/users", `{"login":"o","role":"operator","password":"short"}`, "password")
	f("POST", "/api/v1/tokens", `{"name":"x","scopes":["ingest"]}`, "tenant")
	f("POST", "/api/v1/tokens", `{"name":"x","tenant":"acme","scopes":["root"]}`, "scopes")

	var svcs []map[string]any
	e.must(200, "GET", "/api/v1/tenants/acme/services", admin, nil, &svcs)
	if len(svcs) != 1 || svcs[0]["name"] != "shop" {
		t.Fatalf("services after refused input = %v, want only shop", svcs)
	}
}

func TestRolesAndScopes(t *testing.T) {
	e := newEnv(t)
	e.must(201, "POST", "/api/v1/tenants", admin, map[string]any{"id": "acme", "name": "Acme"}, nil)
	e.must(201, "POST", "/api/v1/users", admin, map[string]any{"login": "viewer1", "role": "viewer", "tenant": "acme", "password": "viewer-password-1"}, nil)
	e.must(201, "POST", "/api/v1/users", admin, map[string]any{"login": "op1", "role": "operator", "password": "operator-password-1"}, nil)
	viewer := cred{login: "viewer1", password: "viewer-password-1"}
	op := cred{login: "op1", password: "operator-password-1"}

	e.must(200, "GET", "/api/v1/tenants/acme", viewer, nil, nil)
	e.must(403, "POST", "/api/v1/tenants/acme/services", viewer, map[string]any{"name": "x"}, nil)
	e.must(201, "POST", "/api/v1/tenants/acme/services", op, map[string]any{"name": "x"}, nil)
	e.must(403, "GET", "/api/v1/users", op, nil, nil)
	e.must(403, "POST", "/api/v1/tokens", op, map[string]any{"name": "x", "tenant": "acme", "scopes": []string{"read"}}, nil)
	e.must(401, "GET", "/api/v1/tenants", cred{login: "viewer1", password: "wrong-password!"}, nil, nil)
	e.must(401, "GET", "/api/v1/tenants", cred{}, nil, nil)

	// A revoked token stops working at once.
	secret := e.token("acme", "read")
	e.must(200, "GET", "/api/v1/tenants/acme", tok(secret), nil, nil)
	var list []struct {
		ID     int64  `json:"id"`
		Prefix string `json:"prefix"`
	}
	e.must(200, "GET", "/api/v1/tokens", admin, nil, &list)
	if len(list) != 1 || secret[:len(list[0].Prefix)] != list[0].Prefix {
		t.Fatalf("token listing = %+v", list)
	}
	e.must(204, "DELETE", fmt.Sprintf("/api/v1/tokens/%d", list[0].ID), admin, nil, nil)
	e.must(401, "GET", "/api/v1/tenants/acme", tok(secret), nil, nil)
}

func TestAuditRecordsChangesWithoutSecrets(t *testing.T) {
	e := newEnv(t)
	e.must(201, "POST", "/api/v1/tenants", admin, map[string]any{"id": "acme", "name": "Acme"}, nil)
	e.must(201, "POST", "/api/v1/users", admin, map[string]any{"login": "v", "role": "viewer", "tenant": "acme", "password": "viewer-password-1"}, nil)
	secret := e.token("acme", "read")
	code, b := e.do("GET", "/api/v1/tenants/acme/audit", admin, nil)
	if code != 200 {
		t.Fatalf("audit = %d", code)
	}
	var entries []struct {
		Actor, Action, ObjectType string `json:"-"`
	}
	json.Unmarshal(b, &entries)
	if len(entries) != 3 {
		t.Fatalf("audit entries = %d, want 3 (tenant, user, token): %s", len(entries), b)
	}
	for _, secretText := range []string{"viewer-password-1", secret} {
		if contains(b, secretText) {
			t.Fatalf("audit log holds a secret: %s", b)
		}
	}
}

func contains(b []byte, s string) bool { return strings.Contains(string(b), s) }
