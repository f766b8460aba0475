// Package zabbixtest starts the real Zabbix agent 2 of Debian's
// zabbix-agent2 package for tests: a child process on loopback with a
// generated configuration, no systemd.
package zabbixtest

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/zabbix/agentproto"
)

// Agent is a running zabbix_agent2.
type Agent struct {
	Address string // 127.0.0.1:port, for passive checks
	Version string // e.g. 6.0.14
	log     *lockedBuffer
}

// Binary is where Debian installs Zabbix agent 2.
const Binary = "/usr/sbin/zabbix_agent2"

// StartAgent starts zabbix_agent2 on a free loopback port, answering
// passive checks from loopback only; it is stopped when the test ends. A
// missing binary fails the test naming the Debian package. extra lines go
// into its configuration (TLSAccept=cert, ...).
func StartAgent(t testing.TB, extra ...string) *Agent {
	t.Helper()
	return startAgent(t, false, extra...)
}

func startAgent(t testing.TB, secure bool, extra ...string) *Agent {
	t.Helper()
	bin, err := exec.LookPath(Binary)
	if err != nil {
		t.Fatalf("zabbix_agent2 is not installed: install the Debian package zabbix-agent2 (make deps does): %v", err)
	}
	dir := t.TempDir()
	port := freePort(t)
	conf := fmt.Sprintf(`LogType=console
DebugLevel=3
Server=127.0.0.1
ServerActive=
ListenIP=127.0.0.1
ListenPort=%d
Hostname=unyo-test
Timeout=5
ControlSocket=%s
PluginSocket=%s
PidFile=%s
`, port, filepath.Join(dir, "agent.sock"), filepath.Join(dir, "plugin.sock"), filepath.Join(dir, "agent.pid"))
	for _, l := range extra {
		conf += l + "\n"
	}
	path := filepath.Join(dir, "zabbix_agent2.conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	a := &Agent{Address: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), log: &lockedBuffer{}}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "-c", path, "-f")
	cmd.Stdout, cmd.Stderr = a.log, a.log
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("cannot start zabbix_agent2: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cancel()
		<-exited
		if t.Failed() {
			t.Logf("zabbix_agent2 output:\n%s", a.log.String())
		}
	})
	if secure {
		a.waitListening(t, exited)
	} else {
		a.waitReady(t, exited)
	}
	return a
}

// StartAgentTLS is StartAgent for an agent that accepts only TLS: it waits
// for the agent's log to say it listens rather than asking it in plain text.
func StartAgentTLS(t testing.TB, extra ...string) *Agent {
	t.Helper()
	return startAgent(t, true, extra...)
}

// waitListening waits until the agent accepts connections.
func (a *Agent) waitListening(t testing.TB, exited <-chan struct{}) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", a.Address, time.Second)
		if err == nil {
			conn.Close()
			return
		}
		select {
		case <-exited:
			t.Fatalf("zabbix_agent2 exited:\n%s", a.log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("zabbix_agent2 did not listen on %s within 20s:\n%s", a.Address, a.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitReady polls agent.version until the agent answers, or fails the test.
func (a *Agent) waitReady(t testing.TB, exited <-chan struct{}) {
	t.Helper()
	c := &agentproto.Client{Timeout: time.Second}
	deadline := time.Now().Add(20 * time.Second)
	for {
		r, err := c.Get(context.Background(), a.Address, "agent.version")
		if err == nil && r.Supported {
			a.Version = r.Value
			return
		}
		select {
		case <-exited:
			t.Fatalf("zabbix_agent2 exited:\n%s", a.log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("zabbix_agent2 did not answer on %s within 20s (last: %v %+v):\n%s", a.Address, err, r, a.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// freePort finds a free port in the range zabbix_agent2 accepts for
// ListenPort (1024-32767), which the kernel's ephemeral ports are above.
func freePort(t testing.TB) int {
	t.Helper()
	for i := 0; i < 200; i++ {
		port := 20000 + rand.IntN(12000)
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err == nil {
			l.Close()
			return port
		}
	}
	t.Fatal("no free port in 20000-32000 on 127.0.0.1")
	return 0
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// StartAgentPSK is StartAgentTLS for an agent that accepts only TLS-PSK,
// with identity and key (hex), as the agent's TLSPSKIdentity and the
// content of its TLSPSKFile.
func StartAgentPSK(t testing.TB, identity, key string, extra ...string) *Agent {
	t.Helper()
	file := filepath.Join(t.TempDir(), "agent.psk")
	if err := os.WriteFile(file, []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return StartAgentTLS(t, append([]string{"TLSAccept=psk", "TLSConnect=psk", "TLSPSKIdentity=" + identity, "TLSPSKFile=" + file}, extra...)...)
}
