package alert

import "github.com/prometheus/client_golang/prometheus"

// register exposes the engine's own health on reg.
func (e *Engine) register(reg prometheus.Registerer) {
	count := func(f func() int) func() float64 {
		return func() float64 {
			e.mu.Lock()
			defer e.mu.Unlock()
			return float64(f())
		}
	}
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "unyo_alert_rules", Help: "Rules the alert engine evaluates: items on hosts.",
		}, count(func() int { return len(e.rules) })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "unyo_alert_active", Help: "Alerts pending or firing, all tenants.",
		}, count(func() int { return len(e.active) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "unyo_alert_queries_total", Help: "PromQL queries of the rules' evaluation: one a rule, or one for the rules of a tenant's hosts that share an expression.",
		}, func() float64 { return float64(e.queries.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "unyo_alert_observed_dropped_total", Help: "Arriving samples of watched series dropped because the queue was full; the timer evaluates them.",
		}, func() float64 { return float64(e.dropped.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "unyo_alert_observed_forwarded_total", Help: "Arriving samples of watched series handed to the replica that owns their tenant's rules.",
		}, func() float64 { return float64(e.forwarded.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "unyo_alert_observed_forward_failed_total", Help: "Arriving samples that could not be handed to the owner of their rules; its timed evaluation covers them.",
		}, func() float64 { return float64(e.forwardFailed.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "unyo_alert_observed_arrived_total", Help: "Samples another replica observed and handed to this one, the owner of their rules, queued for evaluation.",
		}, func() float64 { return float64(e.arrived.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "unyo_alert_observed_notices_bad_total", Help: "Notices of observed samples that could not be read and were ignored.",
		}, func() float64 { return float64(e.arrivedBad.Load()) }),
	)
}
