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
			Name: "unyo_alert_observed_dropped_total", Help: "Arriving samples of watched series dropped because the queue was full; the timer evaluates them.",
		}, func() float64 { return float64(e.dropped.Load()) }),
	)
}
