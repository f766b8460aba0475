package escalation

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// FuzzPolicy feeds policies as the API receives them: a refusal is an
// *invalid.Error, and an accepted policy can neither loop without waiting
// nor schedule beyond its bounds.
func FuzzPolicy(f *testing.F) {
	f.Add(`{"name":"p","repeat":1,"steps":[{"targets":["a"],"wait":"15m"},{"targets":["contact:b"],"when":"out_of_hours"}]}`)
	f.Add(`{"name":"p","repeat":10,"steps":[{"targets":["a"],"wait":"0s"}]}`)
	f.Add(`{"name":"","steps":[]}`)
	f.Fuzz(func(t *testing.T, raw string) {
		var in input
		if json.Unmarshal([]byte(raw), &in) != nil {
			return
		}
		p := in.policy("acme", 0)
		err := p.Validate()
		if err != nil {
			if _, ok := invalid.As(err); !ok {
				t.Fatalf("refusal %v is not an *invalid.Error", err)
			}
			return
		}
		var total time.Duration
		for _, s := range p.Steps {
			if len(s.Targets) == 0 || time.Duration(s.Wait) < 0 || time.Duration(s.Wait) > maxWait {
				t.Fatalf("accepted step %+v", s)
			}
			total += time.Duration(s.Wait)
		}
		if len(p.Steps) == 0 || len(p.Steps) > maxSteps || p.Repeat < 0 || p.Repeat > maxRepeat || (p.Repeat > 0 && total < time.Minute) {
			t.Fatalf("accepted policy %+v", p)
		}
	})
}
