package alert

import (
	"context"
	"time"

	"github.com/prometheus/prometheus/model/labels"
)

// seriesIndex finds the single-series threshold rules a sample concerns:
// by tenant, metric name and host label. It is rebuilt on reload and read
// without locks by the remote-write path.
type seriesIndex struct {
	byTenant map[string]map[string]map[string][]*rule
}

func buildIndex(rules map[string]*rule) *seriesIndex {
	idx := &seriesIndex{byTenant: map[string]map[string]map[string][]*rule{}}
	for _, r := range rules {
		if r.series == nil {
			continue
		}
		names := idx.byTenant[r.tenant]
		if names == nil {
			names = map[string]map[string][]*rule{}
			idx.byTenant[r.tenant] = names
		}
		hosts := names[r.series.metric]
		if hosts == nil {
			hosts = map[string][]*rule{}
			names[r.series.metric] = hosts
		}
		hosts[r.series.host] = append(hosts[r.series.host], r)
	}
	return idx
}

// observation is one sample of a watched series, queued for the engine.
type observation struct {
	rule  *rule
	lset  labels.Labels
	at    time.Time
	value float64
	// forwarded marks a sample another replica observed and handed over
	// (Engine.Arrived): it is never forwarded again.
	forwarded bool
}

// maxSampleAge bounds how old an arriving sample may be to be evaluated as
// it arrives: an agent's buffered backlog is left to the timer.
const maxSampleAge = 5 * time.Minute

// Observe is the remote-write observer: it is called with the last sample
// of every series a request committed. Samples of series no threshold
// watches cost two map lookups; the others are queued for evaluation, and
// dropped when the queue is full (the next timed evaluation covers them).
func (e *Engine) Observe(tenant string, lset labels.Labels, t int64, v float64) {
	names := e.index.Load().byTenant[tenant]
	if names == nil {
		return
	}
	hosts := names[lset.Get(labels.MetricName)]
	if hosts == nil {
		return
	}
	for _, r := range hosts[lset.Get("host")] {
		if !r.series.matches(lset) {
			continue
		}
		select {
		case e.observed <- observation{rule: r, lset: lset, at: time.UnixMilli(t).UTC(), value: v}:
		default:
			e.dropped.Add(1)
		}
	}
}

// runObserved applies queued samples until ctx ends. The samples of
// tenants another replica owns are collected while the queue has more
// (at most maxForwardBatch) and forwarded to the owner in one go.
func (e *Engine) runObserved(ctx context.Context) {
	var pending []observation
	for {
		select {
		case <-ctx.Done():
			return
		case o := <-e.observed:
			pending = e.applyObserved(ctx, o, pending)
		drain:
			for len(pending) < maxForwardBatch {
				select {
				case o := <-e.observed:
					pending = e.applyObserved(ctx, o, pending)
				default:
					break drain
				}
			}
			if len(pending) > 0 {
				e.forward(ctx, pending)
				pending = pending[:0]
			}
		}
	}
}

// applyObserved applies one queued sample. Only the replica that owns the
// tenant's rules applies it (see Engine.owns): another replica appends it
// to pending, to be forwarded to the owner (Options.Forward); without a
// way to forward, or for a sample already forwarded once, it is dropped,
// and the owner's timed evaluation finds the sample in the metrics store
// within the rule's interval.
func (e *Engine) applyObserved(ctx context.Context, o observation, pending []observation) []observation {
	now := e.opts.Now()
	if o.at.Before(now.Add(-maxSampleAge)) || o.at.After(now.Add(time.Minute)) {
		return pending
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.ownsLocked(o.rule.tenant) {
		// Not the lease holder (a holder not yet loaded is not forwarded
		// to: its first evaluation covers the sample).
		if _, held := e.opts.Owns(o.rule.tenant); e.opts.Forward != nil && !o.forwarded && !held {
			pending = append(pending, o)
		}
		return pending
	}
	// The rule may have been replaced by a reload since it was queued.
	if r := e.rules[o.rule.key]; r != nil {
		v := o.value
		e.apply(ctx, r, fingerprint(r, o.lset), o.lset, &v, o.at)
	}
	return pending
}
