package remotestore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/golang/snappy"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/model/histogram"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/prompb"
	"github.com/prometheus/prometheus/storage"

	"github.com/unyo-ops/unyo/internal/limits"
	"github.com/unyo-ops/unyo/internal/metricstore"
)

// job is one snappy remote-write body for one tenant.
type job struct {
	tenant string
	body   []byte
}

// errQueueFull refuses a commit while the store is behind: the sender keeps
// its samples and retries, as the remote-write spec asks on 429.
var errQueueFull = &limits.Error{Limit: "metrics_store_queue", Status: http.StatusTooManyRequests, RetryAfter: time.Second,
	Message: "the metrics store is behind and unyo's queue to it is full: retry after 1s"}

// AppenderV2 returns a transaction whose Commit queues one remote-write
// request per tenant; the handler has set the tenant label on every series.
func (s *Store) AppenderV2(context.Context) storage.AppenderV2 {
	return &appender{s: s, reqs: map[string]*prompb.WriteRequest{}}
}

type appender struct {
	s    *Store
	reqs map[string]*prompb.WriteRequest
	last labels.Labels // the series of the last sample, to group a series' samples
	ts   *prompb.TimeSeries
}

func (a *appender) Append(_ storage.SeriesRef, ls labels.Labels, _, t int64, v float64, h *histogram.Histogram, fh *histogram.FloatHistogram, _ storage.AOptions) (storage.SeriesRef, error) {
	if a.ts == nil || !labels.Equal(ls, a.last) {
		tenant := ls.Get(metricstore.TenantLabel)
		if tenant == "" {
			return 0, errors.New("remotestore: a series without the tenant label")
		}
		if err := a.s.admit(ls); err != nil {
			return 0, err // max_series: the handler counts it and goes on
		}
		req := a.reqs[tenant]
		if req == nil {
			req = &prompb.WriteRequest{}
			a.reqs[tenant] = req
		}
		req.Timeseries = append(req.Timeseries, prompb.TimeSeries{Labels: prompb.FromLabels(ls, nil)})
		a.ts = &req.Timeseries[len(req.Timeseries)-1]
		a.last = ls
	}
	switch {
	case fh != nil:
		a.ts.Histograms = append(a.ts.Histograms, prompb.FromFloatHistogram(t, fh))
	case h != nil:
		a.ts.Histograms = append(a.ts.Histograms, prompb.FromIntHistogram(t, h))
	default:
		a.ts.Samples = append(a.ts.Samples, prompb.Sample{Timestamp: t, Value: v})
	}
	return 0, nil
}

// Commit queues the requests without waiting for the store, or refuses them
// all (429) when the queue cannot take them.
func (a *appender) Commit() error {
	defer a.Rollback()
	jobs := make([]job, 0, len(a.reqs))
	for tenant, req := range a.reqs {
		raw, err := req.Marshal()
		if err != nil {
			return fmt.Errorf("remotestore: encoding remote write: %w", err)
		}
		jobs = append(jobs, job{tenant: tenant, body: snappy.Encode(nil, raw)})
	}
	if len(jobs) == 0 {
		return nil
	}
	select {
	case <-a.s.stop:
		return errors.New("remotestore: the store is closing")
	default:
	}
	if cap(a.s.queue)-len(a.s.queue) < len(jobs) {
		a.s.metrics.queueFull.Inc()
		return errQueueFull
	}
	for _, j := range jobs {
		select {
		case a.s.queue <- j:
		default: // another commit took the room: refuse the rest, the sender retries all (duplicates are idempotent)
			a.s.metrics.queueFull.Inc()
			return errQueueFull
		}
	}
	return nil
}

func (a *appender) Rollback() error {
	a.reqs, a.ts, a.last = map[string]*prompb.WriteRequest{}, nil, labels.EmptyLabels()
	return nil
}

// send takes requests off the queue until Close, then sends what is left
// once each.
func (s *Store) send() {
	defer s.workers.Done()
	for {
		select {
		case j := <-s.queue:
			s.deliver(j, true)
		case <-s.stop:
			for {
				select {
				case j := <-s.queue:
					s.deliver(j, false)
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
	req, err := http.NewRequest(http.MethodPost, s.writeURL(j.tenant), bytes.NewReader(j.body))
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
