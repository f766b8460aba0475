package oncall

import (
	"bytes"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/model"
)

// FuzzVerify: no token from outside panics, and none but a signed one passes.
func FuzzVerify(f *testing.F) {
	s, _ := NewSigner(bytes.Repeat([]byte{1}, 32), "", time.Hour)
	f.Add(s.Token("acme", "incident:1", "s1r0"))
	f.Add("a.b")
	f.Add("")
	f.Fuzz(func(t *testing.T, tok string) {
		l, err := s.Verify(tok)
		if err == nil && s.Token(l.Tenant, l.Ref, l.Step) == "" {
			t.Fatal("verified a link that cannot be made")
		}
	})
}

// FuzzRotation: any rotation that validates answers who is on call and a
// schedule without panicking, and hand-offs never go back in time.
func FuzzRotation(f *testing.F) {
	f.Add("America/New_York", "custom", int64(time.Minute), "2026-11-01T01:30", int64(0))
	f.Add("Australia/Lord_Howe", "daily", int64(0), "2026-04-05T01:45", int64(3600))
	f.Fuzz(func(t *testing.T, zone, handoff string, length int64, start string, offset int64) {
		r := &Rotation{Name: "r", TimeZone: zone, Layers: []Layer{{Members: []string{"a", "b"}, Handoff: handoff, Length: model.Duration(length), Start: start}}}
		if r.Validate() != nil {
			return
		}
		layers, err := r.compile()
		if err != nil {
			t.Fatal(err)
		}
		prev := layers[0].handoff(0)
		for i := int64(1); i < 50; i++ {
			h := layers[0].handoff(i)
			if h.Before(prev) {
				t.Fatalf("hand-off %d at %s before %s", i, h, prev)
			}
			prev = h
		}
		at := layers[0].handoff(0).Add(time.Duration(offset%(1<<40)) * time.Second)
		if _, _, err := OnCall(r, nil, at); err != nil {
			t.Fatal(err)
		}
	})
}
