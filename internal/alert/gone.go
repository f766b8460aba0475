package alert

import "context"

// ResolveGone resolves every open alert of resource id of tenant, whatever
// its source, with the reason "gone": the cloud no longer lists the
// resource (discovery labelled it cloud_gone), so what it said is over and
// must not linger as firing, nor turn into no-data or down alerts. The
// resource's rules go now too, not at the next reload (resolveRules, up to
// ReloadInterval later): its last points are still in the query's lookback,
// and a rule left in place would fire again the alert just resolved. The
// reload that follows rebuilds the index without them. It returns how many
// alerts it resolved.
func (e *Engine) ResolveGone(ctx context.Context, tenant string, id int64) int {
	if id == 0 {
		return 0
	}
	defer e.Reload()
	e.mu.Lock()
	defer e.mu.Unlock()
	for k, r := range e.rules {
		if r.tenant == tenant && r.resourceID == id {
			delete(e.rules, k)
			delete(e.next, k)
		}
	}
	now := e.opts.Now()
	n := 0
	list := e.activeList()
	if !e.ownsLocked(tenant) {
		// Discovery runs on the replica holding the tenant's cloud lease,
		// maybe not its rules': the stored alerts are the true ones.
		stored, err := e.store.active(ctx)
		if err != nil {
			e.logger.Error("cannot read the alerts of a gone cloud resource", "tenant", tenant, "resource", id, "err", err)
			return 0
		}
		list = stored
	}
	for _, a := range list {
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
