package collector_test

import (
	"testing"

	"github.com/golang/snappy"
	"github.com/prometheus/prometheus/prompb"

	"github.com/unyo-ops/unyo/internal/collector"
)

// FuzzDecodeWrite feeds the receiver's check arbitrary bodies: it must
// refuse or count, never panic, and never accept what the server's
// remote-write decoding would not.
func FuzzDecodeWrite(f *testing.F) {
	raw, _ := (&prompb.WriteRequest{Timeseries: []prompb.TimeSeries{{
		Labels:  []prompb.Label{{Name: "__name__", Value: "up"}, {Name: "host", Value: "a"}},
		Samples: []prompb.Sample{{Timestamp: 1, Value: 1}},
	}}}).Marshal()
	f.Add(snappy.Encode(nil, raw))
	f.Add([]byte{})
	f.Add([]byte("\xff\xff\xff\xff\x0f"))
	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := collector.DecodeWrite(body)
		if err != nil {
			return
		}
		dec, derr := snappy.Decode(nil, body)
		var req prompb.WriteRequest
		if derr != nil || req.Unmarshal(dec) != nil {
			t.Fatalf("accepted a body that does not decode: %x", body)
		}
		total := 0
		for _, ts := range req.Timeseries {
			total += len(ts.Samples)
		}
		if total != n {
			t.Fatalf("counted %d samples, the body holds %d", n, total)
		}
	})
}
