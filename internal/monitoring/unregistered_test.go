package monitoring

import (
	"fmt"
	"testing"
	"time"
)

// TestUnregisteredBounded: the record of unregistered pulls keeps the most
// recent hosts of a tenant within its bound, forgets what is a day old, and
// leaves out hosts registered since.
func TestUnregisteredBounded(t *testing.T) {
	s := &Store{}
	t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	for i := range maxAttemptHosts + 10 {
		s.NoteUnregistered("acme", fmt.Sprintf("h-%02d", i), "192.0.2.1:5000", t0.Add(time.Duration(i)*time.Second))
	}
	none := func(string) bool { return false }
	got := s.Unregistered("acme", none, t0.Add(time.Hour))
	if len(got) != maxAttemptHosts || got[0].Host != fmt.Sprintf("h-%02d", maxAttemptHosts+9) || got[len(got)-1].Host != "h-10" {
		t.Fatalf("kept %d hosts from %s to %s, want the %d most recent, newest first", len(got), got[0].Host, got[len(got)-1].Host, maxAttemptHosts)
	}
	if got := s.Unregistered("acme", func(h string) bool { return h != "h-20" }, t0.Add(time.Hour)); len(got) != 1 || got[0].Host != "h-20" {
		t.Errorf("with every other host registered = %+v, want h-20 only", got)
	}
	if got := s.Unregistered("acme", none, t0.Add(25*time.Hour+time.Minute)); len(got) != 0 {
		t.Errorf("a day later = %d attempts, want none", len(got))
	}
}
