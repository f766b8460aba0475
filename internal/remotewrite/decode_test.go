package remotewrite

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/prometheus/prometheus/model/histogram"
	"github.com/prometheus/prometheus/prompb"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// Builders for hand-made messages, for the encodings prompb never writes.

func cat(parts ...[]byte) []byte { return slices.Concat(parts...) }

func lenField(num protowire.Number, b []byte) []byte {
	return protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), b)
}

func varintField(num protowire.Number, v uint64) []byte {
	return protowire.AppendVarint(protowire.AppendTag(nil, num, protowire.VarintType), v)
}

func fixed64Field(num protowire.Number, v uint64) []byte {
	return protowire.AppendFixed64(protowire.AppendTag(nil, num, protowire.Fixed64Type), v)
}

func label(name, value string) []byte {
	return lenField(fieldLabels, cat(lenField(fieldName, []byte(name)), lenField(fieldValue, []byte(value))))
}

func sample(v float64, ts int64) []byte {
	return lenField(fieldSamples, cat(fixed64Field(1, math.Float64bits(v)), varintField(2, uint64(ts))))
}

func series(fields ...[]byte) []byte { return lenField(fieldTimeseries, cat(fields...)) }

func TestUnmarshalMatchesPrompb(t *testing.T) {
	want := nodeRequest(60, 3)
	want.Timeseries[1].Exemplars = []prompb.Exemplar{{Labels: []prompb.Label{{Name: "trace_id", Value: "abc"}}, Value: 1, Timestamp: 5}}
	want.Timeseries[2].Samples = nil
	want.Timeseries[2].Histograms = []prompb.Histogram{
		prompb.FromIntHistogram(7, testHistogram()),
		{Count: &prompb.Histogram_CountFloat{CountFloat: 3}, Sum: 2, Schema: 1, Timestamp: 8},
	}
	want.Metadata = []prompb.MetricMetadata{{Type: prompb.MetricMetadata_COUNTER, MetricFamilyName: "node_cpu_seconds_total", Help: "CPU"}}
	buf, err := want.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var r Request
	if err := r.Unmarshal(buf); err != nil {
		t.Fatal(err)
	}
	if err := sameAsPrompb(&r, want); err != "" {
		t.Fatal(err)
	}
	if r.Exemplars != 1 {
		t.Errorf("skipped %d exemplars, want 1", r.Exemplars)
	}
	if len(r.Metadata) != 1 || r.Metadata[0].Type != uint64(prompb.MetricMetadata_COUNTER) ||
		string(r.Metadata[0].Family) != "node_cpu_seconds_total" || string(r.Metadata[0].Help) != "CPU" || len(r.Metadata[0].Unit) != 0 {
		t.Errorf("metadata %+v, want the counter node_cpu_seconds_total", r.Metadata)
	}
	for i := range r.Series {
		if !within(r.Series[i].Raw, buf) {
			t.Fatalf("series %d: Raw does not alias the body though its labels are contiguous", i)
		}
	}
}

// within reports whether sub lies inside buf's memory.
func within(sub, buf []byte) bool {
	if len(sub) == 0 {
		return false
	}
	start := uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
	p := uintptr(unsafe.Pointer(unsafe.SliceData(sub)))
	return p >= start && p+uintptr(len(sub)) <= start+uintptr(len(buf))
}

