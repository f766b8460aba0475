package server

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
)

// TenantLabel is the label of a self metric counted per tenant, such as
// unyo_remote_write_samples_total{tenant="acme"}.
const TenantLabel = "tenant"

// metricsHandler serves /metrics. Anyone may read the server's own metrics,
// but a series labelled with a tenant names that tenant, and no caller may
// learn another tenant exists: those series go only to a caller admin
// accepts (an MSP admin), and are left out for everyone else.
func metricsHandler(g prometheus.Gatherer, admin func(*http.Request) bool) http.Handler {
	full := promhttp.HandlerFor(g, promhttp.HandlerOpts{})
	public := promhttp.HandlerFor(tenantless{g}, promhttp.HandlerOpts{})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if admin != nil && admin(r) {
			full.ServeHTTP(w, r)
			return
		}
		public.ServeHTTP(w, r)
	})
}

// tenantless gathers every metric but the series with a tenant label; a
// family left with no series is left out too.
type tenantless struct{ prometheus.Gatherer }

func (t tenantless) Gather() ([]*dto.MetricFamily, error) {
	mfs, err := t.Gatherer.Gather()
	out := mfs[:0]
	for _, mf := range mfs {
		kept := mf.Metric[:0]
		for _, m := range mf.Metric {
			if !hasTenant(m) {
				kept = append(kept, m)
			}
		}
		if mf.Metric = kept; len(kept) > 0 {
			out = append(out, mf)
		}
	}
	return out, err
}

func hasTenant(m *dto.Metric) bool {
	for _, l := range m.GetLabel() {
		if l.GetName() == TenantLabel {
			return true
		}
	}
	return false
}
