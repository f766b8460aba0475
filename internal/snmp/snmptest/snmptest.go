// Package snmptest runs Debian's real snmpd on loopback for tests, with a
// v2c community and a v3 user with SHA-256 authentication and AES privacy.
package snmptest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"
)

// The credentials the agent is configured with.
const (
	Community = "unyo-test-ro"
	User      = "unyoSHA"
	AuthProto = "SHA256"
	AuthPass  = "auth-pass-123"
	PrivProto = "AES"
	PrivPass  = "priv-pass-456"
)

// Agent is a running snmpd.
type Agent struct {
	Address string // 127.0.0.1:port
	Port    int
}

// Need returns the path of a Debian tool or fails the test naming its package.
func Need(tb testing.TB, tool, pkg string) string {
	tb.Helper()
	if p, err := exec.LookPath(tool); err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/sbin"} {
		if p := filepath.Join(dir, tool); fileExists(p) {
			return p
		}
	}
	tb.Fatalf("%s is not installed: it is in the Debian package %s (apt-get install %s, or make deps)", tool, pkg, pkg)
	return ""
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// FreeUDPPort returns a UDP port on 127.0.0.1 that was free a moment ago.
func FreeUDPPort(tb testing.TB) int {
	tb.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// Start runs snmpd on a free loopback port until the test ends, and waits
// until it answers.
func Start(tb testing.TB) *Agent {
	tb.Helper()
	bin := Need(tb, "snmpd", "snmpd")
	dir := tb.TempDir()
	for attempt := 0; ; attempt++ {
		port := FreeUDPPort(tb)
		conf := filepath.Join(dir, "snmpd.conf")
		body := fmt.Sprintf(`agentAddress udp:127.0.0.1:%d
rocommunity %s 127.0.0.1
createUser %s %s "%s" %s "%s"
rouser %s priv
sysLocation unyo test rack
sysContact ops@example.com
sysServices 72
`, port, Community, User, AuthProto, AuthPass, PrivProto, PrivPass, User)
		if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
			tb.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		// -f foreground, -Lo log to stdout, -C no other config files,
		// -r no root checks of /proc files; persistent state in dir.
		cmd := exec.CommandContext(ctx, bin, "-f", "-Lo", "-C", "-r", "-c", conf, "-p", filepath.Join(dir, "snmpd.pid"))
		cmd.Env = append(os.Environ(), "SNMP_PERSISTENT_DIR="+dir, "MIBS=", "MIBDIRS="+dir)
		out := &lockedBuffer{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			cancel()
			tb.Fatalf("snmpd: %v", err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		stop := func() {
			cancel()
			<-exited
		}
		a := &Agent{Address: "127.0.0.1:" + strconv.Itoa(port), Port: port}
		if a.waitReady(exited, 10*time.Second) {
			tb.Cleanup(stop)
			return a
		}
		stop()
		if attempt == 2 {
			tb.Fatalf("snmpd did not answer on %s:\n%s", a.Address, out.String())
		}
	}
}

// waitReady polls sysUpTime over v2c until the agent answers or exits.
func (a *Agent) waitReady(exited <-chan struct{}, within time.Duration) bool {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return false
		default:
		}
		g := &gosnmp.GoSNMP{Target: "127.0.0.1", Port: uint16(a.Port), Community: Community, Version: gosnmp.Version2c,
			Timeout: 200 * time.Millisecond, Retries: 0}
		if g.Connect() == nil {
			_, err := g.Get([]string{".1.3.6.1.2.1.1.3.0"})
			g.Close()
			if err == nil {
				return true
			}
		}
		time.Sleep(50 * time.Millisecond) // the agent is starting: nothing to await but its answer
	}
	return false
}
