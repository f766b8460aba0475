package alert

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"

	"github.com/unyo-ops/unyo/internal/metricstore"
)

// result is one series of a rule's value at one time.
type result struct {
	labels labels.Labels
	value  float64
	reason string // check items: why the check last failed, when it says
}

// query evaluates r's value at time at over its tenant's metrics alone.
func (e *Engine) query(ctx context.Context, r *rule, at time.Time) ([]result, error) {
	q := r.query
	var window time.Duration
	if r.cond.failures > 0 {
		// Enough room for the trailing failures at the check's interval, and a margin.
		window = r.interval*time.Duration(r.cond.failures+1) + r.interval
		q = r.query + fmt.Sprintf("[%ds]", int(window.Seconds()))
	}
	e.queries.Add(1)
	qry, err := e.promql.NewInstantQuery(ctx, e.metrics.ForTenant(r.tenant), nil, q, at)
	if err != nil {
		return nil, fmt.Errorf("alert: rule %s: %w", r.key, err)
	}
	defer qry.Close()
	res := qry.Exec(ctx)
	if res.Err != nil {
		return nil, fmt.Errorf("alert: rule %s: %w", r.key, res.Err)
	}
	var out []result
	switch v := res.Value.(type) {
	case promql.Vector:
		for _, s := range v {
			if s.H == nil {
				out = append(out, result{labels: s.Metric, value: s.F})
			}
		}
	case promql.Scalar:
		out = append(out, result{labels: labels.EmptyLabels(), value: v.V})
	case promql.Matrix:
		for _, s := range v {
			out = append(out, result{labels: s.Metric, value: trailingFailures(s.Floats)})
		}
		e.checkReasons(ctx, r, at, window, out)
	}
	return out, nil
}

// trailingFailures counts the samples at 0 (down) at the end of a check's series.
func trailingFailures(pts []promql.FPoint) float64 {
	n := 0
	for i := len(pts) - 1; i >= 0 && pts[i].F == 0; i-- {
		n++
	}
	return float64(n)
}

// fingerprint identifies one series of one rule: the rule and the series'
// labels, without the tenant label every series carries.
func fingerprint(r *rule, lset labels.Labels) string {
	h := sha256.New()
	fmt.Fprintf(h, "rule\x00%d\x00%d\x00", r.item.ID, r.resourceID)
	lset.Range(func(l labels.Label) {
		if l.Name != metricstore.TenantLabel {
			fmt.Fprintf(h, "%s\xff%s\xff", l.Name, l.Value)
		}
	})
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// alertLabels are the labels an alert of r on lset carries.
func alertLabels(r *rule, lset labels.Labels) map[string]string {
	m := map[string]string{}
	lset.Range(func(l labels.Label) {
		if l.Name != metricstore.TenantLabel {
			m[l.Name] = l.Value
		}
	})
	m["alertname"] = r.item.Name
	m["host"] = r.item.Resource
	return m
}
