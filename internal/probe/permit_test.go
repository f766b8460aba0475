package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// nobody is the uid and gid the unprivileged ping runs as.
const nobody = 65534

// TestPingUnprivileged runs a ping as an unprivileged user (uid and gid
// 65534, in a child process): where net.ipv4.ping_group_range holds that
// gid it pings over an unprivileged ICMP socket; where it does not (Debian's
// default "1 0"), the check fails with ErrPingNotPermitted, which says what
// to change, and does not crash.
func TestPingUnprivileged(t *testing.T) {
	if os.Getenv("UNYO_PROBE_PING_CHILD") == "1" {
		pingChild()
		return
	}
	if os.Geteuid() != 0 {
		t.Fatal("this test runs a ping as another user and needs root to switch to it: run it as root (make test does)")
	}
	b, err := os.ReadFile("/proc/sys/net/ipv4/ping_group_range")
	if err != nil {
		t.Fatalf("cannot read net.ipv4.ping_group_range: %v", err)
	}
	var lo, hi int
	if _, err := fmt.Sscan(string(b), &lo, &hi); err != nil {
		t.Fatalf("net.ipv4.ping_group_range %q: %v", b, err)
	}
	want := "permission: " + ErrPingNotPermitted.Error()
	if lo <= nobody && nobody <= hi {
		want = "up"
	}
	// The test binary, where the unprivileged user may run it.
	// (t.TempDir and its own parent only: the temporary directory itself keeps its mode.)
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(dir, "probe.test")
	if err := copyFile(os.Args[0], bin); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-test.run=^TestPingUnprivileged$")
	cmd.Env = append(os.Environ(), "UNYO_PROBE_PING_CHILD=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody, Groups: []uint32{}}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the child: %v\n%s", err, out)
	}
	t.Logf("the child: %s", out)
	if !strings.Contains(string(out), "result: "+want+"\n") {
		t.Fatalf("ping as uid %d with net.ipv4.ping_group_range %q: want %q, the child said:\n%s", nobody, strings.TrimSpace(string(b)), want, out)
	}
}

// pingChild pings 127.0.0.1 once and prints the outcome.
func pingChild() {
	c, _ := New(Target{Item: "gw", Type: TypePing, Address: "127.0.0.1", Count: 1, Timeout: 5 * time.Second}, Env{})
	ss, err := c.Collect(context.Background(), time.Now())
	got := byName(ss)
	switch {
	case errors.Is(err, ErrPingNotPermitted) && got["unyo_check_up"] == 0:
		fmt.Printf("result: permission: %v\n", err)
	case err == nil && got["unyo_check_up"] == 1:
		fmt.Println("result: up")
	default:
		fmt.Printf("result: unexpected %v %v\n", got, err)
	}
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