func TestUnmarshalReusesRequest(t *testing.T) {
	big, err := nodeRequest(2000, 1).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	small := nodeRequest(3, 2)
	smallBuf, err := small.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var r Request
	for _, buf := range [][]byte{big, smallBuf} {
		if err := r.Unmarshal(buf); err != nil {
			t.Fatal(err)
		}
	}
	// Nothing of the larger request may be left over in the smaller one.
	if err := sameAsPrompb(&r, small); err != "" {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(20, func() {
		if err := r.Unmarshal(big); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("steady-state Unmarshal of 2,000 series allocates %v times, want 0", allocs)
	}
}

func TestUnmarshalRawOfInterleavedLabels(t *testing.T) {
	a, b, c := label("__name__", "up"), label("job", "node"), label("zone", "a")
	buf := cat(
		series(a, sample(1, 10), b, varintField(9, 3), c),
		series(label("__name__", "down"), sample(2, 20)),
		series(a, b, sample(3, 30), c),
	)
	var r Request
	if err := r.Unmarshal(buf); err != nil {
		t.Fatal(err)
	}
	f := func(i int, wantRaw []byte, wantLabels ...string) {
		t.Helper()
		s := r.Series[i]
		if !bytes.Equal(s.Raw, wantRaw) {
			t.Errorf("series %d: Raw = %x, want %x", i, s.Raw, wantRaw)
		}
		var got []string
		for _, l := range s.Labels {
			got = append(got, string(l.Name)+"="+string(l.Value))
		}
		if !slices.Equal(got, wantLabels) {
			t.Errorf("series %d: labels %v, want %v", i, got, wantLabels)
		}
	}
	f(0, cat(a, b, c), "__name__=up", "job=node", "zone=a")
	f(1, label("__name__", "down"), "__name__=down")
	f(2, cat(a, b, c), "__name__=up", "job=node", "zone=a")
	if within(r.Series[0].Raw, buf) || !within(r.Series[1].Raw, buf) {
		t.Error("Raw should be copied exactly when the label fields are not contiguous")
	}
}

func TestUnmarshalSkipsUnknownFields(t *testing.T) {
	unknown := cat(
		varintField(20, 1<<40),
		fixed64Field(21, 7),
		lenField(22, []byte("future")),
		protowire.AppendFixed32(protowire.AppendTag(nil, 23, protowire.Fixed32Type), 9),
		protowire.AppendTag(nil, 24, protowire.StartGroupType),
		varintField(1, 1),
		protowire.AppendTag(nil, 25, protowire.StartGroupType),
		protowire.AppendTag(nil, 25, protowire.EndGroupType),
		protowire.AppendTag(nil, 24, protowire.EndGroupType),
	)
	lbl := lenField(fieldLabels, cat(unknown, lenField(fieldName, []byte("job")), unknown, lenField(fieldValue, []byte("node"))))
	smp := lenField(fieldSamples, cat(varintField(2, 42), unknown, fixed64Field(1, math.Float64bits(1.5))))
	buf := cat(unknown, series(unknown, lbl, smp, unknown), lenField(2, []byte("reserved")), unknown)

	var r Request
	if err := r.Unmarshal(buf); err != nil {
		t.Fatal(err)
	}
	var want prompb.WriteRequest
	if err := want.Unmarshal(buf); err != nil {
		t.Fatal(err)
	}
	if err := sameAsPrompb(&r, &want); err != "" {
		t.Fatal(err)
	}
	if s := r.Series[0]; string(s.Labels[0].Name) != "job" || s.Samples[0] != (Sample{Timestamp: 42, Value: 1.5}) {
		t.Errorf("decoded %+v", s)
	}
}

func TestUnmarshalRefusesBadInput(t *testing.T) {
	good := label("job", "node")
	f := func(name string, buf []byte, wantField, wantReason string) {
		t.Helper()
		var r Request
		err := r.Unmarshal(buf)
		e, ok := invalid.As(err)
		if !ok {
			t.Errorf("%s: err = %v, want *invalid.Error", name, err)
			return
		}
		if e.Field != wantField || !strings.Contains(e.Reason, wantReason) {
			t.Errorf("%s: got %q: %q, want %q: …%q…", name, e.Field, e.Reason, wantField, wantReason)
		}
	}
	f("truncated varint in a label",
		series(good, lenField(fieldLabels, []byte{0x0a, 0x80})), "timeseries[0].labels[1].name", "length: truncated varint")
	f("truncated tag",
		series(good, lenField(fieldLabels, []byte{0x80})), "timeseries[0].labels[1]", "tag at byte 0: truncated varint")
	f("varint of eleven bytes",
		series(good, lenField(fieldSamples, append([]byte{0x10}, bytes.Repeat([]byte{0xff}, 11)...))), "timeseries[0].samples[0].timestamp", "longer than 10 bytes")
	f("length past the end",
		cat(series(good), []byte{0x0a, 0x05, 0x0a}), "timeseries[1]", "length 5 past the end (1 bytes left)")
	f("wire type 6",
		series(good, []byte{0x7e}), "timeseries[0].field_15", "wire type 6 is not valid")
	f("labels as a varint",
		series(varintField(fieldLabels, 1)), "timeseries[0].labels[0]", "wire type 0, want 2")
	f("sample value as a varint",
		series(good, lenField(fieldSamples, varintField(1, 1))), "timeseries[0].samples[0].value", "wire type 0, want 1")
	f("truncated sample value",
		series(good, lenField(fieldSamples, []byte{0x09, 1, 2, 3})), "timeseries[0].samples[0].value", "truncated fixed64")
	f("end group without a start",
		protowire.AppendTag(nil, 5, protowire.EndGroupType), "write_request", "end of group without a start")
	f("unterminated group",
		series(good, protowire.AppendTag(nil, 9, protowire.StartGroupType)), "timeseries[0].field_9", "group: tag at byte 14: truncated varint")
	f("field number zero",
		[]byte{0x02, 0x00}, "write_request", "field number 0 out of range")
	f("bad histogram",
		series(good, lenField(fieldHistograms, []byte{0x08})), "timeseries[0].histograms[0]", "unexpected EOF")
	f("exemplar past the end",
		series(good, lenField(fieldExemplars, nil), []byte{0x1a, 0x09}), "timeseries[0].exemplars[1]", "past the end")
	f("metadata as fixed32",
		[]byte{0x1d, 1, 2, 3, 4}, "metadata[0]", "wire type 5, want 2")
}

// sameAsPrompb compares r with want and describes the first difference.
func sameAsPrompb(r *Request, want *prompb.WriteRequest) string {
	if len(r.Series) != len(want.Timeseries) {
		return fmtDiff("series", len(r.Series), len(want.Timeseries))
	}
	for i := range r.Series {
		if d := sameSeries(&r.Series[i], &want.Timeseries[i]); d != "" {
			return index("timeseries", i) + ": " + d
		}
	}
	return ""
}

func sameSeries(s *Series, w *prompb.TimeSeries) string {
	if len(s.Labels) != len(w.Labels) {
		return fmtDiff("labels", len(s.Labels), len(w.Labels))
	}
	for j, l := range s.Labels {
		if string(l.Name) != w.Labels[j].Name || string(l.Value) != w.Labels[j].Value {
			return index("labels", j) + ": " + string(l.Name) + "=" + string(l.Value) + ", want " + w.Labels[j].Name + "=" + w.Labels[j].Value
		}
	}
	if !rawMatchesLabels(s) {
		return "Raw does not decode to Labels"
	}
	if len(s.Samples) != len(w.Samples) {
		return fmtDiff("samples", len(s.Samples), len(w.Samples))
	}
	for j, smp := range s.Samples {
		if smp.Timestamp != w.Samples[j].Timestamp || math.Float64bits(smp.Value) != math.Float64bits(w.Samples[j].Value) {
			return index("samples", j) + " differs"
		}
	}
	if len(s.Histograms) != len(w.Histograms) {
		return fmtDiff("histograms", len(s.Histograms), len(w.Histograms))
	}
	for j := range s.Histograms {
		// Compare encodings: reflect.DeepEqual would call NaN sums different.
		got, _ := s.Histograms[j].Marshal()
		want, _ := w.Histograms[j].Marshal()
		if !bytes.Equal(got, want) {
			return index("histograms", j) + " differs"
		}
	}
	return ""
}

// rawMatchesLabels checks the promise of Series.Raw: it is the series' label
// fields, so it decodes back to exactly its labels.
func rawMatchesLabels(s *Series) bool {
	var again Series
	for i := 0; i < len(s.Raw); {
		num, wt, next, err := readTag(s.Raw, i)
		if err != nil || num != fieldLabels {
			return false
		}
		if i, err = again.decodeLabel(s.Raw, next, wt); err != nil {
			return false
		}
	}
	return slices.EqualFunc(again.Labels, s.Labels, func(a, b Label) bool {
		return bytes.Equal(a.Name, b.Name) && bytes.Equal(a.Value, b.Value)
	})
}

func fmtDiff(what string, got, want int) string {
	return fmt.Sprintf("%s: got %d, want %d", what, got, want)
}

// testHistogram is a small native histogram with spans and deltas on both sides.
func testHistogram() *histogram.Histogram {
	return &histogram.Histogram{
		Schema: 0, Count: 12, Sum: 18.4, ZeroThreshold: 0.001, ZeroCount: 2,
		PositiveSpans:   []histogram.Span{{Offset: 0, Length: 2}, {Offset: 1, Length: 2}},
		PositiveBuckets: []int64{1, 1, -1, 0},
		NegativeSpans:   []histogram.Span{{Offset: 0, Length: 2}},
		NegativeBuckets: []int64{2, -1},
	}
}
