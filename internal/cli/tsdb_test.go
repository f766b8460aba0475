package cli

import (
	"io"
	"testing"
)

// TestTSDBFlags: --tsdb-samples-per-chunk reaches the embedded TSDB's
// options (metricstore's TestSamplesPerChunk holds the
// options to the chunks the head cuts), 0 leaves the TSDB's defaults, and a
// negative count is refused before anything opens.
func TestTSDBFlags(t *testing.T) {
	f := func(args []string, wantSamples int) {
		t.Helper()
		cfg, err := parseServerFlags(append([]string{"--data", t.TempDir()}, args...), io.Discard)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if got := cfg.tsdbOptions(nil).SamplesPerChunk; got != wantSamples {
			t.Errorf("%v: SamplesPerChunk %d, want %d", args, got, wantSamples)
		}
	}
	f(nil, 0)
	f([]string{"--tsdb-samples-per-chunk", "60"}, 60)
	if _, err := parseServerFlags([]string{"--tsdb-samples-per-chunk", "-1"}, io.Discard); err == nil {
		t.Error("--tsdb-samples-per-chunk -1 was accepted")
	}
}
