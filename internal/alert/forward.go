package alert

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/prometheus/prometheus/model/labels"
)

// ObservationChannel is the PostgreSQL notification channel on which a
// replica hands the samples it observed on arrival, for tenants whose rules
// another replica owns, to that owner (see Options.Forward and
// Engine.Arrived).
const ObservationChannel = "unyo_observe"

// maxNotice bounds one forwarded batch: PostgreSQL refuses a notification
// payload of 8000 bytes or more.
const maxNotice = 7900

// maxForwardBatch bounds the observations one flush of the queue forwards,
// so a busy queue still forwards within one notice's round trip.
const maxForwardBatch = 512

// ForwardFunc sends one encoded batch of observations to the owner of
// their tenant's rules (on PostgreSQL: pg_notify on ObservationChannel).
type ForwardFunc func(ctx context.Context, payload string) error

// obsNotice is a forwarded batch: the observations of one tenant.
type obsNotice struct {
	Tenant string         `json:"t"`
	Obs    []noticeSample `json:"o"`
}

type noticeSample struct {
	Rule   string            `json:"r"`
	Labels map[string]string `json:"l"`
	At     int64             `json:"at"` // Unix milliseconds
	Value  string            `json:"v"`  // strconv 'g': NaN and ±Inf survive JSON
}

// encoded is one obsNotice ready to send and the observations it carries.
type encoded struct {
	payload string
	count   int
}

// encodeNotices packs obs (of one tenant) into notices of at most
// maxNotice bytes each; observations that alone exceed the bound are
// counted in left, not sent.
func encodeNotices(tenant string, obs []observation) (notices []encoded, left int) {
	head, _ := json.Marshal(obsNotice{Tenant: tenant})
	// A notice is head up to its empty list (`null}`), then the samples
	// in brackets with a comma between two, then the closing brace.
	prefix := string(head[:len(head)-len("null}")])
	var (
		buf  []byte
		n    int
		flat = func() {
			if n > 0 {
				notices = append(notices, encoded{prefix + "[" + string(buf) + "]}", n})
			}
			buf, n = buf[:0], 0
		}
	)
	for _, o := range obs {
		b, _ := json.Marshal(noticeSample{Rule: o.rule.key, Labels: o.lset.Map(), At: o.at.UnixMilli(), Value: strconv.FormatFloat(o.value, 'g', -1, 64)})
		if len(prefix)+3+len(b) > maxNotice {
			left++
			continue
		}
		if len(prefix)+3+len(buf)+1+len(b) > maxNotice {
			flat()
		}
		if n > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, b...)
		n++
	}
	flat()
	return notices, left
}

// decodeNotice reads a forwarded batch; it is outside input (any client of
// the database may notify the channel) and is checked as such.
func decodeNotice(payload string) (obsNotice, error) {
	var n obsNotice
	if len(payload) > 8000 {
		return n, errors.New("notice: longer than 8000 bytes")
	}
	if err := json.Unmarshal([]byte(payload), &n); err != nil {
		return n, fmt.Errorf("notice: %w", err)
	}
	if n.Tenant == "" {
		return n, errors.New("notice: t: no tenant")
	}
	if len(n.Obs) == 0 {
		return n, errors.New("notice: o: no observations")
	}
	for i, s := range n.Obs {
		if s.Rule == "" {
			return n, fmt.Errorf("notice: o[%d].r: no rule", i)
		}
		if _, err := strconv.ParseFloat(s.Value, 64); err != nil {
			return n, fmt.Errorf("notice: o[%d].v: %q is not a number", i, s.Value)
		}
		if s.At <= 0 || s.At > math.MaxInt64/2 {
			return n, fmt.Errorf("notice: o[%d].at: %d is not a time", i, s.At)
		}
		lset := labels.FromMap(s.Labels)
		if lset.Get(labels.MetricName) == "" {
			return n, fmt.Errorf("notice: o[%d].l: no metric name", i)
		}
	}
	return n, nil
}

// forward hands the observations of tenants this replica does not own to
// their owners, one obsNotice per tenant and size; what cannot be sent is
// counted and left to the owner's timed evaluation, as before forwarding.
func (e *Engine) forward(ctx context.Context, pending []observation) {
	byTenant := map[string][]observation{}
	for _, o := range pending {
		byTenant[o.rule.tenant] = append(byTenant[o.rule.tenant], o)
	}
	for tenant, obs := range byTenant {
		notices, left := encodeNotices(tenant, obs)
		e.forwardFailed.Add(int64(left))
		for _, n := range notices {
			sctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			err := e.opts.Forward(sctx, n.payload)
			cancel()
			if err != nil {
				e.forwardFailed.Add(int64(n.count))
				e.logger.Warn("cannot forward observed samples to the rules' owner; its timed evaluation covers them", "tenant", tenant, "err", err)
				continue
			}
			e.forwarded.Add(int64(n.count))
		}
	}
}

// Arrived takes a obsNotice of samples another replica observed: if this
// replica owns the tenant's rules, each sample of a rule it holds (and
// that the rule watches) is queued as if it had arrived here. The queue
// is not waited on: a full one drops the sample, as Observe does.
func (e *Engine) Arrived(payload string) {
	n, err := decodeNotice(payload)
	if err != nil {
		e.arrivedBad.Add(1)
		e.logger.Warn("ignoring an unreadable notice of observed samples", "err", err)
		return
	}
	e.mu.Lock()
	if !e.ownsLocked(n.Tenant) {
		e.mu.Unlock()
		return
	}
	queue := make([]observation, 0, len(n.Obs))
	for _, s := range n.Obs {
		r := e.rules[s.Rule]
		lset := labels.FromMap(s.Labels)
		if r == nil || r.tenant != n.Tenant || r.series == nil || !r.series.matches(lset) {
			continue
		}
		v, _ := strconv.ParseFloat(s.Value, 64)
		queue = append(queue, observation{rule: r, lset: lset, at: time.UnixMilli(s.At).UTC(), value: v, forwarded: true})
	}
	e.mu.Unlock()
	for _, o := range queue {
		select {
		case e.observed <- o:
			e.arrived.Add(1)
		default:
			e.dropped.Add(1)
		}
	}
}
