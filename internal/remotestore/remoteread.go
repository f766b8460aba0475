package remotestore

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/golang/snappy"
	"github.com/prometheus/prometheus/model/histogram"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/prompb"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb/chunkenc"
	"github.com/prometheus/prometheus/tsdb/chunks"
)

// Remote read is sent and decoded here with the Prometheus module's prompb
// messages, snappy and chunk decoders, but not with its storage/remote
// ReadClient: that client takes its headers once, not per tenant; its
// streamed series set indexes the first series of each frame without
// checking there is one (a store's empty frame panics the reader) and skips
// any others; and the package would add a dozen modules (OpenTelemetry
// collector, cloud auth) to unyo's build. The frame reader below is the
// protocol's 30 lines: uvarint length, CRC-32C, protobuf.
//
// What is bounded: a frame (maxFrame), a SAMPLES answer (maxSampled), and a
// frame is read as it arrives, never allocated from its declared length. What
// is not: a histogram chunk's bucket layout is decoded by the Prometheus chunk
// code, which allocates the buckets the layout declares. The store is trusted
// for resources as for availability, never for tenancy.

const (
	// chunkedContentType is the answer of STREAMED_XOR_CHUNKS.
	chunkedContentType = "application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse"
	// maxFrame bounds one frame of a streamed answer (Prometheus'
	// remote_read chunked_read_limit default).
	maxFrame = 50e6
	// maxSampled bounds a SAMPLES answer, decoded: a store answering more
	// should stream (unyo asks for streamed chunks first).
	maxSampled = 256 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// selectRemoteRead reads the samples of ms in [mint, maxt] with Prometheus
// remote read at <query-url>/api/v1/read.
func (q *querier) selectRemoteRead(ctx context.Context, ms []*labels.Matcher, mint, maxt int64) ([]storage.Series, error) {
	body, err := readRequest(ms, clampTime(mint), clampTime(maxt), q.s.readTypes)
	if err != nil {
		return nil, err
	}
	form := url.Values{}
	u := q.s.queryURL(q.tenantID(), "/api/v1/read", form)
	if len(form) > 0 { // extra_label: the store reads it from the URL
		u += "?" + form.Encode()
	}
	resp, err := q.do(ctx, "/api/v1/read", u, "application/x-protobuf", bytes.NewReader(body), http.Header{
		"Content-Encoding":                 {"snappy"},
		"Accept-Encoding":                  {"snappy"},
		"X-Prometheus-Remote-Read-Version": {"0.1.0"},
	})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return q.decodeRead(resp.Header.Get("Content-Type"), resp.Body, ms, mint, maxt)
}

// readRequest is the snappy ReadRequest of one query.
func readRequest(ms []*labels.Matcher, mint, maxt int64, types []prompb.ReadRequest_ResponseType) ([]byte, error) {
	pms := make([]*prompb.LabelMatcher, len(ms))
	for i, m := range ms {
		pm := &prompb.LabelMatcher{Name: m.Name, Value: m.Value}
		switch m.Type {
		case labels.MatchEqual:
			pm.Type = prompb.LabelMatcher_EQ
		case labels.MatchNotEqual:
			pm.Type = prompb.LabelMatcher_NEQ
		case labels.MatchRegexp:
			pm.Type = prompb.LabelMatcher_RE
		case labels.MatchNotRegexp:
			pm.Type = prompb.LabelMatcher_NRE
		default:
			return nil, fmt.Errorf("remotestore: matcher type %v", m.Type)
		}
		pms[i] = pm
	}
	req := &prompb.ReadRequest{
		Queries:               []*prompb.Query{{StartTimestampMs: mint, EndTimestampMs: maxt, Matchers: pms}},
		AcceptedResponseTypes: types,
	}
	raw, err := req.Marshal()
	if err != nil {
		return nil, fmt.Errorf("remotestore: encoding remote read: %w", err)
	}
	return snappy.Encode(nil, raw), nil
}

// decodeRead reads a remote-read answer of either response type: the series
// of the tenant matching ms, with their samples in [mint, maxt].
func (q *querier) decodeRead(contentType string, r io.Reader, ms []*labels.Matcher, mint, maxt int64) ([]storage.Series, error) {
	c := q.collector(ms)
	var err error
	switch {
	case strings.HasPrefix(contentType, chunkedContentType):
		err = c.readChunked(r, mint, maxt)
	case strings.HasPrefix(contentType, "application/x-protobuf"):
		err = c.readSampled(r, mint, maxt)
	default:
		err = fmt.Errorf("content type %q is neither remote-read answer", contentType)
	}
	if err != nil {
		return nil, fmt.Errorf("remotestore: remote-read answer: %w", err)
	}
	return c.series(), nil
}

// readSampled reads a SAMPLES answer: one snappy ReadResponse.
func (c *collector) readSampled(r io.Reader, mint, maxt int64) error {
	compressed, err := io.ReadAll(io.LimitReader(r, maxSampled+1))
	if err != nil {
		return err
	}
	if n, err := snappy.DecodedLen(compressed); err != nil {
		return err
	} else if n > maxSampled || len(compressed) > maxSampled {
		return fmt.Errorf("larger than %d bytes", maxSampled)
	}
	raw, err := snappy.Decode(nil, compressed)
	if err != nil {
		return err
	}
	var resp prompb.ReadResponse
	if err := resp.Unmarshal(raw); err != nil {
		return err
	}
	if len(resp.Results) != 1 {
		return fmt.Errorf("%d results for 1 query", len(resp.Results))
	}
	b := labels.NewScratchBuilder(0)
	for _, ts := range resp.Results[0].Timeseries {
		if ts == nil {
			continue
		}
		lset, err := readLabels(&b, ts.Labels)
		if err != nil {
			return err
		}
		e := c.entry(lset)
		if e == nil {
			continue
		}
		for _, s := range ts.Samples {
			if s.Timestamp >= mint && s.Timestamp <= maxt {
				e.samples = append(e.samples, fsample{t: s.Timestamp, f: s.Value})
			}
		}
		for _, h := range ts.Histograms {
			if h.Timestamp < mint || h.Timestamp > maxt {
				continue
			}
			smp, err := histogramSample(h)
			if err != nil {
				return err
			}
			e.samples = append(e.samples, smp)
		}
	}
	return nil
}

// readChunked reads a STREAMED_XOR_CHUNKS answer: frames of a uvarint
// length, a big-endian CRC-32C of the data, and a ChunkedReadResponse.
func (c *collector) readChunked(r io.Reader, mint, maxt int64) error {
	br := bufio.NewReader(r)
	b := labels.NewScratchBuilder(0)
	for {
		size, err := binary.ReadUvarint(br)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if size > maxFrame {
			return fmt.Errorf("a frame of %d bytes, more than %d", size, int(maxFrame))
		}
		var sum [4]byte
		if _, err := io.ReadFull(br, sum[:]); err != nil {
			return fmt.Errorf("frame checksum: %w", err)
		}
		// Read, not allocated from the length: a short answer claiming a
		// large frame costs what it sent.
		data, err := io.ReadAll(io.LimitReader(br, int64(size)))
		if err != nil || uint64(len(data)) != size {
			return fmt.Errorf("frame of %d bytes cut at %d: %v", size, len(data), err)
		}
		if crc32.Checksum(data, castagnoli) != binary.BigEndian.Uint32(sum[:]) {
			return errors.New("frame checksum mismatch")
		}
		var frame prompb.ChunkedReadResponse
		if err := frame.Unmarshal(data); err != nil {
			return err
		}
		if frame.QueryIndex != 0 {
			return fmt.Errorf("a frame of query %d; 1 query was sent", frame.QueryIndex)
		}
		for _, cs := range frame.ChunkedSeries {
			if cs == nil {
				continue
			}
			lset, err := readLabels(&b, cs.Labels)
			if err != nil {
				return err
			}
			e := c.entry(lset)
			if e == nil {
				continue
			}
			for _, chk := range cs.Chunks {
				if chk.MaxTimeMs < mint || chk.MinTimeMs > maxt {
					continue
				}
				if e.samples, err = appendChunk(e.samples, chk, mint, maxt); err != nil {
					return err
				}
			}
		}
	}
}

// appendChunk decodes chk and appends its samples in [mint, maxt].
func appendChunk(dst []chunks.Sample, chk prompb.Chunk, mint, maxt int64) ([]chunks.Sample, error) {
	enc := chunkenc.Encoding(chk.Type)
	if enc != chunkenc.EncXOR && enc != chunkenc.EncHistogram && enc != chunkenc.EncFloatHistogram {
		return dst, fmt.Errorf("chunk encoding %d", chk.Type)
	}
	ch, err := chunkenc.FromData(enc, chk.Data)
	if err != nil {
		return dst, err
	}
	it := ch.Iterator(nil)
	for vt := it.Next(); vt != chunkenc.ValNone; vt = it.Next() {
		t := it.AtT()
		if t < mint || t > maxt {
			continue
		}
		switch vt {
		case chunkenc.ValFloat:
			_, f := it.At()
			dst = append(dst, fsample{t: t, f: f})
		case chunkenc.ValHistogram:
			_, h := it.AtHistogram(nil)
			if err := h.Validate(); err != nil {
				return dst, err
			}
			dst = append(dst, hsample{t: t, h: h})
		case chunkenc.ValFloatHistogram:
			_, fh := it.AtFloatHistogram(nil)
			if err := fh.Validate(); err != nil {
				return dst, err
			}
			dst = append(dst, fhsample{t: t, fh: fh})
		}
	}
	return dst, it.Err()
}

// histogramSample is a remote-read histogram, checked as the TSDB checks
// one it is given.
func histogramSample(h prompb.Histogram) (chunks.Sample, error) {
	if h.IsFloatHistogram() {
		fh := h.ToFloatHistogram()
		if err := fh.Validate(); err != nil {
			return nil, err
		}
		return fhsample{t: h.Timestamp, fh: fh}, nil
	}
	ih := h.ToIntHistogram()
	if err := ih.Validate(); err != nil {
		return nil, err
	}
	return hsample{t: h.Timestamp, h: ih}, nil
}

// readLabels is the label set of a series the store answered: sorted, with
// neither an empty or invalid name nor a name twice.
func readLabels(b *labels.ScratchBuilder, ls []prompb.Label) (labels.Labels, error) {
	b.Reset()
	for _, l := range ls {
		if l.Name == "" || !utf8.ValidString(l.Name) || !utf8.ValidString(l.Value) {
			return labels.EmptyLabels(), fmt.Errorf("invalid label %q=%q", l.Name, l.Value)
		}
		if l.Value != "" {
			b.Add(l.Name, l.Value)
		}
	}
	b.Sort()
	lset := b.Labels()
	if dup, has := lset.HasDuplicateLabelNames(); has {
		return labels.EmptyLabels(), fmt.Errorf("label %q twice in one series", dup)
	}
	return lset, nil
}

// hsample and fhsample are histogram samples read from the store.
type hsample struct {
	t int64
	h *histogram.Histogram
}

func (s hsample) T() int64                      { return s.t }
func (s hsample) ST() int64                     { return 0 }
func (s hsample) F() float64                    { return 0 }
func (s hsample) H() *histogram.Histogram       { return s.h }
func (s hsample) FH() *histogram.FloatHistogram { return nil }
func (s hsample) Type() chunkenc.ValueType      { return chunkenc.ValHistogram }
func (s hsample) Copy() chunks.Sample           { return hsample{t: s.t, h: s.h.Copy()} }

type fhsample struct {
	t  int64
	fh *histogram.FloatHistogram
}

func (s fhsample) T() int64                      { return s.t }
func (s fhsample) ST() int64                     { return 0 }
func (s fhsample) F() float64                    { return 0 }
func (s fhsample) H() *histogram.Histogram       { return nil }
func (s fhsample) FH() *histogram.FloatHistogram { return s.fh }
func (s fhsample) Type() chunkenc.ValueType      { return chunkenc.ValFloatHistogram }
func (s fhsample) Copy() chunks.Sample           { return fhsample{t: s.t, fh: s.fh.Copy()} }
