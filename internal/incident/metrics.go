package incident

import (
	"context"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/sla"
)

// Aggregate is one clock kind summed over a period: MTTA, MTTI or MTTR.
type Aggregate struct {
	Mean       model.Duration `json:"mean"` // business time, over the stopped clocks
	Clocks     int            `json:"clocks"`
	Stopped    int            `json:"stopped"`
	Open       int            `json:"open"`
	Met        int            `json:"met"`
	Breached   int            `json:"breached"`
	Compliance *float64       `json:"compliance,omitempty"` // met / (met + breached)
}

// Metrics are a tenant's incident figures for a period.
type Metrics struct {
	Kind      Kind      `json:"kind"`
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
	Incidents int       `json:"incidents"` // opened in the period, canceled ones left out
	MTTA      Aggregate `json:"mtta"`
	MTTI      Aggregate `json:"mtti"`
	MTTR      Aggregate `json:"mttr"`
}

// Metrics summarises the clocks of the tenant's tickets of kind opened in
// [from, to), as they stand now. Canceled tickets are left out; a clock
// counts only when its service sets a target for it.
func (s *Desk) Metrics(ctx context.Context, tenant string, kind Kind, from, to time.Time) (*Metrics, error) {
	if !to.After(from) {
		return nil, invalid.New("to", "must be after from")
	}
	if kind == "" {
		kind = KindIncident
	}
	if !kind.valid() {
		return nil, invalid.New("kind", "must be incident, inquiry or request, not %q", kind)
	}
	list, err := s.Incidents(ctx, tenant, Filter{Kinds: []Kind{kind}, From: from, To: to, Limit: 1_000_000})
	if err != nil {
		return nil, err
	}
	m := &Metrics{Kind: kind, From: from.UTC(), To: to.UTC()}
	byClock := map[ClockName][]sla.Clock{}
	for _, inc := range list {
		if inc.State == StateCanceled {
			continue
		}
		m.Incidents++
		clocks, err := s.slaClocks(ctx, inc)
		if err != nil {
			return nil, err
		}
		for name, c := range clocks {
			byClock[name] = append(byClock[name], c)
		}
	}
	now := s.now()
	m.MTTA = aggregate(sla.Summarize(byClock[ClockAcknowledge], now))
	m.MTTI = aggregate(sla.Summarize(byClock[ClockIdentify], now))
	m.MTTR = aggregate(sla.Summarize(byClock[ClockResolve], now))
	return m, nil
}

func aggregate(s sla.Summary) Aggregate {
	a := Aggregate{Mean: model.Duration(s.Mean), Clocks: s.Clocks, Stopped: s.Stopped, Open: s.Open, Met: s.Met, Breached: s.Breached}
	if r, ok := s.Compliance(); ok {
		a.Compliance = &r
	}
	return a
}
