package capacity

import (
	"encoding/json"
	"fmt"
	"slices"
)

// Change is one difference between two plan versions.
type Change struct {
	Op    string          `json:"op"`   // added, removed, changed
	Path  string          `json:"path"` // baseline.default, baseline.rules[2], events["spring sale"].count
	From  json.RawMessage `json:"from,omitempty"`
	To    json.RawMessage `json:"to,omitempty"`
	Label string          `json:"label"` // a line a person reads
}

// Diff lists what changed from a to b: the default count, the rules (by
// position), the seasons (by position: their dates, name, then their
// baseline as above), and the events (by name, field by field).
func Diff(a, b Document) []Change {
	out := baselineChanges("baseline", a.Baseline, b.Baseline)
	for i := 0; i < max(len(a.Seasons), len(b.Seasons)); i++ {
		path := fmt.Sprintf("seasons[%d]", i)
		switch {
		case i >= len(a.Seasons):
			out = append(out, change("added", path, nil, b.Seasons[i]))
		case i >= len(b.Seasons):
			out = append(out, change("removed", path, a.Seasons[i], nil))
		default:
			sa, sb := a.Seasons[i], b.Seasons[i]
			if sa.From != sb.From {
				out = append(out, change("changed", path+".from", sa.From, sb.From))
			}
			if sa.Until != sb.Until {
				out = append(out, change("changed", path+".until", sa.Until, sb.Until))
			}
			if sa.Name != sb.Name {
				out = append(out, change("changed", path+".name", sa.Name, sb.Name))
			}
			out = append(out, baselineChanges(path+".baseline", sa.Baseline, sb.Baseline)...)
		}
	}
	old := map[string]Event{}
	for _, e := range a.Events {
		old[e.Name] = e
	}
	for _, e := range b.Events {
		path := fmt.Sprintf("events[%q]", e.Name)
		was, ok := old[e.Name]
		delete(old, e.Name)
		if !ok {
			out = append(out, change("added", path, nil, e))
			continue
		}
		out = append(out, eventChanges(path, was, e)...)
	}
	for _, e := range a.Events {
		if _, gone := old[e.Name]; gone {
			out = append(out, change("removed", fmt.Sprintf("events[%q]", e.Name), e, nil))
		}
	}
	return out
}

// baselineChanges lists what changed from a to b, under path.
func baselineChanges(path string, a, b Baseline) []Change {
	out := []Change{}
	if a.Default != b.Default {
		out = append(out, change("changed", path+".default", a.Default, b.Default))
	}
	for i := 0; i < max(len(a.Rules), len(b.Rules)); i++ {
		p := fmt.Sprintf("%s.rules[%d]", path, i)
		switch {
		case i >= len(a.Rules):
			out = append(out, change("added", p, nil, b.Rules[i]))
		case i >= len(b.Rules):
			out = append(out, change("removed", p, a.Rules[i], nil))
		case !sameRule(a.Rules[i], b.Rules[i]):
			out = append(out, change("changed", p, a.Rules[i], b.Rules[i]))
		}
	}
	return out
}

func sameRule(a, b Rule) bool {
	return slices.Equal(a.Days, b.Days) && a.Start == b.Start && a.End == b.End && a.Count == b.Count
}

func eventChanges(path string, a, b Event) []Change {
	var out []Change
	if !a.Start.Equal(b.Start) {
		out = append(out, change("changed", path+".start", a.Start, b.Start))
	}
	if !a.End.Equal(b.End) {
		out = append(out, change("changed", path+".end", a.End, b.End))
	}
	if a.Count != b.Count {
		out = append(out, change("changed", path+".count", a.Count, b.Count))
	}
	if a.Multiplier != b.Multiplier {
		out = append(out, change("changed", path+".multiplier", a.Multiplier, b.Multiplier))
	}
	if a.Lead != b.Lead {
		out = append(out, change("changed", path+".lead", a.Lead, b.Lead))
	}
	if a.CoolDown != b.CoolDown {
		out = append(out, change("changed", path+".cool_down", a.CoolDown, b.CoolDown))
	}
	return out
}

func change(op, path string, from, to any) Change {
	c := Change{Op: op, Path: path}
	if from != nil {
		c.From, _ = json.Marshal(from)
	}
	if to != nil {
		c.To, _ = json.Marshal(to)
	}
	switch op {
	case "added":
		c.Label = fmt.Sprintf("+ %s %s", path, c.To)
	case "removed":
		c.Label = fmt.Sprintf("- %s %s", path, c.From)
	default:
		c.Label = fmt.Sprintf("~ %s: %s → %s", path, c.From, c.To)
	}
	return c
}
