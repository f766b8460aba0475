package remotestore

import (
	"context"
	"net"
	"strings"
	"testing"
)

// TestPingFollowsTheStore: the readiness check fails while nothing answers
// at the store's address, naming why, and passes once VictoriaMetrics does,
// in each tenant mode.
func TestPingFollowsTheStore(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	for _, mode := range []Mode{ExtraLabel, OrgIDHeader} {
		s := newStore(t, "http://"+addr, mode)
		if err := s.Ping(context.Background()); err == nil || !strings.Contains(err.Error(), "does not answer") {
			t.Fatalf("%v: Ping with no store = %v, want it does not answer", mode, err)
		}
	}
	root := startVMAt(t, addr)
	for _, mode := range []Mode{ExtraLabel, OrgIDHeader} {
		if err := newStore(t, root, mode).Ping(context.Background()); err != nil {
			t.Errorf("%v: Ping with the store up = %v", mode, err)
		}
	}
}
