package servicenow

import (
	"context"
	"fmt"

	"github.com/unyo-ops/unyo/internal/change"
	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/problem"
)

// path returns the states from from to to by single moves that next allows
// (breadth first: the fewest moves), without from; nil when to cannot be reached.
func path[S comparable](from, to S, next func(S) []S) []S {
	prev := map[S]S{from: from}
	queue := []S{from}
	for len(queue) > 0 {
		at := queue[0]
		queue = queue[1:]
		if at == to {
			var out []S
			for s := to; s != from; s = prev[s] {
				out = append([]S{s}, out...)
			}
			return out
		}
		for _, n := range next(at) {
			if _, seen := prev[n]; !seen {
				prev[n] = at
				queue = append(queue, n)
			}
		}
	}
	return nil
}

// applyProblem moves the unyo problem to the state ServiceNow's has, one
// allowed move at a time, as the actor servicenow.
func (s *Sync) applyProblem(ctx context.Context, l linked, rec Record) (bool, error) {
	if s.problems == nil {
		return false, nil
	}
	want, ok := problemStateOf(rec["state"])
	if !ok {
		return false, fmt.Errorf("servicenow: unknown problem state %q", rec["state"])
	}
	p, err := s.problems.Problem(ctx, l.tenant, l.id)
	if err != nil {
		return false, err
	}
	if p.State == want {
		return false, nil
	}
	steps := path(p.State, want, problem.State.Next)
	if steps == nil {
		return false, fmt.Errorf("servicenow: a problem cannot move from %s to %s", p.State, want)
	}
	for _, st := range steps {
		if _, err := s.problems.Move(audited(ctx, l, "problem"), l.tenant, l.id, st, incident.ActorServiceNow); err != nil {
			return false, err
		}
	}
	return true, nil
}

// changeStateOf is the unyo state a change takes for change_request's state
// code; ok is false for the states unyo has no move to (New, Assess,
// Authorize and Scheduled follow unyo's own submission and approval).
func changeStateOf(code string) (change.State, bool) {
	switch code {
	case "-1":
		return change.StateInProgress, true
	case "0":
		return change.StateImplemented, true
	case "3", "4":
		return change.StateClosed, true
	}
	return "", false
}

// applyChange takes a decision on a requested change made in ServiceNow
// (recorded as an approval documented elsewhere, with the ServiceNow number
// as its reference), then the state, one allowed move at a time.
func (s *Sync) applyChange(ctx context.Context, l linked, rec Record) (bool, error) {
	if s.changes == nil {
		return false, nil
	}
	c, err := s.changes.Get(ctx, l.tenant, l.id)
	if err != nil {
		return false, err
	}
	changed := false
	if c.State == change.StateRequested {
		switch rec["approval"] {
		case "approved":
			c, err = s.changes.Approve(audited(ctx, l, "change"), l.tenant, l.id, incident.ActorServiceNow, change.ApprovalDocumented, "ServiceNow "+rec["number"])
		case "rejected":
			c, err = s.changes.Reject(audited(ctx, l, "change"), l.tenant, l.id, incident.ActorServiceNow, "Rejected in ServiceNow "+rec["number"])
		}
		if err != nil {
			return false, err
		}
		changed = c.State != change.StateRequested
	}
	want, ok := changeStateOf(rec["state"])
	if !ok || c.State == want || changeCode[c.State] == rec["state"] {
		return changed, nil
	}
	steps := path(c.State, want, func(st change.State) []change.State {
		var out []change.State
		for _, n := range change.States {
			if change.CanMove(st, n) {
				out = append(out, n)
			}
		}
		return out
	})
	if steps == nil {
		return changed, fmt.Errorf("servicenow: a change cannot move from %s to %s", c.State, want)
	}
	for _, st := range steps {
		result := ""
		if st == want {
			result = rec["close_notes"]
		}
		if _, err := s.changes.Move(audited(ctx, l, "change"), l.tenant, l.id, st, result); err != nil {
			return changed, err
		}
	}
	return true, nil
}
