package e2e

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/notify/webhook/webhooktest"
)

// fleetScript is the command actuator's program in these tests: it keeps
// the group's counts in files of its directory and logs every apply with
// the second it ran. "fail" makes it refuse; with "lag" the running count
// stays behind until "ready" appears.
const fleetScript = `#!/bin/sh
d=%s
req=$(cat)
case "$req" in
*'"action":"apply"'*)
  if [ -f $d/fail ]; then echo "quota exceeded" >&2; exit 3; fi
  n=$(echo "$req" | sed 's/.*"count":\([0-9]*\).*/\1/')
  echo "$(date +%%s) $n" >> $d/applies
  echo "$n" > $d/desired
  [ -f $d/lag ] || echo "$n" > $d/running
  ;;
*)
  des=$(cat $d/desired 2>/dev/null || echo 1)
  run=$(cat $d/running 2>/dev/null || echo 1)
  if [ -f $d/lag ] && [ -f $d/ready ]; then run=$des; fi
  echo "{\"desired\":$des,\"running\":$run,\"size\":\"Standard_D2s_v5\"}"
  ;;
esac
`

type fleet struct{ dir, path string }

func newFleet(t *testing.T) *fleet {
	dir := t.TempDir()
	p := filepath.Join(dir, "fleet.sh")
	if err := os.WriteFile(p, []byte(fmt.Sprintf(fleetScript, dir)), 0o755); err != nil {
		t.Fatal(err)
	}
	return &fleet{dir: dir, path: p}
}

func (f *fleet) touch(name string) { os.WriteFile(filepath.Join(f.dir, name), nil, 0o644) }

// applies returns each apply as [unix second, count].
func (f *fleet) applies() [][2]int64 {
	b, _ := os.ReadFile(filepath.Join(f.dir, "applies"))
	var out [][2]int64
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if at, n, ok := strings.Cut(line, " "); ok {
			a, _ := strconv.ParseInt(at, 10, 64)
			c, _ := strconv.ParseInt(n, 10, 64)
			out = append(out, [2]int64{a, c})
		}
	}
	return out
}

type e2eStep struct {
	PlannedAt    time.Time  `json:"planned_at"`
	Count        int        `json:"count"`
	Winner       string     `json:"winner"`
	State        string     `json:"state"`
	Attempts     int        `json:"attempts"`
	AppliedAt    *time.Time `json:"applied_at"`
	ReachedCount *int       `json:"reached_count"`
	ReachedAt    *time.Time `json:"reached_at"`
	Error        string     `json:"error"`
}

// asViewer sends a JSON body as the customer's viewer user.
func (s *server) asViewer(login, method, path, body string) (int, string) {
	s.t.Helper()
	req, _ := http.NewRequest(method, s.url+path, strings.NewReader(body))
	req.SetBasicAuth(login, login+"-password")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// capacityGroup creates a command group of acme's service svc on f.
func (s *server) capacityGroup(name string, svc int64, f *fleet) string {
	s.t.Helper()
	var g struct {
		ID int64 `json:"id"`
	}
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/capacity/groups", "", map[string]any{"name": name, "service_id": svc, "kind": "command",
		"config": map[string]any{"argv": []string{f.path}, "timeout": "10s"}, "min": 1, "max": 10, "instance_size": "Standard_D2s_v5",
		"hourly_price": 0.2, "verify_within": "20s"}, &g)
	return fmt.Sprintf("/api/v1/tenants/acme/capacity/groups/%d", g.ID)
}

func (s *server) capacityService() int64 {
	s.t.Helper()
	var svc struct {
		ID int64 `json:"id"`
	}
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/services", "", map[string]any{"name": "shop",
		"service_level": map[string]any{"calendar": map[string]any{"time_zone": "Asia/Tokyo"}}}, &svc)
	return svc.ID
}

func (s *server) steps(group, read string) []e2eStep {
	var out []e2eStep
	s.mustJSON(200, "GET", group+"/steps", read, nil, &out)
	return out
}

