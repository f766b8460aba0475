package e2e

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/notify/email/smtptest"
)

type e2eShift struct {
	Contact string    `json:"contact"`
	Layer   string    `json:"layer"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
}

// onCallAt asks the real server who is on call in rotation id at at.
func (s *server) onCallAt(t *testing.T, id int64, at time.Time) e2eShift {
	t.Helper()
	var out struct {
		OnCall *e2eShift `json:"on_call"`
	}
	s.mustJSON(200, "GET", fmt.Sprintf("/api/v1/tenants/acme/oncall-rotations/%d/oncall?at=%s", id, at.UTC().Format(time.RFC3339)), "", nil, &out)
	if out.OnCall == nil {
		t.Fatalf("nobody on call at %s", at)
	}
	return *out.OnCall
}

// TestOnCallHandsOffAtTheWallClockMinute drives the real binary: a daily
// New York rotation hands off at 09:00 local on both sides of the 2026
// changes (23h and 25h shifts), at 03:00 EDT when its 02:30 never happens,
// and a 1-minute rotation hands off at the very minute, now.
func TestOnCallHandsOffAtTheWallClockMinute(t *testing.T) {
	s := startServer(t, t.TempDir())
	s.tenantWithTokens("acme")
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/channels", "", map[string]any{"name": "mail", "type": "email", "config": map[string]any{
		"host": "127.0.0.1", "port": 2525, "tls": "none", "from": "unyo <alerts@msp.example>", "to": []string{"noc@msp.example"}}}, nil)
	for _, n := range []string{"alice", "bob"} {
		s.mustJSON(201, "POST", "/api/v1/tenants/acme/contacts", "", map[string]any{"name": n, "email": n + "@msp.example", "via": "mail"}, nil)
	}
	mk := func(name, handoff, length, start string) int64 {
		var r struct {
			ID int64 `json:"id"`
		}
		s.mustJSON(201, "POST", "/api/v1/tenants/acme/oncall-rotations", "", map[string]any{"name": name, "time_zone": "America/New_York",
			"layers": []any{map[string]any{"members": []string{"alice", "bob"}, "handoff": handoff, "length": length, "start": start}}}, &r)
		return r.ID
	}
	daily := mk("daily", "daily", "", "2026-03-01T09:00")
	night := mk("night", "daily", "", "2026-03-01T02:30")
	for _, c := range []struct {
		at        string // a hand-off, UTC
		wantHours float64
	}{
		{"2026-03-07T14:00:00Z", 23}, // 09:00 EST, to 09:00 EDT
		{"2026-03-08T13:00:00Z", 24}, // 09:00 EDT
		{"2026-10-31T13:00:00Z", 25}, // 09:00 EDT, to 09:00 EST
		{"2026-11-01T14:00:00Z", 24}, // 09:00 EST
	} {
		at, _ := time.Parse(time.RFC3339, c.at)
		before, sh := s.onCallAt(t, daily, at.Add(-time.Second)), s.onCallAt(t, daily, at)
		if !sh.Start.Equal(at) || sh.End.Sub(sh.Start).Hours() != c.wantHours || before.Contact == sh.Contact {
			t.Errorf("hand-off at %s: %+v (before: %s), want a new person for %vh", at, sh, before.Contact, c.wantHours)
		}
	}
	// 02:30 is skipped on 8 March: the hand-off is at 03:00 EDT (07:00Z).
	jump, _ := time.Parse(time.RFC3339, "2026-03-08T07:00:00Z")
	if before, sh := s.onCallAt(t, night, jump.Add(-time.Second)), s.onCallAt(t, night, jump); !sh.Start.Equal(jump) || before.Contact == sh.Contact {
		t.Errorf("spring-forward hand-off: %+v after %s, want at 03:00 EDT", sh, before.Contact)
	}

	// A 1-minute rotation, now: the hand-off is at the next wall-clock minute.
	ny, _ := time.LoadLocation("America/New_York")
	now := time.Now().In(ny)
	minute := mk("minute", "custom", "1m", now.Add(-2*time.Minute).Format("2006-01-02T15:04"))
	next := now.Truncate(time.Minute).Add(time.Minute)
	before, after := s.onCallAt(t, minute, next.Add(-time.Second)), s.onCallAt(t, minute, next)
	if !after.Start.Equal(next) || !before.End.Equal(next) || before.Contact == after.Contact {
		t.Fatalf("minute rotation: %+v then %+v, want a hand-off at %s", before, after, next)
	}
	// And the server's own clock agrees: asked without a time, it answers the present shift.
	var cur struct {
		OnCall *e2eShift `json:"on_call"`
	}
	s.mustJSON(200, "GET", fmt.Sprintf("/api/v1/tenants/acme/oncall-rotations/%d/oncall", minute), "", nil, &cur)
	if cur.OnCall == nil || time.Since(cur.OnCall.Start) < 0 || time.Since(cur.OnCall.Start) > 2*time.Minute {
		t.Fatalf("on call now: %+v", cur.OnCall)
	}
}

var ackLinkRE = regexp.MustCompile(`https?://[^\s"<>]+/api/v1/oncall/ack/[A-Za-z0-9_\-.]+`)

// TestAckLinkStopsEscalationOnce drives the real binary: an incident's SLA
// warning escalates by e-mail to whoever is on call; opening the link from
// the second step's mail shows a confirm page and acknowledges nothing;
// confirming acknowledges the incident and stops the escalation (no third
// step, no breach notice); a second click says already acknowledged.
func TestAckLinkStopsEscalationOnce(t *testing.T) {
	t.Setenv("UNYO_SLA_INTERVAL", "200ms")
	t.Setenv("UNYO_ESCALATION_INTERVAL", "200ms")
	s := startServer(t, t.TempDir())
	_, read := s.tenantWithTokens("acme")
	mail := smtptest.NewServer(t, smtptest.Options{})
	base := "/api/v1/tenants/acme"
	s.mustJSON(201, "POST", base+"/channels", "", map[string]any{"name": "mail", "type": "email", "config": map[string]any{
		"host": mail.Host(), "port": mail.Port(), "tls": "none", "from": "unyo <alerts@msp.example>", "to": []string{"noc@msp.example"}}}, nil)
	for _, n := range []string{"alice", "bob"} {
		s.mustJSON(201, "POST", base+"/contacts", "", map[string]any{"name": n, "email": n + "@msp.example", "via": "mail"}, nil)
	}
	s.mustJSON(201, "POST", base+"/oncall-rotations", "", map[string]any{"name": "ops", "time_zone": "UTC",
		"layers": []any{map[string]any{"members": []string{"alice", "bob"}, "handoff": "daily", "start": time.Now().UTC().Add(-time.Minute).Format("2006-01-02T15:04")}}}, nil)
	s.mustJSON(201, "POST", base+"/escalation-policies", "", map[string]any{"name": "on call", "default": true, "steps": []any{
		map[string]any{"targets": []string{"oncall:ops"}, "wait": "2s"},
		map[string]any{"targets": []string{"oncall:ops"}, "wait": "2s"},
		map[string]any{"targets": []string{"oncall:ops"}}}}, nil)
	var svc, inc, wit struct {
		ID     int64  `json:"id"`
		Number string `json:"number"`
	}
	s.mustJSON(201, "POST", base+"/services", "", map[string]any{"name": "shop",
		"service_level": map[string]any{"acknowledge_target": "16s", "identify_target": "1h", "resolve_target": "4h"}}, &svc)
	s.mustJSON(201, "POST", base+"/incidents", "", map[string]any{"service_id": svc.ID, "short_description": "決済エラー多発", "impact": 1, "urgency": 1}, &inc)
	// A witness opened at the same moment and never acknowledged: its third
	// step and breach notice tell when the acknowledged one's would have come.
	s.mustJSON(201, "POST", base+"/incidents", "", map[string]any{"service_id": svc.ID, "short_description": "在庫同期遅延", "impact": 1, "urgency": 1}, &wit)
	about := func(number, kind string) []*smtptest.Message {
		var out []*smtptest.Message
		for _, m := range mail.Messages() {
			if strings.Contains(m.Subject, number+":") && strings.Contains(m.Subject, kind) {
				out = append(out, m)
			}
		}
		return out
	}

	// The warning at 12s, then step 2 two seconds later: two mails, both to alice, on call today.
	var msgs []*smtptest.Message
	for deadline := time.Now().Add(30 * time.Second); len(msgs) < 2; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			var subjects []string
			for _, m := range mail.Messages() {
				subjects = append(subjects, m.Subject)
			}
			t.Fatalf("%d mails about the incident in 30s, want 2: %q", len(msgs), subjects)
		}
		msgs = about(inc.Number, "")
	}
	for _, m := range msgs {
		if len(m.RcptTo) != 1 || m.RcptTo[0] != "alice@msp.example" {
			t.Fatalf("mailed %v, want alice who is on call", m.RcptTo)
		}
	}
	link := ackLinkRE.FindString(msgs[1].Text)
	if link == "" || !strings.Contains(msgs[1].HTML, link) {
		t.Fatalf("no acknowledgement link in the mail:\n%s", msgs[1].Text)
	}
	var v struct {
		AcknowledgedAt *time.Time `json:"acknowledged_at"`
		AcknowledgedBy string     `json:"acknowledged_by"`
	}
	incPath := fmt.Sprintf("%s/incidents/%d", base, inc.ID)
	page := func(method string) (int, string) {
		req, _ := http.NewRequest(method, link, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := resp.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		return resp.StatusCode, b.String()
	}
	if code, body := page("GET"); code != 200 || !strings.Contains(body, `<form method="post">`) {
		t.Fatalf("GET link = %d %s", code, body)
	}
	if s.mustJSON(200, "GET", incPath, read, nil, &v); v.AcknowledgedAt != nil {
		t.Fatal("opening the link acknowledged the incident")
	}
	if code, body := page("POST"); code != 200 || !strings.Contains(body, "Acknowledged") || strings.Contains(body, "Already") {
		t.Fatalf("POST link = %d %s", code, body)
	}
	if s.mustJSON(200, "GET", incPath, read, nil, &v); v.AcknowledgedAt == nil {
		t.Fatal("the link did not acknowledge the incident")
	}
	if code, body := page("POST"); code != 200 || !strings.Contains(body, "Already acknowledged") {
		t.Fatalf("second POST = %d %s", code, body)
	}
	// Step 3 was due 2s after step 2 and the breach at 16s: the witness,
	// due the same, gets both (three warnings, one a step, and a breach
	// notice); by then the acknowledged incident must have had nothing more.
	for deadline := time.Now().Add(30 * time.Second); len(about(wit.Number, "SLA警告")) < 3 || len(about(wit.Number, "SLA違反")) < 1; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the witness %s had %d warnings and %d breach notices in 30s, want its 3 steps and the breach", wit.Number,
				len(about(wit.Number, "SLA警告")), len(about(wit.Number, "SLA違反")))
		}
	}
	if got := about(inc.Number, ""); len(got) != 2 {
		var subjects []string
		for _, m := range got {
			subjects = append(subjects, m.Subject)
		}
		t.Fatalf("%d mails after the acknowledgement, want none beyond the 2 before it: %v", len(got)-2, subjects)
	}
}
