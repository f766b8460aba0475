// Package e2e drives the real unyo binary as a child process: it builds it
// once, starts servers on random loopback ports with temporary data
// directories, and talks to them only over HTTP, as a user would.
package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/test/gobuild"
)

// binary is unyo; agentBinary the slim unyo-agent.
var binary, agentBinary string

func TestMain(m *testing.M) {
	// scripts/e2e.sh builds both once for its six shards and names the
	// directory in UNYO_E2E_BIN_DIR; a bare `go test` builds its own.
	dir, built := os.Getenv("UNYO_E2E_BIN_DIR"), true
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "unyo-e2e"); err != nil {
			panic(err)
		}
		built = false
	}
	binary, agentBinary = filepath.Join(dir, "unyo"), filepath.Join(dir, "unyo-agent")
	// The server under test is built with the tags these tests were: the
	// Makefile's, or the run stops here, saying so.
	err := gobuild.Check("../../Makefile")
	switch {
	case err != nil:
	case built:
		err = gobuild.Verify(binary)
	default:
		err = buildBinaries(binary, agentBinary)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		if !built {
			os.RemoveAll(dir)
		}
		os.Exit(1)
	}
	code := m.Run()
	dbtest.Stop()
	if !built {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

// buildBinaries builds unyo and the slim agent as `make build` does, with
// the tags these tests were built with.
func buildBinaries(unyo, agent string) error {
	build := gobuild.Command(unyo, "../../cmd/unyo")
	build.Env = append(build.Environ(), "CGO_ENABLED=1") // as `make build`: TLS-PSK to Zabbix agents is OpenSSL's
	if err := build.Run(); err != nil {
		return fmt.Errorf("cannot build unyo: %w", err)
	}
	if err := gobuild.Command(agent, "../../cmd/unyo-agent").Run(); err != nil {
		return fmt.Errorf("cannot build unyo-agent: %w", err)
	}
	return nil
}

const adminPassword = "e2e-admin-password"

// server is a running `unyo server` child process.
type server struct {
	t      *testing.T
	cmd    *exec.Cmd
	url    string
	stderr *syncBuffer
	done   chan error
}

var urlRE = regexp.MustCompile(`unyo is running: (http://\S+)`)

var (
	pgMu sync.Mutex
	pgDB = map[string]string{} // data directory → its PostgreSQL database
)

// databaseFlags returns the --database flag for a server with data in dir:
// none on SQLite (the file under dir), or, with UNYO_TEST_DATABASE=postgres,
// an empty database of the throwaway cluster, the same one each time a
// server starts on dir, as a restarted installation finds its data.
func databaseFlags(t *testing.T, dir string) []string {
	if dbtest.Dialect() != database.Postgres {
		return nil
	}
	pgMu.Lock()
	defer pgMu.Unlock()
	if pgDB[dir] == "" {
		pgDB[dir] = dbtest.NewPostgres(t, false)
	}
	return []string{"--database", pgDB[dir]}
}

// startServer starts unyo on a random loopback port with data in dir, and
// returns once it answers /readyz. extra flags come last, so they win; the
// server's watch of its own host is off unless they turn it on.
func startServer(t *testing.T, dir string, extra ...string) *server {
	t.Helper()
	args := append([]string{"server", "--listen", "127.0.0.1:0", "--data", dir, "--log-level", "warn", "--monitor-self=false"}, databaseFlags(t, dir)...)
	args = append(args, extra...)
	cmd := exec.Command(binary, args...)
	// The tests' fake receivers listen on loopback, which the outbound policy
	// refuses by default; a test that wants the default passes --outbound-allow=.
	cmd.Env = append(os.Environ(), "UNYO_ADMIN_PASSWORD="+adminPassword, "UNYO_OUTBOUND_ALLOW=127.0.0.0/8")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, cmd: cmd, stderr: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := urlRE.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
	}()
	go func() { s.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-s.done
		}
	})
	select {
	case s.url = <-urls:
	case err := <-s.done:
		t.Fatalf("unyo exited before serving: %v\n%s", err, s.stderr)
	case <-time.After(60 * time.Second):
		t.Fatalf("unyo did not print its URL within 60s\n%s", s.stderr)
	}
	s.waitReady()
	return s
}

func (s *server) waitReady() {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(s.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("unyo not ready after 30s\n%s", s.stderr)
}

// stop sends sig and waits for the process to exit, returning its error.
func (s *server) stop(sig syscall.Signal) error {
	s.cmd.Process.Signal(sig)
	select {
	case err := <-s.done:
		return err
	case <-time.After(60 * time.Second):
		s.t.Fatalf("unyo did not exit within 60s of %v\n%s", sig, s.stderr)
		return nil
	}
}

// call sends a request with basic auth as admin, or a bearer token, and
// returns the status and body.
func (s *server) call(method, path, token string, body io.Reader, header ...string) (int, []byte) {
	s.t.Helper()
	req, _ := http.NewRequest(method, s.url+path, body)
	if token == "" {
		req.SetBasicAuth("admin", adminPassword)
	} else {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// mustJSON sends a JSON body and requires status want.
func (s *server) mustJSON(want int, method, path, token string, in, out any) {
	s.t.Helper()
	b, _ := json.Marshal(in)
	code, body := s.call(method, path, token, bytes.NewReader(b), "Content-Type", "application/json")
	if code != want {
		s.t.Fatalf("%s %s = %d, want %d: %s", method, path, code, want, body)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			s.t.Fatalf("%s %s: %v: %s", method, path, err, body)
		}
	}
}

// tenantWithTokens creates a tenant and returns an ingest and a read token.
func (s *server) tenantWithTokens(id string) (ingest, read string) {
	s.t.Helper()
	s.mustJSON(201, "POST", "/api/v1/tenants", "", map[string]string{"id": id, "name": strings.ToUpper(id)}, nil)
	var out struct {
		Token string `json:"token"`
	}
	s.mustJSON(201, "POST", "/api/v1/tokens", "", map[string]any{"name": id + "-agent", "tenant": id, "scopes": []string{"ingest"}}, &out)
	ingest = out.Token
	s.mustJSON(201, "POST", "/api/v1/tokens", "", map[string]any{"name": id + "-grafana", "tenant": id, "scopes": []string{"read"}}, &out)
	return ingest, out.Token
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
