package e2e

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/testwait"
)

// Peers are the real Debian binaries unyo must work with unchanged. A test
// that needs one fails, naming the package, when it is missing: `make deps`
// installs them.
var peers = map[string]string{
	"prometheus":              "prometheus",
	"promtool":                "prometheus",
	"prometheus-alertmanager": "prometheus-alertmanager",
}

// needPeer returns the path of the named peer binary or fails the test.
func needPeer(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is missing: install the Debian package %s (make deps)", name, peers[name])
	}
	return path
}

// freeAddr returns a loopback address nothing listens on now, for a peer
// that cannot report the port it bound.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// peer is a running peer process.
type peer struct {
	url    string
	output *syncBuffer
}

// startPeer runs name with args, writing config (when not empty) to a file
// whose path replaces {config} in args, and waits until GET url+ready
// answers 200. The process is killed when the test ends.
func startPeer(t *testing.T, name, addr, ready, config string, args ...string) *peer {
	t.Helper()
	bin := needPeer(t, name)
	if config != "" {
		path := filepath.Join(t.TempDir(), "config.yml")
		if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
			t.Fatal(err)
		}
		for i := range args {
			args[i] = strings.ReplaceAll(args[i], "{config}", path)
		}
	}
	p := &peer{url: "http://" + addr, output: &syncBuffer{}}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = p.output, p.output
	if err := cmd.Start(); err != nil {
		t.Fatalf("cannot start %s: %v", name, err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-done:
			t.Fatalf("%s exited: %s", name, p.output)
		default:
		}
		resp, err := http.Get(p.url + ready)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready at %s after 30s: %s", name, p.url+ready, p.output)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// await polls check until it returns "" or the deadline passes, then fails
// with what check last said.
func await(t *testing.T, within time.Duration, check func() string) {
	t.Helper()
	testwait.Until(t, within, check)
}

// yamlQuote quotes s for a YAML document.
func yamlQuote(s string) string { return fmt.Sprintf("%q", s) }
