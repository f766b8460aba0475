package console

import (
	"context"
	"time"

	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/sla"
)

// clockCard is one SLA clock on the incident page. The desk counts a
// clock only when the service level gives it a target, but the timeline
// records the events of all three; so the page shows all three, a clock
// without a target saying so, and the reader sees why the timeline has it.
type clockCard struct {
	Clock     incident.ClockName
	State     string // running, paused, met, breached; none: no target; waiting: a target, not started
	Target    model.Duration
	Elapsed   model.Duration
	Remaining model.Duration
	Over      model.Duration // breached: past the target by
	Deadline  *time.Time     // running: when it is missed
}

// clockOrder is the order of the service level's clocks.
var clockOrder = []incident.ClockName{incident.ClockAcknowledge, incident.ClockIdentify, incident.ClockResolve}

// incidentClocks are the cards of an incident on a service; none for an
// incident without one (nothing to measure against).
func (c *Console) incidentClocks(ctx context.Context, inc *incident.Incident) ([]clockCard, error) {
	if inc.ServiceID == 0 {
		return nil, nil
	}
	svc, err := c.opts.Store.Service(ctx, inc.TenantID, inc.ServiceID)
	if err != nil {
		return nil, err
	}
	return clockCards(svc.Level, inc.Clocks), nil
}

func clockCards(level model.ServiceLevel, have []incident.ClockStatus) []clockCard {
	targets := map[incident.ClockName]model.Duration{incident.ClockAcknowledge: level.AcknowledgeTarget,
		incident.ClockIdentify: level.IdentifyTarget, incident.ClockResolve: level.ResolveTarget}
	var out []clockCard
	for _, name := range clockOrder {
		card := clockCard{Clock: name, State: "none", Target: targets[name]}
		if card.Target > 0 {
			card.State = "waiting"
		}
		for _, s := range have {
			if s.Clock != name {
				continue
			}
			card.State, card.Target, card.Elapsed, card.Remaining = string(s.State), s.Target, s.Elapsed, s.Remaining
			if s.State == sla.StateBreached {
				card.Over = card.Elapsed - card.Target
			}
			if s.State == sla.StateRunning {
				card.Deadline = s.Deadline
			}
		}
		out = append(out, card)
	}
	return out
}
