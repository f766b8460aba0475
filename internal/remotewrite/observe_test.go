package remotewrite

import (
	"testing"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/prompb"
)

func TestObserverSeesCommittedLastSamples(t *testing.T) {
	h, _ := newTestHandler(t, DefaultLimits)
	type seen struct {
		tenant, lset string
		t            int64
		v            float64
	}
	var got []seen
	h.SetObserver(func(tenant string, lset labels.Labels, t int64, v float64) {
		got = append(got, seen{tenant, lset.String(), t, v})
	})
	two := ts(1000, 1, "__name__", "node_load5", "host", "web-01", "tenant", "beta")
	two.Samples = append(two.Samples, prompb.Sample{Timestamp: 2000, Value: 7.5})
	if w := post(h, "acme", ingest, encode(two)); w.Code != 204 {
		t.Fatalf("write = %d %s", w.Code, w.Body)
	}
	want := seen{"acme", `{__name__="node_load5", exported_tenant="beta", host="web-01", tenant="acme"}`, 2000, 7.5}
	if len(got) != 1 || got[0] != want {
		t.Fatalf("observed %+v, want [%+v]", got, want)
	}
	// A refused request appends nothing, and nothing is observed.
	got = nil
	if w := post(h, "acme", ingest, encode(ts(3000, 1, "host", "no-name"))); w.Code != 400 {
		t.Fatalf("write without a name = %d", w.Code)
	}
	if len(got) != 0 {
		t.Fatalf("observed %+v from a refused request", got)
	}
}
