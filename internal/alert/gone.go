package alert

import "context"

// ResolveGone resolves every open alert of resource id of tenant, whatever
// its source, with the reason "gone": the cloud no longer lists the
// resource (discovery labelled it cloud_gone), so what it said is over and
// must not linger as firing, nor turn into no-data or down alerts. The
// rules of a gone resource are dropped at the next reload (resolveRules);
// this closes the others now. It returns how many it resolved.
func (e *Engine) ResolveGone(ctx context.Context, tenant string, id int64) int {
	if id == 0 {
		return 0
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.opts.Now()
	n := 0
	for _, a := range e.activeList() {
		if a.TenantID != tenant || a.ResourceID != id || a.State == StateResolved {
			continue
		}
		e.commit(ctx, nil, a, &change{from: a.State, to: StateResolved, reason: ReasonGone, severity: a.Severity}, now)
		n++
	}
	if n > 0 {
		e.logger.Info("alerts of a gone cloud resource resolved", "tenant", tenant, "resource", id, "alerts", n)
	}
	return n
}
