package monitoring

import (
	"encoding/json"
	"testing"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/probe"
)

// FuzzServerCheck feeds check items as a client writes them: validation
// never panics, and every server-run check it accepts, resolved on a
// resource, is one the probe poller can run.
func FuzzServerCheck(f *testing.F) {
	for _, seed := range []string{
		`{"type":"ping","from":"server","address":"${label.ip}","count":5,"spacing":"200ms"}`,
		`{"type":"tls","from":"server","address":"vpn.example.com:443","tls_days":30}`,
		`{"type":"tcp","from":"server","address":"${host}:22","failures":3}`,
		`{"type":"http","from":"server","url":"https://${host}/health","body_match":"ok","expect_status":200}`,
		`{"type":"http","from":"server","url":"https://x/","body_match":"("}`,
		`{"type":"tls","from":"server","address":"[::1]:443"}`,
		`{"type":"dns","from":"server","query":"x"}`,
	} {
		f.Add(seed)
	}
	res := &model.Resource{TenantID: "acme", Name: "sw-01", Labels: map[string]string{"ip": "10.0.0.2"}}
	f.Fuzz(func(t *testing.T, check string) {
		it := Item{Name: "gw", Kind: KindCheck, Severity: SeverityCritical}
		if json.Unmarshal([]byte(check), &it.Check) != nil || it.Check == nil {
			return
		}
		it.Normalize()
		if it.Validate() != nil || !it.Check.FromServer() {
			return
		}
		r := resolve(candidate{item: &it, src: Source{Via: ViaDirect}}, res, nil)
		if r.Problem != "" {
			return // a placeholder the resource cannot fill: left out, as the lister does
		}
		if _, err := probe.New(probeTarget(res, &r.Item), probe.Env{}); err != nil {
			t.Fatalf("%s was accepted and cannot run: %v", check, err)
		}
	})
}