// TestOperationPlanScalesOnTime is the operation plan on the real binary
// with the command actuator: a proposed plan does nothing; agreed by the
// customer's viewer and activated, it brings the group to its baseline;
// an event two minutes ahead with a one-minute lead scales the group out
// at start − lead and back at its end; every step is recorded with its
// planned, applied and reached times and counts, and verified.
func TestOperationPlanScalesOnTime(t *testing.T) {
	t.Setenv("UNYO_CAPACITY_INTERVAL", "500ms")
	s := startServer(t, t.TempDir())
	_, read := s.tenantWithTokens("acme")
	s.mustJSON(201, "POST", "/api/v1/users", "", map[string]any{"login": "acme-requester", "role": "requester", "tenant": "acme", "password": "acme-requester-password"}, nil)
	f := newFleet(t)
	svcID := s.capacityService()
	group := s.capacityGroup("web", svcID, f)

	start := time.Now().Add(2 * time.Minute).Truncate(time.Second)
	end := start.Add(30 * time.Second)
	plan := map[string]any{"document": map[string]any{"baseline": map[string]any{"default": 2}, "events": []any{map[string]any{
		"name": "winter campaign", "start": start.Format(time.RFC3339), "end": end.Format(time.RFC3339), "count": 6, "lead": "1m"}}}}
	s.mustJSON(201, "POST", group+"/plan/versions", "", plan, nil)
	s.mustJSON(200, "POST", group+"/plan/versions/1/propose", "", nil, nil)
	var dry struct {
		Applies bool `json:"applies"`
		Steps   []struct {
			Start time.Time `json:"start"`
			Count int       `json:"count"`
		} `json:"steps"`
	}
	s.mustJSON(200, "GET", group+"/dry-run?version=1", read, nil, &dry)
	if dry.Applies || len(dry.Steps) != 2 || !dry.Steps[0].Start.Equal(start.Add(-time.Minute)) || dry.Steps[0].Count != 6 || !dry.Steps[1].Start.Equal(end) {
		t.Errorf("dry run of the proposal: %+v", dry)
	}
	// A plan not agreed must not apply. To know the scheduler has looked at
	// it, a second group's agreed plan is awaited: one tick covers both.
	control := newFleet(t)
	cg := s.capacityGroup("control", svcID, control)
	s.mustJSON(201, "POST", cg+"/plan/versions", "", map[string]any{"document": map[string]any{"baseline": map[string]any{"default": 3}}}, nil)
	s.mustJSON(200, "POST", cg+"/plan/versions/1/propose", "", nil, nil)
	s.mustJSON(200, "POST", cg+"/plan/versions/1/approve", "", map[string]any{"reference": "e2e minutes"}, nil)
	s.mustJSON(200, "POST", cg+"/plan/versions/1/activate", "", nil, nil)
	eventually(t, 30*time.Second, func() string {
		if len(control.applies()) == 0 {
			return "the control group is not applied yet"
		}
		return ""
	})
	if got := f.applies(); len(got) != 0 {
		t.Fatalf("a proposed plan applied: %v", got)
	}
	if code, out := s.asViewer("acme-requester", "POST", group+"/plan/versions/1/approve", ""); code != 200 || !strings.Contains(out, `"approval":"customer"`) {
		t.Fatalf("the customer approves: %d %s", code, out)
	}
	s.mustJSON(200, "POST", group+"/plan/versions/1/activate", "", nil, nil)

	eventually(t, 30*time.Second, func() string {
		if got := f.applies(); len(got) != 1 || got[0][1] != 2 {
			return fmt.Sprintf("applies %v, want the baseline 2", got)
		}
		return ""
	})
	eventually(t, 3*time.Minute, func() string {
		if got := f.applies(); len(got) != 3 {
			return fmt.Sprintf("applies %v, want 2, 6, 2", got)
		}
		return ""
	})
	got := f.applies()
	lead := start.Add(-time.Minute).Unix()
	if got[1][1] != 6 || got[1][0] < lead || got[1][0] > lead+3 || got[2][1] != 2 || got[2][0] < end.Unix() || got[2][0] > end.Unix()+3 {
		t.Errorf("applies %v, want 6 at %d (start − lead) and 2 at %d (end)", got, lead, end.Unix())
	}
	var steps []e2eStep
	eventually(t, 30*time.Second, func() string {
		steps = s.steps(group, read)
		if len(steps) != 3 || steps[2].State != "verified" {
			return fmt.Sprintf("steps %+v", steps)
		}
		return ""
	})
	for i, want := range []struct {
		count  int
		winner string
		at     time.Time
	}{{2, "baseline", time.Time{}}, {6, "winter campaign", start.Add(-time.Minute)}, {2, "baseline", end}} {
		st := steps[i]
		if st.Count != want.count || st.Winner != want.winner || st.State != "verified" || st.AppliedAt == nil ||
			st.ReachedCount == nil || *st.ReachedCount != want.count || st.ReachedAt == nil || (!want.at.IsZero() && !st.PlannedAt.Equal(want.at)) {
			t.Errorf("step %d: %+v, want %d by %s planned at %s, verified", i, st, want.count, want.winner, want.at)
		}
	}
	var pa struct {
		Timeline []struct {
			Planned int  `json:"planned"`
			Actual  *int `json:"actual"`
		} `json:"timeline"`
		PeakPlanned int     `json:"peak_planned"`
		ActualHours float64 `json:"actual_instance_hours"`
	}
	s.mustJSON(200, "GET", group+"/plan-actual?from="+time.Now().Add(-10*time.Minute).UTC().Format(time.RFC3339), read, nil, &pa)
	sawSix := false
	for _, p := range pa.Timeline {
		if p.Planned == 6 && p.Actual != nil && *p.Actual == 6 {
			sawSix = true
		}
	}
	if !sawSix || pa.PeakPlanned != 6 || pa.ActualHours <= 0 {
		t.Errorf("plan against actual: %+v", pa)
	}

	// The monthly report's 運行実績 reads the same records.
	var rep struct {
		Content struct {
			Operations []struct {
				Group        string  `json:"group"`
				PlannedHours float64 `json:"planned_hours"`
				Events       []struct {
					Name  string `json:"name"`
					Count int    `json:"count"`
				} `json:"events"`
			} `json:"operations"`
		} `json:"content"`
	}
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/reports", "", map[string]string{"from": time.Now().Add(-15 * time.Minute).UTC().Format(time.RFC3339),
		"to": time.Now().UTC().Format(time.RFC3339)}, &rep)
	found := false
	for _, op := range rep.Content.Operations {
		if op.Group == "web" && op.PlannedHours > 0 && len(op.Events) == 1 && op.Events[0].Name == "winter campaign" && op.Events[0].Count == 6 {
			found = true
		}
	}
	if !found {
		t.Errorf("the report's operations: %+v", rep.Content.Operations)
	}
}

