package probe

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/check"
	"github.com/unyo-ops/unyo/internal/agent/sample"
)

// pingAllowed says whether this process may ping: root (raw ICMP), or a
// gid within net.ipv4.ping_group_range (unprivileged ICMP).
func pingAllowed(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	b, err := os.ReadFile("/proc/sys/net/ipv4/ping_group_range")
	if err != nil {
		t.Fatalf("cannot read net.ipv4.ping_group_range: %v; run the test as root or allow unprivileged ping", err)
	}
	var lo, hi int
	if _, err := fmt.Sscan(string(b), &lo, &hi); err != nil || os.Getegid() < lo || os.Getegid() > hi {
		t.Fatalf("this test pings 127.0.0.1 and may not: not root, and gid %d is outside net.ipv4.ping_group_range (%s); "+
			"run it as root or: sysctl -w net.ipv4.ping_group_range=\"0 2147483647\"", os.Getegid(), strings.TrimSpace(string(b)))
	}
}

// byName returns the values of the samples by name (and stat, for rtt).
func byName(ss []sample.Sample) map[string]float64 {
	got := map[string]float64{}
	for _, s := range ss {
		name := s.Name
		for _, l := range s.Labels {
			if l.Name == "stat" {
				name += ":" + l.Value
			}
		}
		got[name] = s.Value
	}
	return got
}

// TestPing sends real ICMP echo requests to 127.0.0.1: every one answered,
// no loss, round trips reported, the check up.
func TestPing(t *testing.T) {
	pingAllowed(t)
	c, err := New(Target{Item: "gw", Type: TypePing, Address: "127.0.0.1", Count: 3, Spacing: 100 * time.Millisecond, Timeout: 5 * time.Second}, Env{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ss, err := c.Collect(ctx, time.Now())
	if err != nil {
		t.Fatalf("ping 127.0.0.1: %v", err)
	}
	got := byName(ss)
	if got[check.UpMetric] != 1 || got[LossMetric] != 0 {
		t.Fatalf("ping 127.0.0.1: %v, want up and no loss", got)
	}
	for _, stat := range []string{"min", "avg", "max"} {
		if v, ok := got[RTTMetric+":"+stat]; !ok || v <= 0 || v > 1 {
			t.Fatalf("rtt %s = %v (present %v), want a loopback round trip", stat, v, ok)
		}
	}
	if got[RTTMetric+":min"] > got[RTTMetric+":max"] {
		t.Fatalf("min rtt above max: %v", got)
	}
	for _, s := range ss {
		if s.Labels[0] != (sample.Label{Name: "item", Value: "gw"}) || s.Labels[1] != (sample.Label{Name: "target", Value: "127.0.0.1"}) {
			t.Fatalf("labels of %s: %v", s.Name, s.Labels)
		}
	}
}

// TestPingRefused: an address the policy refuses is never pinged; the
// check is down and says why.
func TestPingRefused(t *testing.T) {
	refused := errors.New("outbound: 127.0.0.1 is a loopback address; refused unless the server admin allows it with --outbound-allow")
	var judged []netip.Addr
	c, _ := New(Target{Item: "gw", Type: TypePing, Address: "localhost", Count: 1}, Env{Permit: func(a netip.Addr) error {
		judged = append(judged, a)
		return refused
	}})
	ss, err := c.Collect(context.Background(), time.Now())
	got := byName(ss)
	if !errors.Is(err, refused) || got[check.UpMetric] != 0 || got[check.FailureMetric] != 1 {
		t.Fatalf("refused: %v, %v", got, err)
	}
	if _, sent := got[LossMetric]; sent {
		t.Fatal("a refused address was pinged")
	}
	if len(judged) != 1 || !judged[0].IsLoopback() {
		t.Fatalf("judged %v, want localhost's address once", judged)
	}
}
