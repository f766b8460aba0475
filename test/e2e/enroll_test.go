package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/facts/imdsfake"
)

// runSlimAgent runs unyo-agent with args and env until it exits, and
// returns its exit code and output.
func runSlimAgent(t *testing.T, env []string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(agentBinary, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), string(out)
	}
	if err != nil {
		t.Fatalf("unyo-agent %v: %v", args, err)
	}
	return 0, string(out)
}

// startSlimAgent starts unyo-agent with args; it is stopped when the test ends.
func startSlimAgent(t *testing.T, args ...string) *agentProc {
	t.Helper()
	cmd := exec.Command(agentBinary, args...)
	p := &agentProc{cmd: cmd, stderr: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() { p.stop(t) })
	return p
}

func (p *agentProc) stop(t *testing.T) {
	if p.cmd.ProcessState != nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
	if t.Failed() {
		t.Logf("agent log:\n%s", p.stderr)
	}
}

type e2eResource struct {
	ID     int64             `json:"id"`
	Name   string            `json:"name"`
	Kind   string            `json:"kind"`
	Labels map[string]string `json:"labels"`
}

// TestAgentEnrolls: a fresh slim agent enrolls with a tenant's enroll token
// against the real server, on an "Azure VM" (a contract fake of IMDS):
// it becomes a host resource with its facts as labels, gets the built-in
// linux template by the tenant's label rule, and its metrics are
// queryable with no token but the one it stored. Enrolling again keeps one
// resource; a revoked enroll token is refused in so many words; an agent
// of a host nobody registered says so.
func TestAgentEnrolls(t *testing.T) {
	s := startServer(t, t.TempDir())
	ingest, read := s.tenantWithTokens("acme")
	var enroll struct {
		ID    int64  `json:"id"`
		Token string `json:"token"`
	}
	s.mustJSON(201, "POST", "/api/v1/tokens", "", map[string]any{"name": "installer", "tenant": "acme", "scopes": []string{"enroll"},
		"host_selector": "os=linux"}, &enroll)
	var tmpls []struct {
		ID      int64  `json:"id"`
		Builtin string `json:"builtin"`
	}
	s.mustJSON(200, "GET", "/api/v1/tenants/acme/monitoring/templates", "", nil, &tmpls)
	var linux int64
	for _, tp := range tmpls {
		if tp.Builtin == "linux-base" {
			linux = tp.ID
		}
	}
	if linux == 0 {
		t.Fatalf("no built-in linux-base template in %+v", tmpls)
	}
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/monitoring/assignments", "", map[string]any{"template_id": linux, "selector": "os=linux"}, nil)

	azure := imdsfake.Azure(imdsfake.Instance{ID: "0d4b6bd3-vm-e2e", Region: "japaneast", Size: "Standard_B2s", Tags: map[string]string{"env": "prod"}})
	defer azure.Close()
	env := []string{"UNYO_IMDS_AZURE_URL=" + azure.URL, "UNYO_IMDS_AWS_URL=http://" + freePort(t)}
	state := t.TempDir()
	enrollArgs := []string{"--enroll", enroll.Token, "--server", s.url, "--host", "e2e-web-01", "--buffer", state}
	if code, out := runSlimAgent(t, env, enrollArgs...); code != 0 {
		t.Fatalf("enroll: exit %d\n%s", code, out)
	}
	st, err := os.Stat(filepath.Join(state, "enrollment.json"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("stored credentials: %v %v, want mode 0600", st, err)
	}
	if azure.Refused.Load() != 0 {
		t.Errorf("the agent broke the Azure IMDS contract %d times", azure.Refused.Load())
	}

	var list []e2eResource
	s.mustJSON(200, "GET", "/api/v1/tenants/acme/resources", "", nil, &list)
	if len(list) != 1 || list[0].Name != "e2e-web-01" || list[0].Kind != "host" {
		t.Fatalf("resources after enrolling: %+v", list)
	}
	host := list[0]
	want := map[string]string{"os": "linux", "cloud": "azure", "region": "japaneast", "instance_id": "0d4b6bd3-vm-e2e",
		"vm_size": "Standard_B2s", "tag_env": "prod"}
	for k, v := range want {
		if host.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, host.Labels[k], v)
		}
	}
	for _, k := range []string{"arch", "hostname", "os_version", "machine_id"} {
		if host.Labels[k] == "" {
			t.Errorf("no %s label: %v", k, host.Labels)
		}
	}
	var items []struct {
		Name   string `json:"name"`
		Source struct {
			Template string `json:"template"`
			Via      string `json:"via"`
		} `json:"source"`
	}
	s.mustJSON(200, "GET", fmt.Sprintf("/api/v1/tenants/acme/monitoring/effective-items?resource=%d", host.ID), "", nil, &items)
	fromLinux := 0
	for _, it := range items {
		if it.Source.Template == "linux-base" && it.Source.Via == "selector" {
			fromLinux++
		}
	}
	if fromLinux == 0 {
		t.Fatalf("the enrolled host has no item of linux-base by selector: %+v", items)
	}

	// The agent runs on what the enrollment stored: no -token, no -host.
	agent := startSlimAgent(t, "--server", s.url, "--buffer", state, "--pull-interval", "2s")
	eventually(t, 90*time.Second, func() string {
		q := `count(node_cpu_seconds_total{host="e2e-web-01",mode="idle"})`
		if v := s.query(read, q, float64(time.Now().UnixMilli())/1000); len(v) == 0 || v[0].Value <= 0 {
			return q + ": no data yet"
		}
		return ""
	})
	agent.stop(t)

	// Again: one resource, a new token, the old one refused.
	old := readCredentials(t, state)
	if code, out := runSlimAgent(t, env, enrollArgs...); code != 0 {
		t.Fatalf("enrolling again: exit %d\n%s", code, out)
	}
	s.mustJSON(200, "GET", "/api/v1/tenants/acme/resources", "", nil, &list)
	if len(list) != 1 || list[0].ID != host.ID {
		t.Fatalf("resources after enrolling again: %+v, want only %d", list, host.ID)
	}
	if code, _ := s.call("GET", "/api/v1/whoami", old, nil); code != 401 {
		t.Errorf("the host's previous token after re-enrolling = %d, want 401", code)
	}
	if code, _ := s.call("GET", "/api/v1/whoami", readCredentials(t, state), nil); code != 200 {
		t.Errorf("the host's new token = %d, want 200", code)
	}

	// Revoked: refused, saying so, and nothing changes.
	s.mustJSON(204, "DELETE", fmt.Sprintf("/api/v1/tokens/%d", enroll.ID), "", nil, nil)
	code, out := runSlimAgent(t, env, "--enroll", enroll.Token, "--server", s.url, "--host", "e2e-web-02", "--buffer", t.TempDir())
	if code == 0 || !strings.Contains(out, "enrollment token") || !strings.Contains(out, "was revoked") {
		t.Fatalf("enrolling with a revoked token: exit %d\n%s", code, out)
	}
	s.mustJSON(200, "GET", "/api/v1/tenants/acme/resources", "", nil, &list)
	if len(list) != 1 {
		t.Fatalf("a revoked token enrolled something: %+v", list)
	}

	// A host nobody registered: the agent's log says what to do.
	ghost := startSlimAgent(t, "--server", s.url, "--token", ingest, "--host", "ghost-01", "--buffer", t.TempDir(), "--pull-interval", "2s")
	const line = "host ghost-01 is not registered in tenant acme: register it in the console (/tenants/acme/resources/new) or enable auto-registration by enrolling the agent with --enroll"
	eventually(t, 30*time.Second, func() string {
		if !strings.Contains(ghost.stderr.String(), line) {
			return "no line " + line + " in the agent's log"
		}
		return ""
	})
}

// readCredentials returns the token an enrollment stored in dir.
func readCredentials(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "enrollment.json"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(b), `"token": "`)
	tok, _, _ := strings.Cut(rest, `"`)
	return tok
}
