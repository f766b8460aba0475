package remotestore

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"math"
	"strings"
	"testing"

	"github.com/golang/snappy"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/prompb"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb/chunkenc"
)

// frame is one STREAMED_XOR_CHUNKS frame of resp.
func frame(t testing.TB, resp *prompb.ChunkedReadResponse) []byte {
	t.Helper()
	data, err := resp.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.Write(binary.AppendUvarint(nil, uint64(len(data))))
	b.Write(binary.BigEndian.AppendUint32(nil, crc32.Checksum(data, castagnoli)))
	b.Write(data)
	return b.Bytes()
}

// xorChunk is a chunk of samples at (t, t).
func xorChunk(t testing.TB, ts ...int64) prompb.Chunk {
	t.Helper()
	c := chunkenc.NewXORChunk()
	app, err := c.Appender()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range ts {
		app.Append(0, v, float64(v))
	}
	return prompb.Chunk{MinTimeMs: ts[0], MaxTimeMs: ts[len(ts)-1], Type: prompb.Chunk_XOR, Data: c.Bytes()}
}

func pbLabels(kv ...string) []prompb.Label {
	return prompb.FromLabels(labels.FromStrings(kv...), nil)
}

// samplesOf is every (t, v) of s.
func samplesOf(s storage.Series) (ts []int64, vs []float64) {
	it := s.Iterator(nil)
	for it.Next() != chunkenc.ValNone {
		t, v := it.At()
		ts, vs = append(ts, t), append(vs, v)
	}
	return ts, vs
}

// TestDecodeReadDropsForeignSeries: in either remote-read answer, a series
// outside the tenant or the matchers never reaches the engine; a series the
// store splits over frames is one series; samples outside the read are
// dropped; an empty frame (which panics the Prometheus module's own reader)
// is nothing; a corrupt frame is an error.
func TestDecodeReadDropsForeignSeries(t *testing.T) {
	q := decodeStore(t)
	ms := q.matchers([]*labels.Matcher{labels.MustNewMatcher(labels.MatchEqual, "__name__", "cpu")})
	a := pbLabels("__name__", "cpu", "tenant", "a")

	var streamed bytes.Buffer
	streamed.Write(frame(t, &prompb.ChunkedReadResponse{ChunkedSeries: []*prompb.ChunkedSeries{
		{Labels: a, Chunks: []prompb.Chunk{xorChunk(t, 10, 20)}},
		{Labels: pbLabels("__name__", "cpu", "tenant", "b"), Chunks: []prompb.Chunk{xorChunk(t, 10)}},
	}}))
	streamed.Write(frame(t, &prompb.ChunkedReadResponse{}))
	streamed.Write(frame(t, &prompb.ChunkedReadResponse{ChunkedSeries: []*prompb.ChunkedSeries{
		{Labels: a, Chunks: []prompb.Chunk{xorChunk(t, 30, 5000)}},
	}}))
	rr, err := (&prompb.ReadResponse{Results: []*prompb.QueryResult{{Timeseries: []*prompb.TimeSeries{
		{Labels: a, Samples: []prompb.Sample{{Timestamp: 30, Value: 30}, {Timestamp: 10, Value: 10}, {Timestamp: 20, Value: 20}, {Timestamp: 5000, Value: 1}}},
		{Labels: pbLabels("__name__", "mem", "tenant", "a"), Samples: []prompb.Sample{{Timestamp: 10, Value: 9}}},
	}}}}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		contentType string
		body        []byte
	}{
		"streamed": {chunkedContentType, streamed.Bytes()},
		"samples":  {"application/x-protobuf", snappy.Encode(nil, rr)},
	} {
		before := counter(q.s.metrics.foreign)
		series, err := q.decodeRead(c.contentType, bytes.NewReader(c.body), ms, 0, 1000)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(series) != 1 || series[0].Labels().Get("tenant") != "a" {
			t.Fatalf("%s: series = %v; want only cpu of tenant a", name, series)
		}
		ts, vs := samplesOf(series[0])
		if len(ts) != 3 || ts[0] != 10 || ts[1] != 20 || ts[2] != 30 || vs[2] != 30 {
			t.Errorf("%s: samples %v %v; want 10, 20, 30 in order (5000 is past the read)", name, ts, vs)
		}
		if got := counter(q.s.metrics.foreign) - before; got != 1 {
			t.Errorf("%s: foreign series counted %v; want 1", name, got)
		}
	}
	bad := frame(t, &prompb.ChunkedReadResponse{ChunkedSeries: []*prompb.ChunkedSeries{{Labels: a, Chunks: []prompb.Chunk{xorChunk(t, 10)}}}})
	bad[len(bad)-1] ^= 0xff
	if _, err := q.decodeRead(chunkedContentType, bytes.NewReader(bad), ms, 0, 1000); err == nil || !strings.Contains(err.Error(), "checksum") {
		t.Errorf("a corrupt frame = %v; want a checksum error", err)
	}
	if _, err := q.decodeRead("text/plain", strings.NewReader("hello"), ms, 0, 1000); err == nil {
		t.Error("a text answer was read as remote read")
	}
	dup := frame(t, &prompb.ChunkedReadResponse{ChunkedSeries: []*prompb.ChunkedSeries{{
		Labels: []prompb.Label{{Name: "__name__", Value: "cpu"}, {Name: "tenant", Value: "a"}, {Name: "tenant", Value: "b"}}, Chunks: []prompb.Chunk{xorChunk(t, 10)}}}})
	if _, err := q.decodeRead(chunkedContentType, bytes.NewReader(dup), ms, 0, 1000); err == nil {
		t.Error("a series with the tenant label twice was accepted")
	}
}

