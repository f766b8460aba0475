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
	out := &collector.Targets{Collector: name, Zabbix: []collector.ZabbixTarget{}, SNMP: []collector.SNMPTarget{}, Checks: []collector.CheckTarget{}}
	zt, err := s.ZabbixTargetsIn(ctx, sc)
	if err != nil {
		return nil, err
	}
	for _, t := range zt {
		out.Zabbix = append(out.Zabbix, collector.ZabbixTargetOf(t))
	}
	st, err := s.SNMPTargetsIn(ctx, sc)
	if err != nil {
		return nil, err
	}
	for _, t := range st {
		out.SNMP = append(out.SNMP, collector.SNMPTargetOf(t))
	}
	ct, err := s.ProbeTargetsIn(ctx, sc)
	if err != nil {
		return nil, err
	}
	for _, t := range ct {
		out.Checks = append(out.Checks, collector.CheckTargetOf(t))
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
		if host := r.URL.Query().Get("host"); host != "" {
			h.collectorConnected(r.Context(), tenant, name, host)
		}
		t, err := h.store.CollectorTargets(r.Context(), tenant, name)
		return http.StatusOK, t, err
	})
}

// collectorConnected sees to the health of a collector's own host once per
// server start (Store.CollectorConnected); a failure is logged and tried
// again at the next pull, and never stops the collector's polling.
func (h *Handlers) collectorConnected(ctx context.Context, tenant, name, host string) {
	key := tenant + "\x00" + name + "\x00" + host
	if _, done := h.collectors.Load(key); done {
		return
	}
	if err := h.store.CollectorConnected(ctx, tenant, name, host); err != nil {
		h.logger.Warn("cannot set up the collector's own health", "tenant", tenant, "collector", name, "host", host, "err", err)
		return
	}
	h.collectors.Store(key, true)
}
