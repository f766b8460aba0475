package remotestore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/golang/snappy"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/model/histogram"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/prompb"
	"github.com/prometheus/prometheus/storage"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/unyo-ops/unyo/internal/limits"
	"github.com/unyo-ops/unyo/internal/metricstore"
)

// job is one snappy remote-write body for one tenant; body comes from
// bodies and goes back there once sent.
type job struct {
	tenant string
	body   *[]byte
}

// errQueueFull refuses a commit while the store is behind: the sender keeps
// its samples and retries, as the remote-write spec asks on 429.
var errQueueFull = &limits.Error{Limit: "metrics_store_queue", Status: http.StatusTooManyRequests, RetryAfter: time.Second,
	Message: "the metrics store is behind and unyo's queue to it is full: retry after 1s"}

// bodies pools the byte buffers of the forwarding path: the protobuf of a
// tenant's request while it is built, and its snappy form until it is sent.
// A request of 2,000 series is about 500 KB of protobuf: allocating both
// per request was most of the forwarder's garbage.
var bodies = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

func putBody(b *[]byte) {
	if cap(*b) > 16<<20 { // one huge request must not pin its buffer for ever
		return
	}
	*b = (*b)[:0]
	bodies.Put(b)
}

// AppenderV2 returns a transaction whose Commit queues one remote-write
// request per tenant; the handler has set the tenant label on every series.
func (s *Store) AppenderV2(context.Context) storage.AppenderV2 {
	return &appender{s: s, reqs: map[string]*[]byte{}}
}

// appender encodes the remote-write protobuf as samples arrive, straight
// from the series' labels into the tenant's pooled buffer: no prompb
// structures, no second pass. The samples of one series (consecutive
// Appends with equal labels) are gathered in series and hist, and framed
// as one TimeSeries when the next series starts or at Commit.
type appender struct {
	s      *Store
	reqs   map[string]*[]byte // tenant → encoded TimeSeries so far
	req    *[]byte            // the current series' tenant's
	last   labels.Labels
	open   bool
	series []byte // the current TimeSeries' labels and samples
	hist   []byte // its histograms
}

func (a *appender) Append(_ storage.SeriesRef, ls labels.Labels, _, t int64, v float64, h *histogram.Histogram, fh *histogram.FloatHistogram, _ storage.AOptions) (storage.SeriesRef, error) {
	if !a.open || !labels.Equal(ls, a.last) {
		tenant := ls.Get(metricstore.TenantLabel)
		if tenant == "" {
			return 0, errors.New("remotestore: a series without the tenant label")
		}
		if err := a.s.admit(ls); err != nil {
			return 0, err // max_series: the handler counts it and goes on
		}
		a.flush()
		a.req = a.reqs[tenant]
		if a.req == nil {
			a.req = bodies.Get().(*[]byte)
			a.reqs[tenant] = a.req
		}
		a.series = appendLabels(a.series[:0], ls)
		a.hist = a.hist[:0]
		a.last, a.open = ls, true
	}
	switch {
	case fh != nil:
		a.hist = appendHistogram(a.hist, prompb.FromFloatHistogram(t, fh))
	case h != nil:
		a.hist = appendHistogram(a.hist, prompb.FromIntHistogram(t, h))
	default:
		a.series = appendSample(a.series, t, v)
	}
	return 0, nil
}

// flush frames the current series into its tenant's request.
func (a *appender) flush() {
	if !a.open {
		return
	}
	b := protowire.AppendTag(*a.req, 1, protowire.BytesType) // WriteRequest.timeseries
	b = protowire.AppendVarint(b, uint64(len(a.series)+len(a.hist)))
	b = append(append(b, a.series...), a.hist...)
	*a.req = b
	a.open = false
}

// Commit queues the requests without waiting for the store, or refuses them
// all (429) when the queue cannot take them.
func (a *appender) Commit() error {
	defer a.Rollback()
	a.flush()
	if len(a.reqs) == 0 {
		return nil
	}
	jobs := make([]job, 0, len(a.reqs))
	for tenant, raw := range a.reqs {
		body := bodies.Get().(*[]byte)
		*body = snappy.Encode((*body)[:cap(*body)], *raw)
		jobs = append(jobs, job{tenant: tenant, body: body})
	}
	select {
	case <-a.s.stop:
		putJobs(jobs)
		return errors.New("remotestore: the store is closing")
	default:
	}
	if cap(a.s.queue)-len(a.s.queue) < len(jobs) {
		a.s.metrics.queueFull.Inc()
		putJobs(jobs)
		return errQueueFull
	}
	for i, j := range jobs {
		select {
		case a.s.queue <- j:
		default: // another commit took the room: refuse the rest, the sender retries all (duplicates are idempotent)
			a.s.metrics.queueFull.Inc()
			putJobs(jobs[i:])
			return errQueueFull
		}
	}
	return nil
}

func putJobs(jobs []job) {
	for _, j := range jobs {
		putBody(j.body)
	}
}

func (a *appender) Rollback() error {
	for tenant, b := range a.reqs {
		putBody(b)
		delete(a.reqs, tenant)
	}
	a.req, a.open, a.last = nil, false, labels.EmptyLabels()
	return nil
}

