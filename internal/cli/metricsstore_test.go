package cli

import (
	"bytes"
	"strings"
	"testing"
)

// TestMetricsStoreFlags: --metrics-store remote is refused, naming the flag,
// without both URLs, with an unknown tenant mode or read protocol, or with a
// series idle time under a minute, and URLs are refused
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
		{[]string{"--metrics-store", "remote", "--metrics-write-url", "http://a/w", "--metrics-query-url", "http://a", "--metrics-tenant-mode", "orgid-header", "--metrics-read-protocol", "query-api"}, ""},
		{[]string{"--metrics-store", "remote", "--metrics-write-url", "http://a/w", "--metrics-query-url", "http://a", "--metrics-read-protocol", "grpc"}, "read protocol"},
		{[]string{"--metrics-store", "remote", "--metrics-write-url", "http://a/w", "--metrics-query-url", "http://a", "--metrics-series-idle", "10s"}, "--metrics-series-idle"},
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