// TestDecodeMatrixDropsForeignSeries: the query API's matrix keeps only the
// tenant's series matching the selector, with samples in the read's range.
func TestDecodeMatrixDropsForeignSeries(t *testing.T) {
	q := decodeStore(t)
	ms := q.matchers([]*labels.Matcher{labels.MustNewMatcher(labels.MatchEqual, "__name__", "cpu")})
	body := `{"status":"success","data":{"resultType":"matrix","result":[
{"metric":{"__name__":"cpu","tenant":"a"},"values":[[0.01,"1"],[0.02,"+Inf"],[0.999,"NaN"],[5,"3"]]},
{"metric":{"__name__":"cpu","tenant":"b"},"values":[[0.01,"100"]]}]}}`
	series, err := q.decodeMatrix(strings.NewReader(body), ms, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(series) != 1 || series[0].Labels().Get("tenant") != "a" {
		t.Fatalf("series = %v; want only cpu of tenant a", series)
	}
	ts, vs := samplesOf(series[0])
	if len(ts) != 3 || ts[0] != 10 || ts[1] != 20 || ts[2] != 999 || !math.IsInf(vs[1], 1) || !math.IsNaN(vs[2]) {
		t.Errorf("samples %v %v; want 10, 20, 999 (5 s is past the read)", ts, vs)
	}
	for _, bad := range []string{
		`{"status":"error","data":{}}`,
		`{"status":"success","data":{"resultType":"vector","result":[]}}`,
		`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"x"]]}]}}`,
	} {
		if _, err := q.decodeMatrix(strings.NewReader(bad), ms, 0, 1000); err == nil {
			t.Errorf("%s was accepted", bad)
		}
	}
}

// FuzzDecodeRead: a remote-read answer of either type, however malformed,
// is an error or series of the tenant only, never a panic.
func FuzzDecodeRead(f *testing.F) {
	a := pbLabels("__name__", "cpu", "tenant", "a")
	f.Add(true, frame(f, &prompb.ChunkedReadResponse{ChunkedSeries: []*prompb.ChunkedSeries{{Labels: a, Chunks: []prompb.Chunk{xorChunk(f, 1, 2)}}}}))
	f.Add(true, frame(f, &prompb.ChunkedReadResponse{}))
	rr, _ := (&prompb.ReadResponse{Results: []*prompb.QueryResult{{Timeseries: []*prompb.TimeSeries{
		{Labels: a, Samples: []prompb.Sample{{Timestamp: 1, Value: 1}}, Histograms: []prompb.Histogram{{Timestamp: 2, Count: &prompb.Histogram_CountInt{CountInt: 1}}}},
		{Labels: pbLabels("tenant", "b"), Samples: []prompb.Sample{{Timestamp: 1, Value: 1}}}}}}}).Marshal()
	f.Add(false, snappy.Encode(nil, rr))
	f.Fuzz(func(t *testing.T, streamed bool, body []byte) {
		q := decodeStore(t)
		ct := "application/x-protobuf"
		if streamed {
			ct = chunkedContentType
		}
		series, err := q.decodeRead(ct, bytes.NewReader(body), q.matchers(nil), math.MinInt64, math.MaxInt64)
		if err != nil {
			return
		}
		for _, s := range series {
			if s.Labels().Get("tenant") != "a" {
				t.Fatalf("series of another tenant decoded: %v", s.Labels())
			}
			it := s.Iterator(nil)
			for it.Next() != chunkenc.ValNone {
			}
		}
	})
}

// FuzzDecodeMatrix: a query-API answer, however malformed, is an error or
// series of the tenant only, never a panic.
func FuzzDecodeMatrix(f *testing.F) {
	f.Add(`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"tenant":"a"},"values":[[1.5,"1"]]},{"metric":{"tenant":"b"},"values":[[1,"2"]]}]}}`)
	f.Add(`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"tenant":"a"},"values":[[1e300,"1"]]}]}}`)
	f.Fuzz(func(t *testing.T, body string) {
		q := decodeStore(t)
		series, err := q.decodeMatrix(strings.NewReader(body), q.matchers(nil), math.MinInt64, math.MaxInt64)
		if err != nil {
			return
		}
		for _, s := range series {
			if s.Labels().Get("tenant") != "a" {
				t.Fatalf("series of another tenant decoded: %v", s.Labels())
			}
		}
	})
}
