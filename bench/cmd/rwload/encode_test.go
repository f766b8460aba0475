package main

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/golang/snappy"
	"github.com/prometheus/prometheus/prompb"
)

func TestEncodePatchableRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		// Few distinct bytes, so that there are many matches to protect against.
		src := make([]byte, rng.IntN(100_000))
		for i := range src {
			src[i] = byte(rng.IntN(3))
		}
		var spans []span
		for i := rng.IntN(50); i+16 < len(src); i += 16 + rng.IntN(300) {
			spans = append(spans, span{i, i + 1 + rng.IntN(15)})
		}
		p := encodePatchable(src, spans)
		for k, s := range spans {
			for j := s.start; j < s.end; j++ {
				src[j] = byte(rng.Uint32())
			}
			copy(p.block[p.at[k]:], src[s.start:s.end])
		}
		got, err := snappy.Decode(nil, p.block)
		if err != nil || !bytes.Equal(got, src) {
			t.Fatalf("%d bytes, %d spans: patched block does not decode to the patched input (err %v)", len(src), len(spans), err)
		}
	}
}

func TestBatchPatch(t *testing.T) {
	b, err := newBatch(1000, 300)
	if err != nil {
		t.Fatal(err)
	}
	for round, ts := range []int64{1_760_000_000_000, 1_760_000_015_000} {
		b.patch(ts, round+1)
		raw, err := snappy.Decode(nil, b.enc.block)
		if err != nil {
			t.Fatal(err)
		}
		var req prompb.WriteRequest
		if err := req.Unmarshal(raw); err != nil {
			t.Fatal(err)
		}
		if len(req.Timeseries) != 300 {
			t.Fatalf("%d series, want 300", len(req.Timeseries))
		}
		for i, s := range req.Timeseries {
			want := seriesLabels(1000 + i)
			for j, l := range want {
				if s.Labels[j].Name != l.Name || s.Labels[j].Value != l.Value {
					t.Fatalf("series %d: labels %v, want %v", i, s.Labels, want)
				}
			}
			smp := s.Samples[0]
			if smp.Timestamp != ts || smp.Value != sampleValue(1000+i, round+1) {
				t.Fatalf("series %d: sample %+v, want %d %v", i, smp, ts, sampleValue(1000+i, round+1))
			}
		}
	}
	// Protecting the samples must not make the body much larger than snappy's.
	raw, _ := snappy.Decode(nil, b.enc.block)
	if ours, theirs := len(b.enc.block), len(snappy.Encode(nil, raw)); float64(ours) > 1.5*float64(theirs) {
		t.Errorf("body of %d bytes, snappy makes %d", ours, theirs)
	}
}

func TestSeriesAreDistinct(t *testing.T) {
	seen := map[string]bool{}
	for id := range 200_000 {
		var key string
		for _, l := range seriesLabels(id) {
			key += l.Name + "=" + l.Value + ","
		}
		if seen[key] {
			t.Fatalf("series %d repeats %s", id, key)
		}
		seen[key] = true
	}
}

func TestBuildBatches(t *testing.T) {
	batches, err := buildBatches(10_001, 3, 1000)
	if err != nil {
		t.Fatal(err)
	}
	next := 0
	for _, bs := range batches {
		for _, b := range bs {
			if b.first != next || len(b.enc.at) > 1000 {
				t.Fatalf("batch of %d series from %d, want at most 1000 from %d", len(b.enc.at), b.first, next)
			}
			next += len(b.enc.at)
		}
	}
	if next != 10_001 {
		t.Fatalf("batches cover %d series, want 10001", next)
	}
}