// TestOperationPlanFailureAndKill9: a step the actuator refuses is
// retried by the policy, then fails and opens one incident and one
// notification; a server killed between a step's apply and its
// verification does not apply it again when it comes back, and the
// verification resumes.
func TestOperationPlanFailureAndKill9(t *testing.T) {
	t.Setenv("UNYO_CAPACITY_INTERVAL", "300ms")
	t.Setenv("UNYO_CAPACITY_RETRY_BACKOFF", "500ms")
	dir := t.TempDir()
	s := startServer(t, dir)
	_, read := s.tenantWithTokens("acme")
	hook := webhooktest.NewServer(t)
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/channels", "", map[string]any{"name": "noc", "type": "webhook",
		"config": map[string]string{"url": hook.WebhookURL(), "secret": webhooktest.Secret}}, nil)
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/escalation-policies", "", map[string]any{"name": "standard", "default": true,
		"steps": []any{map[string]any{"targets": []string{"noc"}, "wait": "15m"}}}, nil)
	svc := s.capacityService()
	flat := func(n int) map[string]any {
		return map[string]any{"document": map[string]any{"baseline": map[string]any{"default": n}}, "reason": "e2e"}
	}

	// A refused step: an MSP admin's emergency change, recorded as such.
	broken := newFleet(t)
	broken.touch("fail")
	bg := s.capacityGroup("batch", svc, broken)
	s.mustJSON(201, "POST", bg+"/plan/versions", "", flat(3), nil)
	var v struct {
		Approval string `json:"approval"`
	}
	s.mustJSON(200, "POST", bg+"/plan/versions/1/activate", "", map[string]any{"emergency": true, "reason": "batch overload"}, &v)
	if v.Approval != "emergency" {
		t.Errorf("emergency activation: %+v", v)
	}
	eventually(t, 30*time.Second, func() string {
		if st := s.steps(bg, read); len(st) != 1 || st[0].State != "failed" || st[0].Attempts != 3 || !strings.Contains(st[0].Error, "quota exceeded") {
			return fmt.Sprintf("steps %+v", st)
		}
		return ""
	})
	var incidents []e2eIncident
	eventually(t, 30*time.Second, func() string {
		s.mustJSON(200, "GET", "/api/v1/tenants/acme/incidents", read, nil, &incidents)
		if len(incidents) != 1 || len(hook.Messages()) != 1 {
			return fmt.Sprintf("%d incidents, %d messages", len(incidents), len(hook.Messages()))
		}
		return ""
	})
	if m := hook.Messages()[0].Payload; m.Labels["capacity_group"] != "batch" || m.Status != "firing" {
		t.Errorf("the notification: %+v", m)
	}

	// Killed between apply and verify.
	slow := newFleet(t)
	slow.touch("lag")
	sg := s.capacityGroup("web", svc, slow)
	s.mustJSON(201, "POST", sg+"/plan/versions", "", flat(4), nil)
	s.mustJSON(200, "POST", sg+"/plan/versions/1/propose", "", nil, nil)
	s.mustJSON(200, "POST", sg+"/plan/versions/1/approve", "", map[string]any{"reference": "定例会議事録 2026-12-04"}, nil)
	s.mustJSON(200, "POST", sg+"/plan/versions/1/activate", "", nil, nil)
	eventually(t, 30*time.Second, func() string {
		if st := s.steps(sg, read); len(st) != 1 || st[0].State != "applied" {
			return fmt.Sprintf("steps %+v", st)
		}
		return ""
	})
	if err := s.stop(syscall.SIGKILL); err == nil {
		t.Fatal("kill -9: the server exited cleanly")
	}
	s = startServer(t, dir)
	slow.touch("ready")
	eventually(t, 30*time.Second, func() string {
		if st := s.steps(sg, read); len(st) != 1 || st[0].State != "verified" || *st[0].ReachedCount != 4 {
			return fmt.Sprintf("steps %+v", st)
		}
		return ""
	})
	if got := slow.applies(); len(got) != 1 {
		t.Errorf("applies across the kill: %v, want one", got)
	}
	// Still one incident and one message after the restart.
	s.mustJSON(200, "GET", "/api/v1/tenants/acme/incidents", read, nil, &incidents)
	if len(incidents) != 1 || len(hook.Messages()) != 1 {
		t.Errorf("after the restart: %d incidents, %d messages", len(incidents), len(hook.Messages()))
	}
}
