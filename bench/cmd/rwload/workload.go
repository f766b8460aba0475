package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"sync"

	"github.com/prometheus/prometheus/prompb"
)

// Every sample is marshalled with a sentinel value and timestamp, found again
// in the encoded request, and rewritten in place before each send.
const (
	sentinelBits = 0x7ff4_6c6f_6164_0001 // a NaN no label is made of
	sentinelTS   = 1 << 41               // takes the 6 bytes of a timestamp varint
	tsBytes      = 6
	tsLimit      = 1 << (7 * tsBytes) // first timestamp that needs more bytes (year 2109)
	// sampleLen is the patched part of a Sample: value, timestamp tag, timestamp.
	sampleLen = 8 + 1 + tsBytes
)

// seriesPerHost is about what node_exporter exposes for one host.
const seriesPerHost = 500

// nodeMetrics are node_exporter metric names with the label that varies per
// series of the same metric on one host.
var nodeMetrics = []struct{ name, label string }{
	{"node_cpu_seconds_total", "cpu"},
	{"node_disk_read_bytes_total", "device"},
	{"node_disk_written_bytes_total", "device"},
	{"node_filesystem_avail_bytes", "mountpoint"},
	{"node_filesystem_size_bytes", "mountpoint"},
	{"node_memory_MemAvailable_bytes", "numa_node"},
	{"node_network_receive_bytes_total", "device"},
	{"node_network_transmit_bytes_total", "device"},
	{"node_load1", "core"},
	{"node_systemd_unit_state", "name"},
}

// seriesLabels returns the ten sorted labels of series id; ids below
// 500 × 100,000 give distinct label sets.
func seriesLabels(id int) []prompb.Label {
	m := nodeMetrics[id%len(nodeMetrics)]
	host := id / seriesPerHost
	return []prompb.Label{
		{Name: "__name__", Value: m.name},
		{Name: "cluster", Value: fmt.Sprintf("prod-%d", host%4)},
		{Name: "customer", Value: fmt.Sprintf("customer-%03d", host%37)},
		{Name: "datacenter", Value: "tokyo-1"},
		{Name: "env", Value: "production"},
		{Name: "instance", Value: fmt.Sprintf("host-%05d.example.internal:9100", host)},
		{Name: "job", Value: "node"},
		{Name: m.label, Value: fmt.Sprintf("%s%d", m.label, id%seriesPerHost/len(nodeMetrics))},
		{Name: "os", Value: "linux"},
		{Name: "team", Value: "platform"},
	}
}

// batch is one pre-encoded request of consecutive series, one sample each.
type batch struct {
	enc   patchable
	first int // id of the first series
	raw   int // bytes before compression

	// sent is closed once the transport is done reading the last body sent,
	// so that the next round does not rewrite bytes still being written.
	sent chan struct{}
}

// newBatch encodes series first to first+n-1.
func newBatch(first, n int) (*batch, error) {
	req := prompb.WriteRequest{Timeseries: make([]prompb.TimeSeries, n)}
	for i := range req.Timeseries {
		req.Timeseries[i] = prompb.TimeSeries{
			Labels:  seriesLabels(first + i),
			Samples: []prompb.Sample{{Value: math.Float64frombits(sentinelBits), Timestamp: sentinelTS}},
		}
	}
	raw, err := req.Marshal()
	if err != nil {
		return nil, fmt.Errorf("cannot encode series %d to %d: %w", first, first+n-1, err)
	}
	pattern := binary.LittleEndian.AppendUint64([]byte{0x09}, sentinelBits)
	pattern = binary.AppendUvarint(append(pattern, 0x10), sentinelTS)
	var spans []span
	for off := 0; ; {
		i := bytes.Index(raw[off:], pattern)
		if i < 0 {
			break
		}
		// The span starts after the value's tag, which never changes.
		spans = append(spans, span{off + i + 1, off + i + 1 + sampleLen})
		off += i + len(pattern)
	}
	if len(spans) != n {
		return nil, fmt.Errorf("found %d samples in the encoding of %d series", len(spans), n)
	}
	return &batch{enc: encodePatchable(raw, spans), first: first, raw: len(raw)}, nil
}

// patch sets every sample of b to timestamp ts and a value for round.
func (b *batch) patch(ts int64, round int) {
	for j, off := range b.enc.at {
		p := b.enc.block[off : off+sampleLen]
		binary.LittleEndian.PutUint64(p, math.Float64bits(sampleValue(b.first+j, round)))
		p[8] = 0x10
		for k := range tsBytes - 1 {
			p[9+k] = byte(ts>>(7*k)) | 0x80
		}
		p[9+tsBytes-1] = byte(ts >> (7 * (tsBytes - 1)))
	}
}

// sampleValue makes counters that grow at a different rate per series, so
// the stores compress them as they would real data, not as constants.
func sampleValue(id, round int) float64 {
	return float64(round) * float64(id%97+1) * 1.5
}

// wait blocks until the body last sent from b has been released.
func (b *batch) wait() {
	if b.sent != nil {
		<-b.sent
	}
}

// requestBody is a batch's block as a request body that reports its Close.
type requestBody struct {
	*bytes.Reader
	once sync.Once
	done chan struct{}
}

// newBody returns the current block of b as a request body.
func (b *batch) newBody() *requestBody {
	rb := &requestBody{Reader: bytes.NewReader(b.enc.block), done: make(chan struct{})}
	b.sent = rb.done
	return rb
}

func (rb *requestBody) Close() error {
	rb.once.Do(func() { close(rb.done) })
	return nil
}

// buildBatches splits series ids 0 to series-1 into one contiguous share per
// sender, and each share into batches of at most size series.
func buildBatches(series, senders, size int) ([][]*batch, error) {
	out := make([][]*batch, senders)
	per := (series + senders - 1) / senders
	for s := range senders {
		for first := s * per; first < min((s+1)*per, series); first += size {
			b, err := newBatch(first, min(size, min((s+1)*per, series)-first))
			if err != nil {
				return nil, err
			}
			out[s] = append(out[s], b)
		}
	}
	return out, nil
}