// appendLabels encodes ls as TimeSeries.labels (field 1), each a Label of
// name (1) and value (2).
func appendLabels(b []byte, ls labels.Labels) []byte {
	ls.Range(func(l labels.Label) {
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendVarint(b, uint64(2+protowire.SizeVarint(uint64(len(l.Name)))+len(l.Name)+
			protowire.SizeVarint(uint64(len(l.Value)))+len(l.Value)))
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendString(b, l.Name)
		b = protowire.AppendTag(b, 2, protowire.BytesType)
		b = protowire.AppendString(b, l.Value)
	})
	return b
}

// appendSample encodes a TimeSeries.samples (field 2): value (1, double)
// and timestamp (2, int64). A zero field is left out, as prompb does.
func appendSample(b []byte, t int64, v float64) []byte {
	n := 0
	if v != 0 {
		n += 1 + 8
	}
	if t != 0 {
		n += 1 + protowire.SizeVarint(uint64(t))
	}
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(n))
	if v != 0 {
		b = protowire.AppendTag(b, 1, protowire.Fixed64Type)
		b = protowire.AppendFixed64(b, math.Float64bits(v))
	}
	if t != 0 {
		b = protowire.AppendTag(b, 2, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(t))
	}
	return b
}

// appendHistogram encodes a TimeSeries.histograms (field 4) with prompb's
// marshaller: native histograms are rare on this path.
func appendHistogram(b []byte, h prompb.Histogram) []byte {
	raw, err := h.Marshal()
	if err != nil { // prompb's Marshal fails only on a buffer too small, which it sizes itself
		panic(fmt.Sprintf("remotestore: encoding a histogram: %v", err))
	}
	b = protowire.AppendTag(b, 4, protowire.BytesType)
	return protowire.AppendBytes(b, raw)
}

// send takes requests off the queue until Close, then sends what is left
// once each.
func (s *Store) send() {
	defer s.workers.Done()
	for {
		select {
		case j := <-s.queue:
			s.deliver(j, true)
			putBody(j.body)
		case <-s.stop:
			for {
				select {
				case j := <-s.queue:
					s.deliver(j, false)
					putBody(j.body)
				default:
					return
				}
			}
		}
	}
}

// deliver posts j, retrying with back-off while the store answers 5xx or
// 429 or cannot be reached, and retry is true and the store is open.
func (s *Store) deliver(j job, retry bool) {
	wait := s.opts.MinBackoff
	for {
		status, err := s.post(j)
		if err == nil {
			s.metrics.sent.Inc()
			return
		}
		recoverable := status == 0 || status == http.StatusTooManyRequests || status >= 500
		if !recoverable {
			s.metrics.failed.WithLabelValues("refused").Inc()
			s.logger.Error("metrics store refused a remote-write request; dropped", "tenant", j.tenant, "status", status, "err", err)
			return
		}
		if !retry {
			s.metrics.failed.WithLabelValues("closing").Inc()
			s.logger.Error("metrics store unreachable while closing; request dropped", "tenant", j.tenant, "err", err)
			return
		}
		s.metrics.retries.Inc()
		s.logger.Warn("metrics store write failed; retrying", "tenant", j.tenant, "status", status, "err", err, "in", wait)
		select {
		case <-time.After(wait):
		case <-s.stop:
			retry = false
		}
		wait = min(2*wait, s.opts.MaxBackoff)
	}
}

// post sends one request; status is 0 when there was no answer.
func (s *Store) post(j job) (int, error) {
	req, err := http.NewRequest(http.MethodPost, s.writeURL(j.tenant), bytes.NewReader(*j.body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Encoding", "snappy")
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("X-Prometheus-Remote-Write-Version", "0.1.0")
	s.header(req, j.tenant)
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(msg))
	}
	return resp.StatusCode, nil
}

// metrics are the store's self metrics.
type metrics struct {
	sent, retries, queueFull, foreign, readFailures prometheus.Counter
	failed                                          *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer, queue chan job) *metrics {
	m := &metrics{
		sent: prometheus.NewCounter(prometheus.CounterOpts{Name: "unyo_metrics_store_write_requests_total",
			Help: "Remote-write requests the metrics store accepted."}),
		retries: prometheus.NewCounter(prometheus.CounterOpts{Name: "unyo_metrics_store_write_retries_total",
			Help: "Remote-write requests sent again after a 5xx, 429 or no answer."}),
		queueFull: prometheus.NewCounter(prometheus.CounterOpts{Name: "unyo_metrics_store_queue_full_total",
			Help: "Ingest commits refused with 429 because the queue to the metrics store was full."}),
		foreign: prometheus.NewCounter(prometheus.CounterOpts{Name: "unyo_metrics_store_foreign_series_total",
			Help: "Series the metrics store answered outside a query's tenant or matchers, dropped by unyo."}),
		readFailures: prometheus.NewCounter(prometheus.CounterOpts{Name: "unyo_metrics_store_read_failures_total",
			Help: "Reads from the metrics store that failed."}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "unyo_metrics_store_write_failures_total",
			Help: "Remote-write requests dropped: refused (4xx) or unsent at close."}, []string{"reason"}),
	}
	if reg != nil {
		reg.MustRegister(m.sent, m.retries, m.queueFull, m.foreign, m.readFailures, m.failed,
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "unyo_metrics_store_queue_requests",
				Help: "Remote-write requests waiting to be sent to the metrics store."},
				func() float64 { return float64(len(queue)) }))
	}
	return m
}
