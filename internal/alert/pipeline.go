package alert

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/prometheus/prometheus/model/labels"
)

// apply runs one observation of r's series fp through the lifecycle and
// commits what changes. The caller holds mu.
func (e *Engine) apply(ctx context.Context, r *rule, fp string, lset labels.Labels, v *float64, at time.Time) {
	e.applyWhy(ctx, r, fp, lset, v, at, "")
}

// applyWhy is apply with why the value is what it is, when the series says
// (a failing check's reason): the alert's text gives it.
func (e *Engine) applyWhy(ctx context.Context, r *rule, fp string, lset labels.Labels, v *float64, at time.Time, why string) {
	key := activeKey(r.tenant, fp)
	cur := e.active[key]
	if at.Before(e.seen[key]) || (cur != nil && at.Before(cur.UpdatedAt)) {
		// An older sample than what the alert already reflects, or than
		// the one that resolved it: a timed evaluation behind a lagging
		// store (EvalDelay) must not fire it again from the values before.
		return
	}
	if v != nil {
		defer func() {
			if (cur != nil || e.active[key] != nil) && at.After(e.seen[key]) {
				e.seen[key] = at
			}
		}()
	}
	ch := step(&r.cond, r.forDur, cur, v, at)
	if ch == nil {
		if cur != nil && cur.State == StateFiring && !cur.Announced {
			e.release(ctx, cur, at)
		}
		return
	}
	var proto *Alert
	if cur == nil {
		proto = e.ruleAlert(r, fp, lset, at)
	}
	ch.valueText, ch.valueTexts = e.describe(r, ch, why)
	e.commit(ctx, proto, cur, ch, at)
}

// ruleAlert is a new alert of rule r on the series lset.
func (e *Engine) ruleAlert(r *rule, fp string, lset labels.Labels, at time.Time) *Alert {
	it := &r.item
	return &Alert{
		TenantID: r.tenant, Fingerprint: fp, Source: SourceRule, ItemID: it.ID, ResourceID: r.resourceID,
		ServiceID: r.serviceID, Resource: it.Resource, Title: Text{Ja: it.DisplayTitle("ja"), En: it.DisplayTitle("en")},
		Labels: alertLabels(r, lset), Notify: it.Notify, RunbookURL: it.RunbookURL, StartedAt: at,
	}
}

// describe is the value text of change ch of rule r, and the same in both
// languages where it has words (no data, a failed check); a comparison
// ("cpu 93.5 > 90") reads the same to all and has none.
func (e *Engine) describe(r *rule, ch *change, why string) (string, Text) {
	if ch.value == nil {
		return r.item.Name + ": no data", Text{Ja: r.item.Name + ": データなし", En: r.item.Name + ": no data"}
	}
	if r.cond.failures > 0 && ch.to != StateResolved {
		t := r.cond.describeCheck(*ch.value, why)
		return t.En, t
	}
	return r.cond.describe(r.item.Name, *ch.value, ch.severity, ch.to != StateResolved), Text{}
}

// commit stores change ch of alert cur (or of the new alert proto), decides
// whether it is to be notified, and wakes the notifier when it is. The
// caller holds mu. A failed write is logged: the next observation retries.
func (e *Engine) commit(ctx context.Context, proto, cur *Alert, ch *change, at time.Time) {
	a := cur
	if a == nil {
		a = proto
	} else {
		copied := *cur
		a = &copied
	}
	prevSeverity := a.Severity
	a.State, a.Severity, a.UpdatedAt = ch.to, ch.severity, at
	if ch.value != nil || ch.to == StateResolved {
		a.Value = ch.value
	}
	if ch.valueText != "" {
		a.ValueText, a.ValueTexts = ch.valueText, ch.valueTexts
	}
	a.Summary = summary(a, ch.to)
	ev := &Event{At: at, From: ch.from, To: ch.to, Reason: ch.reason, Severity: ch.severity, Value: ch.value, ValueText: a.ValueText, ValueTexts: a.ValueTexts, Actor: ch.actor}
	switch {
	case ch.to == StateFiring && ch.from != StateFiring:
		a.FiredAt = &at
		ev.Notify = e.holdFiring(ctx, a, at)
	case ch.to == StateFiring: // a change of severity while firing
		ev.Notify = a.Announced && ch.severity.rank() > prevSeverity.rank() && !e.silencedNow(ctx, a, at) && !a.InMaintenance
	case ch.to == StateResolved:
		a.ResolvedAt = &at
		// A resolution is told whenever the firing was, so that no receiver
		// keeps open an alert that has ended.
		ev.Notify = a.Announced && ch.from == StateFiring
	}
	if ev.Notify {
		a.Announced = true
	}
	var err error
	if a.ID == 0 {
		err = e.store.insert(ctx, a, ev)
	} else {
		err = e.store.update(ctx, a, ev)
	}
	if err != nil {
		e.logger.Error("cannot store alert transition", "tenant", a.TenantID, "fingerprint", a.Fingerprint, "to", ch.to, "err", err)
		return
	}
	e.setActive(a)
	if ev.Notify {
		e.signal()
	}
}

