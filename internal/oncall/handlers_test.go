package oncall

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

	"github.com/unyo-ops/unyo/internal/apitest"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/storage"
)

type env struct {
	db     *sql.DB
	store  *Store
	signer *Signer
	srv    *httptest.Server
	acked  []string // refs the AckFunc was called for
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db, err := database.Open(context.Background(), dbtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	objects := storage.New(db)
	for _, id := range []string{"acme", "beta"} {
		if err := objects.CreateTenant(context.Background(), &model.Tenant{ID: id, Name: id}); err != nil {
			t.Fatal(err)
		}
	}
	e := &env{db: db}
	known := map[string]bool{"alice": true, "bob": true, "carol": true}
	e.store = NewStore(db, func(_ context.Context, tenant, name string) (bool, error) {
		return tenant == "acme" && known[name], nil
	})
	e.signer, err = NewSigner(bytes.Repeat([]byte{7}, 32), "http://unyo.example", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	h := NewHandlers(e.store, e.signer, func(_ context.Context, tenant, ref, actor string) error {
		e.acked = append(e.acked, tenant+"/"+ref)
		return nil
	}, apitest.PathTenant, nil)
	e.srv = apitest.NewServer(t, h.Routes())
	return e
}

func (e *env) do(t *testing.T, method, path, token string, body any) (int, []byte) {
	t.Helper()
	code, _, out := apitest.Do(t, e.srv, method, path, token, body)
	return code, out
}

const rotations = "/api/v1/tenants/acme/oncall-rotations"

func rotationBody(name string) map[string]any {
	return map[string]any{"name": name, "time_zone": "America/New_York", "layers": []any{
		map[string]any{"name": "primary", "members": []string{"alice", "bob"}, "handoff": "daily", "start": "2026-03-01T09:00"}}}
}

// TestAPIRotationsOverridesAndSchedule drives the API as a user would: a
// rotation, who is on call, an override that takes over, the schedule; and
// bad input answered 400 naming the field, nothing stored.
func TestAPIRotationsOverridesAndSchedule(t *testing.T) {
	e := newEnv(t)
	code, out := e.do(t, "POST", rotations, "acme:read,write", rotationBody("ops"))
	if code != 201 {
		t.Fatalf("create = %d %s", code, out)
	}
	var rot Rotation
	json.Unmarshal(out, &rot)
	path := fmt.Sprintf("%s/%d", rotations, rot.ID)
	// 8 March 2026 09:00 EDT: the eighth hand-off, bob's (alice on the 1st).
	code, out = e.do(t, "GET", path+"/oncall?at=2026-03-08T13:30:00Z", "acme:read", nil)
	if code != 200 || !strings.Contains(string(out), `"contact":"bob"`) || !strings.Contains(string(out), `"start":"2026-03-08T09:00:00-04:00"`) {
		t.Fatalf("on call = %d %s, want bob since 09:00 EDT (13:00Z)", code, out)
	}
	code, out = e.do(t, "POST", path+"/overrides", "acme:read,write", map[string]any{"contact": "carol",
		"start": "2026-03-08T12:00:00Z", "end": "2026-03-08T18:00:00Z", "note": "swap"})
	if code != 201 {
		t.Fatalf("override = %d %s", code, out)
	}
	var ov Override
	json.Unmarshal(out, &ov)
	if code, out = e.do(t, "GET", path+"/oncall?at=2026-03-08T13:30:00Z", "acme:read", nil); !strings.Contains(string(out), `"contact":"carol"`) {
		t.Fatalf("on call in the override = %d %s, want carol", code, out)
	}
	code, out = e.do(t, "GET", path+"/schedule?from=2026-03-08T00:00:00Z&to=2026-03-09T00:00:00Z", "acme:read", nil)
	var sched []Shift
	json.Unmarshal(out, &sched)
	var got []string
	for _, s := range sched {
		got = append(got, s.Contact+"@"+s.Start.UTC().Format("15:04"))
	}
	if code != 200 || strings.Join(got, ",") != "alice@00:00,carol@12:00,bob@18:00" {
		t.Fatalf("schedule = %d %v", code, got)
	}
	check := func(method, path string, body any, wantField string) {
		t.Helper()
		code, out := e.do(t, method, path, "acme:read,write", body)
		var b response.Body
		json.Unmarshal(out, &b)
		if code != 400 || b.Field != wantField {
			t.Errorf("%s %s %v = %d %s, want 400 naming %q", method, path, body, code, out, wantField)
		}
	}
	bad := func(k string, v any) map[string]any {
		b := rotationBody("x")
		b["layers"].([]any)[0].(map[string]any)[k] = v
		return b
	}
	check("POST", rotations, bad("handoff", "hourly"), "layers[0].handoff")
	check("POST", rotations, bad("start", "tomorrow"), "layers[0].start")
	check("POST", rotations, bad("members", []string{"mallory"}), "layers[0].members[0]")
	check("POST", rotations, map[string]any{"name": "x", "time_zone": "Mars/Olympus", "layers": rotationBody("x")["layers"]}, "time_zone")
	b := bad("handoff", "custom")
	b["layers"].([]any)[0].(map[string]any)["length"] = "30s"
	check("POST", rotations, b, "layers[0].length")
	check("POST", path+"/overrides", map[string]any{"contact": "carol", "start": "2026-03-08T12:00:00Z", "end": "2026-03-08T11:00:00Z"}, "end")
	check("GET", path+"/schedule?from=2026-03-08T00:00:00Z&to=2027-03-08T00:00:00Z", nil, "to")
	check("GET", path+"/oncall?at=noon", nil, "at")
	if code, out := e.do(t, "POST", rotations, "acme:read,write", rotationBody("ops")); code != 409 {
		t.Fatalf("duplicate name = %d %s", code, out)
	}
	if code, _ := e.do(t, "GET", path, "beta:read", nil); code != 404 {
		t.Fatalf("beta reads acme's rotation: %d", code)
	}
	if code, _ := e.do(t, "GET", strings.Replace(path, "acme", "beta", 1), "beta:read", nil); code != 404 {
		t.Fatalf("acme's rotation under beta's path: %d", code)
	}
	if code, out := e.do(t, "DELETE", fmt.Sprintf("%s/overrides/%d", path, ov.ID), "acme:read,write", nil); code != 204 {
		t.Fatalf("delete override = %d %s", code, out)
	}
	if _, out = e.do(t, "GET", path+"/oncall?at=2026-03-08T13:30:00Z", "acme:read", nil); !strings.Contains(string(out), `"contact":"bob"`) {
		t.Fatalf("after deleting the override: %s", out)
	}
}

// TestAPIChangesAreAudited: each change commits with its audit entry or not at all.
func TestAPIChangesAreAudited(t *testing.T) {
	e := newEnv(t)
	do := func(method, path string, body any) (int, []byte) {
		return e.do(t, method, path, "acme:read,write", body)
	}
	list := func() string { _, out := e.do(t, "GET", rotations, "acme:read", nil); return string(out) }
	out := apitest.CheckAudited(t, e.db, do, "acme", apitest.Change{Method: "POST", Path: rotations, Body: rotationBody("ops"), State: list, Action: "create", ObjectType: "oncall_rotation"})
	var rot Rotation
	json.Unmarshal(out, &rot)
	path := fmt.Sprintf("%s/%d", rotations, rot.ID)
	apitest.CheckAudited(t, e.db, do, "acme", apitest.Change{Method: "PUT", Path: path, Body: rotationBody("ops2"), State: list, Action: "update", ObjectType: "oncall_rotation"})
	overrides := func() string { _, out := e.do(t, "GET", path+"/overrides", "acme:read", nil); return string(out) }
	apitest.CheckAudited(t, e.db, do, "acme", apitest.Change{Method: "POST", Path: path + "/overrides", Body: map[string]any{"contact": "carol",
		"start": "2026-03-08T12:00:00Z", "end": "2026-03-08T18:00:00Z"}, State: overrides, Action: "create", ObjectType: "oncall_override"})
	feeds := func() string {
		var n int
		e.db.QueryRow(`SELECT COUNT(*) FROM oncall_feeds`).Scan(&n)
		return fmt.Sprint(n)
	}
	apitest.CheckAudited(t, e.db, do, "acme", apitest.Change{Method: "POST", Path: "/api/v1/tenants/acme/oncall-feeds", Body: map[string]any{"contact": "alice"}, State: feeds, Action: "create", ObjectType: "oncall_feed"})
	apitest.CheckAudited(t, e.db, do, "acme", apitest.Change{Method: "DELETE", Path: path, State: list, Action: "delete", ObjectType: "oncall_rotation"})
}

// TestFeedIsICalendarOfOnePerson: the secret URL serves that person's
// shifts as RFC 5545 text/calendar; the token is stored hashed, a new one
// replaces the old, and an unknown token finds nothing.
func TestFeedIsICalendarOfOnePerson(t *testing.T) {
	e := newEnv(t)
	body := rotationBody("ops")
	body["layers"].([]any)[0].(map[string]any)["start"] = time.Now().Add(-72 * time.Hour).UTC().Format(startLayout)
	body["time_zone"] = "UTC"
	if code, out := e.do(t, "POST", rotations, "acme:read,write", body); code != 201 {
		t.Fatalf("create = %d %s", code, out)
	}
	code, out := e.do(t, "POST", "/api/v1/tenants/acme/oncall-feeds", "acme:read,write", map[string]any{"contact": "alice"})
	var feed feedOutput
	json.Unmarshal(out, &feed)
	if code != 201 || !strings.HasPrefix(feed.URL, feedPath) {
		t.Fatalf("feed = %d %s", code, out)
	}
	token := strings.TrimPrefix(feed.URL, feedPath)
	var stored string
	e.db.QueryRow(`SELECT token_hash FROM oncall_feeds`).Scan(&stored)
	if stored == token || strings.Contains(stored, token) {
		t.Fatal("the feed token is stored in the clear")
	}
	resp, err := http.Get(e.srv.URL + feed.URL)
	if err != nil {
		t.Fatal(err)
	}
	ics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	text := string(ics)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/calendar") {
		t.Fatalf("feed GET = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if !strings.HasPrefix(text, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") || !strings.HasSuffix(text, "END:VCALENDAR\r\n") ||
		!strings.Contains(text, "PRODID:") || strings.Contains(strings.ReplaceAll(text, "\r\n", ""), "\n") {
		t.Fatalf("not RFC 5545 with CRLF lines:\n%s", text)
	}
	// Alice has every other day of 67: about 34 shifts, each in UTC.
	if n := strings.Count(text, "BEGIN:VEVENT"); n < 30 || n > 36 || n != strings.Count(text, "DTSTART:") || !strings.Contains(text, "Z\r\nDTEND:") {
		t.Fatalf("%d events:\n%.600s", n, text)
	}
	for _, l := range strings.Split(text, "\r\n") {
		if len(l) > 75 {
			t.Fatalf("line longer than 75 octets: %q", l)
		}
	}
	e.do(t, "POST", "/api/v1/tenants/acme/oncall-feeds", "acme:read,write", map[string]any{"contact": "alice"})
	if resp, _ := http.Get(e.srv.URL + feed.URL); resp.StatusCode != 404 {
		t.Fatalf("the replaced token still serves: %d", resp.StatusCode)
	}
	if code, out := e.do(t, "POST", "/api/v1/tenants/acme/oncall-feeds", "acme:read,write", map[string]any{"contact": "mallory"}); code != 400 {
		t.Fatalf("feed of an unknown contact = %d %s", code, out)
	}
}

// TestAckLinkConfirmsThenAcknowledgesOnce: GET only asks (a link scanner
// acknowledges nothing); POST acknowledges once; a second click, or the
// link of another step, says already acknowledged; forged, moved and
// expired links are refused.
func TestAckLinkConfirmsThenAcknowledgesOnce(t *testing.T) {
	e := newEnv(t)
	link := e.signer.URL("acme", "incident:7", "s1r0")
	path := strings.TrimPrefix(link, "http://unyo.example")
	get := func(p string) (int, string) {
		resp, err := http.Get(e.srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	post := func(p string) (int, string) {
		resp, err := http.Post(e.srv.URL+p, "application/x-www-form-urlencoded", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for range 3 {
		if code, page := get(path); code != 200 || !strings.Contains(page, `<form method="post">`) {
			t.Fatalf("GET = %d %s", code, page)
		}
	}
	if len(e.acked) != 0 {
		t.Fatalf("GET acknowledged: %v", e.acked)
	}
	if code, page := post(path); code != 200 || !strings.Contains(page, "Acknowledged") || strings.Contains(page, "Already") {
		t.Fatalf("first POST = %d %s", code, page)
	}
	if code, page := post(path); code != 200 || !strings.Contains(page, "Already acknowledged") {
		t.Fatalf("second POST = %d %s", code, page)
	}
	other := strings.TrimPrefix(e.signer.URL("acme", "incident:7", "s2r0"), "http://unyo.example")
	if _, page := post(other); !strings.Contains(page, "Already acknowledged") {
		t.Fatalf("the next step's link = %s", page)
	}
	if len(e.acked) != 1 || e.acked[0] != "acme/incident:7" {
		t.Fatalf("acknowledged %v, want incident:7 once", e.acked)
	}
	// Forged: a's signature on another incident, or a tampered payload.
	tok := strings.TrimPrefix(path, ackPath)
	p, sig, _ := strings.Cut(tok, ".")
	moved := strings.TrimPrefix(e.signer.URL("beta", "incident:8", "s1r0"), "http://unyo.example"+ackPath)
	p2, _, _ := strings.Cut(moved, ".")
	expiredSigner, _ := NewSigner(bytes.Repeat([]byte{7}, 32), "", time.Hour)
	expiredSigner.now = func() time.Time { return time.Now().Add(-2 * time.Hour) }
	for _, bad := range []string{p2 + "." + sig, p + "x." + sig, "nonsense", expiredSigner.Token("acme", "incident:9", "")} {
		if code, _ := post(ackPath + bad); code != 404 {
			t.Errorf("POST of a bad link %q = %d, want 404", bad, code)
		}
	}
	if len(e.acked) != 1 {
		t.Fatalf("a bad link acknowledged: %v", e.acked)
	}
}
