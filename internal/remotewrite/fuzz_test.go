package remotewrite

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/prometheus/prometheus/prompb"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// FuzzUnmarshal checks Unmarshal against prompb, the decoder of Prometheus's
// own receiver:
//   - whatever prompb accepts, Unmarshal accepts, with the same labels,
//     samples and histograms, and a Raw that decodes to the labels;
//   - the handler's lazy decoding (labels decoded per series afterwards)
//     refuses and accepts as Unmarshal does, with the same series;
//   - Unmarshal may accept what prompb refuses only when the fault is inside
//     an exemplar or a metadata entry, which Unmarshal skips unread: with
//     those fields removed, prompb must accept the input and agree;
//   - every refusal is an *invalid.Error.
func FuzzUnmarshal(f *testing.F) {
	for _, seed := range fuzzSeeds(f) {
		f.Add(seed)
	}
	prev, err := nodeRequest(40, 2).Marshal()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, buf []byte) {
		// Decode into a used Request, so leftovers from a previous call show.
		var r Request
		if err := r.Unmarshal(prev); err != nil {
			t.Fatal(err)
		}
		ours := r.Unmarshal(buf)
		if _, ok := invalid.As(ours); ours != nil && !ok {
			t.Fatalf("error %v is not an *invalid.Error", ours)
		}
		sameWhenLazy(t, buf, &r, ours)
		var want prompb.WriteRequest
		theirs := want.Unmarshal(buf)
		switch {
		case theirs == nil && ours != nil:
			t.Fatalf("prompb accepts what Unmarshal refuses: %v", ours)
		case theirs != nil && ours == nil:
			want = prompb.WriteRequest{}
			if err := want.Unmarshal(withoutSkipped(t, buf)); err != nil {
				t.Fatalf("Unmarshal accepts what prompb refuses (%v), and not only in skipped fields: %v", theirs, err)
			}
		}
		if ours != nil {
			return
		}
		if d := sameAsPrompb(&r, &want); d != "" {
			t.Fatal(d)
		}
	})
}

// sameWhenLazy checks that the handler's lazy decoding of buf, each
// series' labels decoded afterwards, refuses what Unmarshal refused (err)
// and gives the same series otherwise (eager).
func sameWhenLazy(t *testing.T, buf []byte, eager *Request, err error) {
	t.Helper()
	lazy := Request{lazy: true}
	lerr := lazy.unmarshal(buf)
	for i := range lazy.Series {
		if lerr != nil {
			break
		}
		if lerr = lazy.Series[i].decodeLabels(); lerr != nil {
			lerr = invalid.Prefix(index("timeseries", i), lerr)
		}
	}
	if (lerr == nil) != (err == nil) {
		t.Fatalf("lazy decoding gives %v, Unmarshal %v", lerr, err)
	}
	if _, ok := invalid.As(lerr); lerr != nil && !ok {
		t.Fatalf("error %v is not an *invalid.Error", lerr)
	}
	if err != nil {
		return
	}
	if len(lazy.Series) != len(eager.Series) {
		t.Fatalf("lazy decoding gives %d series, Unmarshal %d", len(lazy.Series), len(eager.Series))
	}
	for i := range lazy.Series {
		l, e := &lazy.Series[i], &eager.Series[i]
		if fmt.Sprintf("%q", l.Labels) != fmt.Sprintf("%q", e.Labels) || !bytes.Equal(l.Raw, e.Raw) || len(l.Samples) != len(e.Samples) {
			t.Fatalf("series %d: lazy %q, Unmarshal %q", i, l.Labels, e.Labels)
		}
	}
}

// withoutSkipped re-encodes buf, which Unmarshal accepted, without its
// exemplars and metadata.
func withoutSkipped(t *testing.T, buf []byte) []byte {
	return dropFields(t, buf, fieldMetadata, func(msg []byte) []byte {
		return dropFields(t, msg, fieldExemplars, nil)
	})
}

// dropFields copies msg without the fields numbered drop, passing the bytes
// of each field numbered 1 through inner when inner is not nil.
func dropFields(t *testing.T, msg []byte, drop int32, inner func([]byte) []byte) []byte {
	var out []byte
	for i := 0; i < len(msg); {
		num, wt, next, err := readTag(msg, i)
		if err != nil {
			t.Fatal(err)
		}
		end, err := skipField(msg, next, wt)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case num == drop:
		case num == 1 && inner != nil:
			body, _, err := lenDelim(msg, next, wt)
			if err != nil {
				t.Fatal(err)
			}
			out = protowire.AppendBytes(protowire.AppendTag(out, 1, protowire.BytesType), inner(body))
		default:
			out = append(out, msg[i:end]...)
		}
		i = end
	}
	return out
}

// fuzzSeeds are real encoded requests, the odd encodings prompb never
// writes, and broken ones.
func fuzzSeeds(f *testing.F) [][]byte {
	withAll := nodeRequest(3, 2)
	withAll.Timeseries[0].Exemplars = []prompb.Exemplar{{Labels: []prompb.Label{{Name: "trace_id", Value: "abc"}}, Value: 1, Timestamp: 5}}
	withAll.Timeseries[1].Histograms = []prompb.Histogram{prompb.FromIntHistogram(7, testHistogram())}
	withAll.Metadata = []prompb.MetricMetadata{{Type: prompb.MetricMetadata_GAUGE, MetricFamilyName: "node_load1", Help: "Load", Unit: "1"}}
	var seeds [][]byte
	for _, req := range []*prompb.WriteRequest{nodeRequest(1, 1), nodeRequest(5, 3), withAll} {
		buf, err := req.Marshal()
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, buf)
	}
	a, b := label("__name__", "up"), label("job", "node")
	return append(seeds,
		series(a, sample(1, 10), b, varintField(9, 3)),
		cat(lenField(22, []byte("x")), series(protowire.AppendTag(nil, 24, protowire.StartGroupType), a, protowire.AppendTag(nil, 24, protowire.EndGroupType), sample(2, 3))),
		series(a, lenField(fieldExemplars, []byte{0xff})),
		cat(series(a), lenField(fieldMetadata, []byte{0x08})),
		series(lenField(fieldLabels, []byte{0x0a, 0x80})),
		[]byte{0x0a, 0x05, 0x0a},
	)
}
