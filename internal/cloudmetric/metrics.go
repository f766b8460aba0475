package cloudmetric

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/unyo-ops/unyo/internal/cloudaccount"
)

// Metrics are the self metrics of the pulls, per tenant and account: what
// the cloud APIs cost (CloudWatch bills per metric requested), how often
// they failed or throttled, and how far behind the series are. Being
// labelled with the tenant, /metrics shows them to the MSP admin only.
type Metrics struct {
	calls, requested, errors, throttles, samples *prometheus.CounterVec
	lagSeconds                                   *prometheus.GaugeVec
}

// NewMetrics registers the metrics on reg (none when nil).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	labels := []string{"tenant", "account", "provider"}
	m := &Metrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "unyo_cloud_metrics_api_calls_total",
			Help: "Calls of the cloud metric pollers to the providers' APIs, by operation (getBatch, metrics, GetMetricData)."}, append(labels, "operation")),
		requested: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "unyo_cloud_metrics_requested_total",
			Help: "Metrics requested from the providers (a resource's metric in one call; what CloudWatch bills)."}, labels),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "unyo_cloud_metrics_errors_total",
			Help: "Pulls of an account that failed, throttles aside."}, labels),
		throttles: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "unyo_cloud_metrics_throttles_total",
			Help: "Pulls of an account the provider throttled (429, Throttling); the account then backs off."}, labels),
		samples: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "unyo_cloud_metrics_samples_total",
			Help: "Points written from the providers' metrics."}, labels),
		lagSeconds: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "unyo_cloud_metrics_lag_seconds",
			Help: "Age of the newest point written for the account at its last pull (the ingestion delay plus a grain when all is well)."}, labels),
	}
	if reg == nil {
		return m
	}
	m.calls = register(reg, m.calls)
	m.requested = register(reg, m.requested)
	m.errors = register(reg, m.errors)
	m.throttles = register(reg, m.throttles)
	m.samples = register(reg, m.samples)
	m.lagSeconds = register(reg, m.lagSeconds)
	return m
}

// register registers c, or returns the collector already registered.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			return are.ExistingCollector.(C)
		}
		panic(err)
	}
	return c
}

// accountMetrics are the metrics of one account.
type accountMetrics struct {
	m      *Metrics
	labels []string
}

func (m *Metrics) of(tenant string, account int64, p cloudaccount.Provider) accountMetrics {
	return accountMetrics{m: m, labels: []string{tenant, accountLabel(account), string(p)}}
}

func (a accountMetrics) add(st Stats, written int) {
	if a.m == nil {
		return
	}
	for op, n := range st.Calls {
		a.m.calls.WithLabelValues(append(a.labels, op)...).Add(float64(n))
	}
	a.m.requested.WithLabelValues(a.labels...).Add(float64(st.Metrics))
	a.m.errors.WithLabelValues(a.labels...).Add(float64(st.Errors))
	a.m.throttles.WithLabelValues(a.labels...).Add(float64(st.Throttles))
	a.m.samples.WithLabelValues(a.labels...).Add(float64(written))
}

func (a accountMetrics) lag(d time.Duration) {
	if a.m == nil {
		return
	}
	a.m.lagSeconds.WithLabelValues(a.labels...).Set(d.Seconds())
}
