package flowlog

import (
	"errors"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// stats counts what one pull of an NSG did.
type stats struct {
	calls   map[string]int // by operation: list, get
	bytes   int
	samples int
	errors  int
	late    int // flows counted in a later minute than their own
	bad     int // tuples and records skipped
}

func (s *stats) call(op string) {
	if s.calls == nil {
		s.calls = map[string]int{}
	}
	s.calls[op]++
}

func (s *stats) read(n int) { s.bytes += n }

// Metrics are the self metrics of the flow log pulls, per tenant and
// cloud account: what Blob storage was asked (storage transactions are
// billed per call) and read, and what failed. Being labelled with the
// tenant, /metrics shows them to the MSP admin only.
type Metrics struct {
	calls                           *prometheus.CounterVec
	bytes, samples, errs, late, bad *prometheus.CounterVec
}

// NewMetrics registers the metrics on reg (none when nil).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	labels := []string{"tenant", "account"}
	counter := func(name, help string, extra ...string) *prometheus.CounterVec {
		c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, append(labels, extra...))
		if reg == nil {
			return c
		}
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if errors.As(err, &are) {
				return are.ExistingCollector.(*prometheus.CounterVec)
			}
			panic(err)
		}
		return c
	}
	return &Metrics{
		calls:   counter("unyo_flowlog_api_calls_total", "Calls to Blob storage for the NSG flow logs, by operation (list, get).", "operation"),
		bytes:   counter("unyo_flowlog_read_bytes_total", "Bytes of flow log blobs read."),
		samples: counter("unyo_flowlog_samples_total", "Points written from the flow logs."),
		errs:    counter("unyo_flowlog_errors_total", "Pulls of an NSG that failed, and blobs that did not parse."),
		late:    counter("unyo_flowlog_late_flows_total", "Flows whose record arrived after their minute was written: counted in the next minute."),
		bad:     counter("unyo_flowlog_skipped_total", "Flow tuples and records of neither format, skipped."),
	}
}

func (m *Metrics) add(n NSG, st stats) {
	if m == nil {
		return
	}
	l := []string{n.Tenant, strconv.FormatInt(n.Account, 10)}
	for op, c := range st.calls {
		m.calls.WithLabelValues(append(l, op)...).Add(float64(c))
	}
	m.bytes.WithLabelValues(l...).Add(float64(st.bytes))
	m.samples.WithLabelValues(l...).Add(float64(st.samples))
	m.errs.WithLabelValues(l...).Add(float64(st.errors))
	m.late.WithLabelValues(l...).Add(float64(st.late))
	m.bad.WithLabelValues(l...).Add(float64(st.bad))
}
