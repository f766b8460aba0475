package cli

import (
	"bytes"
	"strings"
	"testing"
)

// TestMetricsStoreFlags: --metrics-store remote is refused, naming the flag,
// without both URLs or with an unknown tenant mode, and URLs are refused
// without it; a full remote configuration and the default parse.
func TestMetricsStoreFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string // "" = accepted
	}{
		{nil, ""},
		{[]string{"--metrics-store", "remote", "--metrics-write-url", "http://127.0.0.1:8428/api/v1/write", "--metrics-query-url", "http://127.0.0.1:8428"}, ""},
		{[]string{"--metrics-store", "remote", "--metrics-write-url", "http://127.0.0.1:8428/api/v1/write"}, "--metrics-query-url"},
		{[]string{"--metrics-store", "remote", "--metrics-write-url", "http://a/w", "--metrics-query-url", "http://a", "--metrics-tenant-mode", "header"}, "tenant mode"},
		{[]string{"--metrics-query-url", "http://a"}, "--metrics-store remote"},
		{[]string{"--metrics-store", "cloud"}, "--metrics-store"},
	} {
		var stderr bytes.Buffer
		_, err := parseServerFlags(append([]string{"--data", t.TempDir()}, tc.args...), &stderr)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%v: %v", tc.args, err)
			}
			continue
		}
		if err == nil || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v: err %v, stderr %q; want a refusal naming %q", tc.args, err, stderr.String(), tc.want)
		}
	}
}
