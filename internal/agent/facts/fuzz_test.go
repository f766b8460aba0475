package facts

import (
	"testing"
)

// FuzzMetadata: whatever a metadata service (or something squatting on
// its address) answers, the agent gets labels a resource accepts or an
// error, never a panic.
func FuzzMetadata(f *testing.F) {
	f.Add([]byte(`{"location":"japaneast","vmId":"v","vmSize":"s","tagsList":[{"name":"env","value":"prod"}]}`))
	f.Add([]byte(`{"instanceId":"i-1","instanceType":"t3.small","region":"ap-northeast-1"}`))
	f.Add([]byte(`{"vmId":"","tagsList":null}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, parse := range []func([]byte) (*Cloud, error){parseAzure, parseAWSIdentity} {
			c, err := parse(body)
			if err != nil {
				continue
			}
			l := Facts{OS: "linux", Cloud: c}.Labels()
			if len(l) > 32 {
				t.Fatalf("%d labels from %q", len(l), body)
			}
			for k, v := range l {
				if len(v) > 1024 {
					t.Fatalf("label %s of %d bytes", k, len(v))
				}
			}
		}
	})
}
