package enrollment

import (
	"encoding/json"
	"testing"

	"github.com/unyo-ops/unyo/internal/agent/facts"
	"github.com/unyo-ops/unyo/internal/model"
)

// FuzzEnrollRequest: whatever an agent sends, a request that passes
// validation makes labels a host resource accepts (an enrollment never
// fails on the facts' own labels), and nothing panics.
func FuzzEnrollRequest(f *testing.F) {
	f.Add([]byte(`{"host":"web-01","facts":{"os":"linux","machine_id":"m","cloud":{"provider":"azure","instance_id":"v","tags":{"a b":"c","__x":"y"}}}}`))
	f.Add([]byte(`{"host":"","facts":{}}`))
	f.Add([]byte(`{"host":"h","facts":{"os":"windows","cloud":{"instance_id":"i","tags":{"tenant":"x"}}}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var in facts.EnrollRequest
		if json.Unmarshal(body, &in) != nil || validate(in) != nil {
			return
		}
		r := &model.Resource{TenantID: "acme", Name: in.Host, Kind: "host", Labels: in.Facts.Labels()}
		if err := r.Validate(); err != nil {
			t.Fatalf("labels of valid facts refused: %v (%v)", err, r.Labels)
		}
	})
}
