package alert

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/apitest"
	"github.com/unyo-ops/unyo/internal/invalid"
)

// TestSilenceByMatcher: a silence host=web-01, severity=~"crit.*" holds the
// notification of web-01's critical alert and of no other; the preview
// lists what it holds; beta's alerts are never held by acme's silence;
// expired, the next repeat of the held alert is told.
func TestSilenceByMatcher(t *testing.T) {
	w := newWorld(t, nil)
	ctx := context.Background()
	w.host("acme", "web-01")
	w.host("acme", "db-01")
	w.host("beta", "web-01")
	w.start()
	ms := []Matcher{{Name: "host", Op: "=", Value: "web-01"}, {Name: "severity", Op: "=~", Value: "crit.*"}}
	s := &Silence{TenantID: "acme", Matchers: ms, EndsAt: w.clock().Add(2 * time.Hour), Comment: "メンテナンス中"}
	if err := w.engine.CreateSilence(ctx, s, "user:sato"); err != nil {
		t.Fatal(err)
	}
	fire := func(tenant, fp, host string, sev Severity) {
		t.Helper()
		if _, err := w.engine.Intake(ctx, tenant, []Signal{{Source: SourceGeneric, Fingerprint: fp, Status: StateFiring, Severity: sev, Name: fp, Resource: host}}); err != nil {
			t.Fatal(err)
		}
	}
	fire("acme", "web-cpu", "web-01", SeverityCritical)
	fire("acme", "web-disk", "web-01", SeverityWarning)
	fire("acme", "db-cpu", "db-01", SeverityCritical)
	fire("beta", "beta-cpu", "web-01", SeverityCritical)
	w.engine.offerPending(ctx)
	told := map[string]bool{}
	for _, tr := range w.transitions() {
		told[tr.Fingerprint] = true
	}
	for fp, want := range map[string]bool{"generic:web-cpu": false, "generic:web-disk": true, "generic:db-cpu": true, "generic:beta-cpu": true} {
		if told[fp] != want {
			t.Errorf("%s told = %v, want %v", fp, told[fp], want)
		}
	}
	held, err := w.engine.PreviewSilence(ctx, "acme", ms)
	if err != nil || len(held) != 1 || held[0].Fingerprint != "generic:web-cpu" {
		t.Errorf("preview = %d alerts (%v), want web-cpu only", len(held), err)
	}
	list, _ := w.engine.Silences(ctx, "acme")
	if len(list) != 1 || list[0].State(w.clock()) != SilenceActive || list[0].CreatedBy != "user:sato" {
		t.Fatalf("acme's silences = %+v, want the active one", list)
	}
	if other, _ := w.engine.Silences(ctx, "beta"); len(other) != 0 {
		t.Errorf("beta lists acme's silence")
	}
	if err := w.engine.ExpireSilence(ctx, "beta", s.ID); err == nil {
		t.Error("beta expired acme's silence")
	}
	w.advance(time.Minute)
	if err := w.engine.ExpireSilence(ctx, "acme", s.ID); err != nil {
		t.Fatal(err)
	}
	fire("acme", "web-cpu", "web-01", SeverityCritical) // the sender repeats it
	w.engine.offerPending(ctx)
	told = map[string]bool{}
	for _, tr := range w.transitions() {
		told[tr.Fingerprint] = true
	}
	if !told["generic:web-cpu"] {
		t.Error("web-cpu is still held after its silence expired")
	}
	if err := w.engine.ExpireSilence(ctx, "acme", s.ID); err == nil {
		t.Error("expiring an expired silence again was accepted")
	}
}

// TestSilenceRefusesBadInput: each bad silence is refused naming its field,
// nothing stored.
func TestSilenceRefusesBadInput(t *testing.T) {
	w := newWorld(t, nil)
	ctx := context.Background()
	host := []Matcher{{Name: "host", Op: "=", Value: "web-01"}}
	f := func(s Silence, field string) {
		t.Helper()
		s.TenantID = "acme"
		err := w.engine.CreateSilence(ctx, &s, "user:sato")
		if e, ok := invalid.As(err); !ok || e.Field != field {
			t.Errorf("%+v: %v, want a refusal of %s", s.Matchers, err, field)
		}
	}
	end := w.clock().Add(time.Hour)
	f(Silence{EndsAt: end, Comment: "x"}, "matchers")
	f(Silence{Matchers: []Matcher{{Name: "1host", Op: "=", Value: "x"}}, EndsAt: end, Comment: "x"}, "matchers[0].name")
	f(Silence{Matchers: []Matcher{{Name: "host", Op: "~", Value: "x"}}, EndsAt: end, Comment: "x"}, "matchers[0].op")
	f(Silence{Matchers: []Matcher{{Name: "host", Op: "=~", Value: "("}}, EndsAt: end, Comment: "x"}, "matchers[0].value")
	f(Silence{Matchers: []Matcher{{Name: "host", Op: "=~", Value: ".*"}}, EndsAt: end, Comment: "x"}, "matchers")
	f(Silence{Matchers: host, Comment: "x"}, "ends_at")
	f(Silence{Matchers: host, EndsAt: w.clock().Add(-time.Minute), Comment: "x"}, "ends_at")
	f(Silence{Matchers: host, EndsAt: w.clock().Add(91 * 24 * time.Hour), Comment: "x"}, "ends_at")
	f(Silence{Matchers: host, EndsAt: end, Comment: " "}, "comment")
	if list, _ := w.engine.Silences(ctx, "acme"); len(list) != 0 {
		t.Errorf("refused silences stored: %d", len(list))
	}
}

