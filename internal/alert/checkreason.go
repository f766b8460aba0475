package alert

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"

	"github.com/unyo-ops/unyo/internal/agent/check"
)

// checkReasons fills the reason of each failing check series in out: the
// reason label of the latest unyo_check_failure_info sample of the same
// series within window, so that the alert says "check failed: connection
// refused" rather than "1 >= 1". A series without one keeps no reason.
func (e *Engine) checkReasons(ctx context.Context, r *rule, at time.Time, window time.Duration, out []result) {
	sel, ok := strings.CutPrefix(r.query, check.UpMetric)
	if !ok {
		return
	}
	q := fmt.Sprintf("%s%s[%ds]", check.FailureMetric, sel, int(window.Seconds()))
	qry, err := e.promql.NewInstantQuery(ctx, e.metrics.ForTenant(r.tenant), nil, q, at)
	if err != nil {
		return
	}
	defer qry.Close()
	res := qry.Exec(ctx)
	m, ok := res.Value.(promql.Matrix)
	if res.Err != nil || !ok {
		return
	}
	latest := map[string]promql.FPoint{}
	why := map[string]string{}
	for _, s := range m {
		if len(s.Floats) == 0 {
			continue
		}
		k := checkKey(s.Metric)
		last := s.Floats[len(s.Floats)-1]
		if prev, seen := latest[k]; !seen || last.T > prev.T {
			latest[k], why[k] = last, s.Metric.Get(check.ReasonLabel)
		}
	}
	for i := range out {
		if out[i].value > 0 {
			out[i].reason = why[checkKey(out[i].labels)]
		}
	}
}

// checkKey identifies a check's series apart from its name and reason.
func checkKey(lset labels.Labels) string {
	b := labels.NewBuilder(lset)
	b.Del(labels.MetricName, check.ReasonLabel)
	return b.Labels().String()
}

// describeCheck writes a firing check's value with its last reason, in
// both languages; the reason is the agent's, in its words. Without a
// reason (an agent too old to write one) it still says that the check
// failed, never the bare "1 >= 1" nobody can read.
func (c *condition) describeCheck(v float64, why string) Text {
	t := Text{Ja: "チェック失敗", En: "check failed"}
	if c.failures > 1 {
		t = Text{Ja: fmt.Sprintf("%s 回連続でチェック失敗", num(v)), En: fmt.Sprintf("check failed %s times in a row", num(v))}
	}
	if why != "" {
		t.Ja, t.En = t.Ja+": "+why, t.En+": "+why
	}
	return t
}