// holdFiring updates the flags that hold a firing alert's notification and
// reports whether it is to be notified: not flapping, inhibited, in
// maintenance or silenced.
func (e *Engine) holdFiring(ctx context.Context, a *Alert, at time.Time) bool {
	n, err := e.store.flapChanges(ctx, a.TenantID, a.Fingerprint, at.Add(-e.opts.FlapWindow))
	if err != nil {
		e.logger.Warn("cannot count transitions for flapping", "err", err)
	}
	// This firing is one more change than those stored.
	a.Flapping = n+1 >= e.opts.FlapChanges
	a.Inhibited = e.inhibited(a)
	id, in, err := e.opts.Maintenance(ctx, a.TenantID, a.ResourceID, a.ServiceID, a.Labels, at)
	if err != nil {
		e.logger.Warn("cannot ask for maintenance windows; treating the alert as outside one", "tenant", a.TenantID, "err", err)
	}
	a.InMaintenance, a.MaintenanceID = in, id
	return !a.Flapping && !a.Inhibited && !a.InMaintenance && !e.silencedNow(ctx, a, at)
}

// inhibited reports whether a firing host-down alert of a's resource holds a back.
func (e *Engine) inhibited(a *Alert) bool {
	if a.ResourceID == 0 || e.isHostDown(a) {
		return false
	}
	return e.hostDown(a.TenantID, a.ResourceID)
}

// hostDown reports whether a host-down alert of the resource is firing:
// an active alert of one of its rules that are host-down rules.
func (e *Engine) hostDown(tenant string, resource int64) bool {
	for _, k := range e.downs[downKey(tenant, resource)] {
		if r := e.rules[k]; r == nil || !r.hostDown {
			continue // dropped since the reload (ResolveGone)
		}
		for _, a := range e.byRule[k] {
			if a.State == StateFiring {
				return true
			}
		}
	}
	return false
}

func downKey(tenant string, resource int64) string {
	return tenant + "\x00" + strconv.FormatInt(resource, 10)
}

func (e *Engine) isHostDown(a *Alert) bool {
	if a.Source != SourceRule {
		return false
	}
	r := e.rules[ruleKey(a.TenantID, a.ItemID, a.ResourceID)]
	return r != nil && r.hostDown
}

// release notifies a firing alert that was held back once nothing holds it
// any more: it stopped flapping, the host came back, the maintenance
// window or the silence ended. The caller holds mu.
func (e *Engine) release(ctx context.Context, a *Alert, at time.Time) {
	if a.Flapping {
		n, err := e.store.flapChanges(ctx, a.TenantID, a.Fingerprint, at.Add(-e.opts.FlapWindow))
		if err != nil || n >= e.opts.FlapChanges {
			return
		}
	}
	if e.silencedNow(ctx, a, at) || e.inhibited(a) {
		return
	}
	if a.InMaintenance || a.MaintenanceID != 0 {
		if _, in, err := e.opts.Maintenance(ctx, a.TenantID, a.ResourceID, a.ServiceID, a.Labels, at); err != nil || in {
			return
		}
	}
	n := *a
	n.Flapping, n.Inhibited, n.InMaintenance, n.Announced, n.UpdatedAt = false, false, false, true, at
	ev := &Event{At: at, From: StateFiring, To: StateFiring, Reason: ReasonReleased, Severity: a.Severity, Value: a.Value, ValueText: a.ValueText, ValueTexts: a.ValueTexts, Notify: true}
	if err := e.store.update(ctx, &n, ev); err != nil {
		e.logger.Error("cannot store alert release", "tenant", a.TenantID, "alert", a.ID, "err", err)
		return
	}
	e.setActive(&n)
	e.signal()
}

func (a *Alert) silenced(at time.Time) bool {
	return a.SilencedUntil != nil && at.Before(*a.SilencedUntil)
}

// signal wakes the notifier without blocking.
func (e *Engine) signal() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

var severityJa = map[Severity]string{SeverityCritical: "重大", SeverityWarning: "警告", SeverityInfo: "情報"}

// summary is the one line a list or a message shows, in both languages.
func summary(a *Alert, to State) Text {
	where := a.Resource
	if where == "" {
		where = a.Labels["alertname"]
	}
	title := a.Title
	if to == StateResolved {
		return Text{
			Ja: fmt.Sprintf("%s: %s 復旧 (%s)", where, title.In("ja"), a.ValueIn("ja")),
			En: fmt.Sprintf("%s: %s recovered (%s)", where, title.In("en"), a.ValueIn("en")),
		}
	}
	return Text{
		Ja: fmt.Sprintf("%s: %s %s (%s)", where, title.In("ja"), severityJa[a.Severity], a.ValueIn("ja")),
		En: fmt.Sprintf("%s: %s %s (%s)", where, title.In("en"), a.Severity, a.ValueIn("en")),
	}
}