// FuzzSilenceMatchers: any matchers either compile or are refused naming a
// field, never a panic.
func FuzzSilenceMatchers(f *testing.F) {
	f.Add("host", "=~", "web-.*")
	f.Add("severity", "!~", "(")
	f.Fuzz(func(t *testing.T, name, op, value string) {
		_, err := compileMatchers([]Matcher{{Name: name, Op: op, Value: value}})
		if err != nil {
			if _, ok := invalid.As(err); !ok {
				t.Errorf("%q %q %q: %v is not an input error", name, op, value, err)
			}
		}
	})
}

// TestSilenceAPI: the API creates (audited, in its own transaction),
// lists and expires silences; bad input is 400 naming the field; another
// tenant's token neither lists nor expires them.
func TestSilenceAPI(t *testing.T) {
	s := newAPIServer(t)
	const path = "/api/v1/tenants/acme/silences"
	if code, body := s.do(t, "POST", path, acmeRW, `{"matchers":[{"name":"host","op":"=~","value":"("}],"duration":"2h","comment":"x"}`); code != 400 || !strings.Contains(string(body), "matchers[0].value") {
		t.Errorf("bad regexp = %d %s", code, body)
	}
	if code, _ := s.do(t, "POST", path, acmeRO, `{"matchers":[{"name":"host","op":"=","value":"web-01"}],"duration":"2h","comment":"x"}`); code != 403 {
		t.Errorf("create with read scope = %d", code)
	}
	list := func(token string) (int, []*Silence) {
		code, body := s.do(t, "GET", path, token, "")
		var out []*Silence
		json.Unmarshal(body, &out)
		return code, out
	}
	do := func(method, p string, b any) (int, []byte) { return s.do(t, method, p, acmeRW, b.(string)) }
	state := func() string { _, b := s.do(t, "GET", path, acmeRO, ""); return string(b) }
	apitest.CheckAudited(t, s.engine.store.db, do, "acme", apitest.Change{Method: "POST", Path: path,
		Body: `{"matchers":[{"name":"host","op":"=","value":"web-01"}],"duration":"2h","comment":"移行作業"}`, State: state, Action: "create", ObjectType: "silence"})
	code, got := list(acmeRO)
	if code != 200 || len(got) != 1 || got[0].Comment != "移行作業" || got[0].EndsAt.Sub(got[0].StartsAt) != 2*time.Hour {
		t.Fatalf("list = %d %+v", code, got)
	}
	if code, body := s.do(t, "GET", "/api/v1/tenants/beta/silences", betaRW, ""); code != 200 || strings.TrimSpace(string(body)) != "[]" {
		t.Errorf("beta's own list = %d %s, want empty", code, body)
	}
	if code, body := s.do(t, "GET", path, "beta:read", ""); code < 400 || strings.Contains(string(body), "移行作業") {
		t.Errorf("beta's token listing acme's silences = %d %s, want refused", code, body)
	}
	expire := fmt.Sprintf("%s/%d/expire", path, got[0].ID)
	if code, _ := s.do(t, "POST", strings.Replace(expire, "/acme/", "/beta/", 1), betaRW, ""); code != 404 {
		t.Errorf("beta expiring acme's silence under its own path = %d, want 404", code)
	}
	if code, _ := s.do(t, "POST", expire, betaRW, ""); code < 400 {
		t.Errorf("beta's token on acme's path = %d, want refused", code)
	}
	apitest.CheckAudited(t, s.engine.store.db, do, "acme", apitest.Change{Method: "POST", Path: expire, Body: "", State: state, Action: "expire", ObjectType: "silence"})
	if _, got = list(acmeRO); got[0].State(s.clock()) != SilenceExpired {
		t.Errorf("after expire: %s", got[0].State(s.clock()))
	}
}
