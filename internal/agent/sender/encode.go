// Package sender delivers what the agent produced to unyo server: samples by
// Prometheus remote-write 1.0 and log events as JSON. Batches are encoded
// once into the on-disk buffer and sent from there, oldest first, so an
// outage within the buffer's bound loses nothing and keeps the order.
package sender

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/golang/snappy"
	"github.com/prometheus/prometheus/prompb"

	"github.com/unyo-ops/unyo/internal/agent/sample"
)

// Record kinds: the first byte of every buffer record says what follows.
const (
	KindSamples byte = 1 // snappy-compressed prompb.WriteRequest
	KindEvents  byte = 2 // JSON array of sample.Event
	KindTraps   byte = 3 // JSON of a collector's SNMP traps (collector.ForwardedTraps)
)

// EncodeSamples returns the buffer record for samples: the remote-write body
// with the host labels added to every series. A label the sample carries
// wins over a host label of the same name; empty values are left out, as
// Prometheus treats them as absent.
func EncodeSamples(samples []sample.Sample, host []sample.Label) ([]byte, error) {
	n := 0
	for _, s := range samples {
		n += 1 + len(s.Labels) + len(host)
	}
	// One backing array for every label of the batch keeps allocations flat.
	arena := make([]prompb.Label, 0, n)
	points := make([]prompb.Sample, len(samples))
	req := prompb.WriteRequest{Timeseries: make([]prompb.TimeSeries, len(samples))}
	for i, s := range samples {
		start := len(arena)
		arena = append(arena, prompb.Label{Name: "__name__", Value: s.Name})
		arena = appendLabels(arena, s.Labels)
		arena = appendLabels(arena, host)
		lbls := sortDedupe(arena[start:len(arena):len(arena)])
		arena = arena[:start+len(lbls)]
		points[i] = prompb.Sample{Value: s.Value, Timestamp: s.TimeMs}
		req.Timeseries[i] = prompb.TimeSeries{Labels: lbls, Samples: points[i : i+1 : i+1]}
	}
	raw, err := req.Marshal()
	if err != nil {
		return nil, fmt.Errorf("sender: cannot encode samples: %w", err)
	}
	out := make([]byte, 1+snappy.MaxEncodedLen(len(raw)))
	out[0] = KindSamples
	enc := snappy.Encode(out[1:], raw)
	return out[:1+len(enc)], nil
}

func appendLabels(dst []prompb.Label, src []sample.Label) []prompb.Label {
	for _, l := range src {
		if l.Value != "" {
			dst = append(dst, prompb.Label{Name: l.Name, Value: l.Value})
		}
	}
	return dst
}

// sortDedupe sorts by name, keeping the first of equal names, in place.
func sortDedupe(ls []prompb.Label) []prompb.Label {
	slices.SortStableFunc(ls, func(a, b prompb.Label) int { return strings.Compare(a.Name, b.Name) })
	return slices.CompactFunc(ls, func(a, b prompb.Label) bool { return a.Name == b.Name })
}

// EncodeEvents returns the buffer record for events: the JSON body of the
// events endpoint.
func EncodeEvents(events []sample.Event) ([]byte, error) {
	body, err := json.Marshal(events)
	if err != nil {
		return nil, fmt.Errorf("sender: cannot encode events: %w", err)
	}
	return append([]byte{KindEvents}, body...), nil
}

// DecodeSamples is the inverse of EncodeSamples, for tests and tools.
func DecodeSamples(rec []byte) (*prompb.WriteRequest, error) {
	if len(rec) == 0 || rec[0] != KindSamples {
		return nil, fmt.Errorf("sender: not a samples record")
	}
	raw, err := snappy.Decode(nil, rec[1:])
	if err != nil {
		return nil, fmt.Errorf("sender: cannot decompress samples: %w", err)
	}
	var req prompb.WriteRequest
	if err := req.Unmarshal(raw); err != nil {
		return nil, fmt.Errorf("sender: cannot decode samples: %w", err)
	}
	return &req, nil
}
