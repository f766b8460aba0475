package oncall

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Shift is one person on call for a time range.
type Shift struct {
	Contact string    `json:"contact"`
	Layer   string    `json:"layer"` // the layer's name, or "override"
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
}

// OverrideLayer names the source of a shift an override made.
const OverrideLayer = "override"

// maxShifts bounds one schedule answer.
const maxShifts = 5000

// ErrRange is returned for a schedule range that is empty or too long.
var ErrRange = errors.New("oncall: range must be positive and at most 93 days")

// compiled is a layer ready for lookups.
type compiled struct {
	name    string
	members []string
	start   civil
	step    time.Duration // in wall-clock time
	loc     *time.Location
}

func (r *Rotation) compile() ([]compiled, error) {
	loc, err := time.LoadLocation(r.TimeZone)
	if err != nil {
		return nil, err
	}
	out := make([]compiled, 0, len(r.Layers))
	for i, l := range r.Layers {
		st, err := time.Parse(startLayout, l.Start)
		if err != nil {
			return nil, err
		}
		c := compiled{name: l.Name, members: l.Members, start: civilOf(st), loc: loc}
		if c.name == "" {
			c.name = fmt.Sprintf("layer %d", i+1)
		}
		switch l.Handoff {
		case Daily:
			c.step = 24 * time.Hour
		case Weekly:
			c.step = 7 * 24 * time.Hour
		default:
			c.step = time.Duration(l.Length)
		}
		out = append(out, c)
	}
	return out, nil
}

// handoff returns the instant shift i of l begins.
func (l *compiled) handoff(i int64) time.Time {
	return l.start.add(time.Duration(i) * l.step).at(l.loc)
}

// shiftAt returns the index of the shift of l in force at t, or -1 before
// the first hand-off.
func (l *compiled) shiftAt(t time.Time) int64 {
	first := l.handoff(0)
	// Beyond 200 years the shift index times its length would overflow a
	// Duration; no schedule is meant to reach that far.
	if t.Before(first) || t.After(first.AddDate(200, 0, 0)) {
		return -1
	}
	// An estimate from elapsed real time is off by at most the zone's
	// offset changes; walk to the exact shift from there.
	i := int64(t.Sub(first) / l.step)
	for l.handoff(i).After(t) && i > 0 {
		i--
	}
	for !l.handoff(i + 1).After(t) {
		i++
	}
	return i
}

// at returns who of l is on call at t, and when that shift ends.
func (l *compiled) at(t time.Time) (Shift, bool) {
	i := l.shiftAt(t)
	if i < 0 {
		return Shift{}, false
	}
	return Shift{Contact: l.members[i%int64(len(l.members))], Layer: l.name, Start: l.handoff(i), End: l.handoff(i + 1)}, true
}

// OnCall returns who is on call at t: the override covering t (the latest
// made, among several), else the highest layer with someone on call. ok is
// false when nobody is.
func OnCall(r *Rotation, overrides []Override, t time.Time) (Shift, bool, error) {
	layers, err := r.compile()
	if err != nil {
		return Shift{}, false, err
	}
	return onCall(layers, overrides, t)
}

func onCall(layers []compiled, overrides []Override, t time.Time) (Shift, bool, error) {
	for i := len(overrides) - 1; i >= 0; i-- {
		o := overrides[i]
		if !t.Before(o.Start) && t.Before(o.End) {
			return Shift{Contact: o.Contact, Layer: OverrideLayer, Start: o.Start, End: o.End}, true, nil
		}
	}
	for i := len(layers) - 1; i >= 0; i-- {
		if s, ok := layers[i].at(t); ok {
			return s, true, nil
		}
	}
	return Shift{}, false, nil
}

// Schedule returns the shifts from from to to, cut at the range and at
// every change of person or layer; a time nobody is on call has no shift.
func Schedule(r *Rotation, overrides []Override, from, to time.Time) ([]Shift, error) {
	if !to.After(from) || to.Sub(from) > 93*24*time.Hour {
		return nil, ErrRange
	}
	layers, err := r.compile()
	if err != nil {
		return nil, err
	}
	// Every instant the answer can change at: hand-offs and override ends.
	cuts := []time.Time{from}
	for _, o := range overrides {
		cuts = append(cuts, o.Start, o.End)
	}
	for i := range layers {
		l := &layers[i]
		first := max(l.shiftAt(from), 0)
		for j := first; len(cuts) < 4*maxShifts; j++ {
			h := l.handoff(j)
			if !h.Before(to) {
				break
			}
			cuts = append(cuts, h)
		}
	}
	slices.SortFunc(cuts, func(a, b time.Time) int { return a.Compare(b) })
	var out []Shift
	for i, c := range cuts {
		if c.Before(from) || !c.Before(to) || (i > 0 && c.Equal(cuts[i-1])) {
			continue
		}
		s, ok, err := onCall(layers, overrides, c)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		s.Start = c
		if n := len(out); n > 0 && out[n-1].Contact == s.Contact && out[n-1].Layer == s.Layer && !out[n-1].End.Before(c) {
			continue
		}
		if n := len(out); n > 0 && out[n-1].End.After(c) {
			out[n-1].End = c
		}
		s.End = min2(s.End, to)
		out = append(out, s)
		if len(out) >= maxShifts {
			break
		}
	}
	// A shift ends where the next begins, even when a higher one cut in.
	for i := range out[:max(len(out)-1, 0)] {
		if out[i].End.After(out[i+1].Start) {
			out[i].End = out[i+1].Start
		}
	}
	return out, nil
}

func min2(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
