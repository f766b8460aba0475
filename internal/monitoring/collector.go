package monitoring

import (
	"context"
	"net/http"
	"regexp"

	"github.com/unyo-ops/unyo/internal/collector"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/response"
)

// collectorNameRE is what a collector's name may be: it is the value of the
// unyo_collector label and the collector label of its own series.
var collectorNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)

// CollectorTargets is what the collector name of tenant polls: the pollable
// items of the tenant's resources labelled unyo_collector=name, by kind.
// Each kind's lister takes the same scope, so the server's pollers and the
// collector's never share a resource.
func (s *Store) CollectorTargets(ctx context.Context, tenant, name string) (*collector.Targets, error) {
	sc := Scope{Tenant: tenant, Collector: name}
	out := &collector.Targets{Collector: name, Zabbix: []collector.ZabbixTarget{}}
	zt, err := s.ZabbixTargetsIn(ctx, sc)
	if err != nil {
		return nil, err
	}
	for _, t := range zt {
		out.Zabbix = append(out.Zabbix, collector.ZabbixTargetOf(t))
	}
	return out, nil
}

// collectorTargets answers a collector's pull of its targets. The tenant is
// the token's: a collector polls only resources of its own tenant.
func (h *Handlers) collectorTargets(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.agent, model.ScopeCollect, func(tenant string) (int, any, error) {
		name := r.URL.Query().Get("collector")
		if !collectorNameRE.MatchString(name) {
			return 0, nil, invalid.New("collector", "is required: the collector's name (unyo agent --collector NAME), 1-63 of A-Z a-z 0-9 . _ -, not %q", name)
		}
		t, err := h.store.CollectorTargets(r.Context(), tenant, name)
		return http.StatusOK, t, err
	})
}
