package monitoring

import (
	"regexp"
	"sort"
	"strings"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// Selector picks hosts by their labels: "os=linux,role!=db" holds for a host
// whose os label is linux and whose role label is not db (or is not set).
type Selector []Requirement

// Requirement is one term of a selector.
type Requirement struct {
	Label string
	Value string
	Not   bool
}

var selectorLabelRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// ParseSelector reads a selector; terms are separated by commas and written
// label=value or label!=value.
func ParseSelector(s string) (Selector, error) {
	if strings.TrimSpace(s) == "" {
		return nil, invalid.New("", "is empty: give at least one label=value")
	}
	var sel Selector
	for i, term := range strings.Split(s, ",") {
		r, err := parseRequirement(strings.TrimSpace(term))
		if err != nil {
			return nil, invalid.New("", "term %d %q: %s", i+1, term, err.(*invalid.Error).Reason)
		}
		sel = append(sel, r)
	}
	sort.Slice(sel, func(i, j int) bool { return sel[i].String() < sel[j].String() })
	return sel, nil
}

func parseRequirement(term string) (Requirement, error) {
	var r Requirement
	label, value, ok := strings.Cut(term, "!=")
	if ok {
		r.Not = true
	} else if label, value, ok = strings.Cut(term, "="); !ok {
		return r, invalid.New("", "must be label=value or label!=value")
	}
	r.Label, r.Value = strings.TrimSpace(label), strings.TrimSpace(value)
	if !selectorLabelRE.MatchString(r.Label) {
		return r, invalid.New("", "%q is not a label name", r.Label)
	}
	if strings.ContainsAny(r.Value, ",=!") {
		return r, invalid.New("", "the value must not hold , = or !")
	}
	return r, nil
}

// Matches reports whether labels satisfy every requirement.
func (s Selector) Matches(labels map[string]string) bool {
	for _, r := range s {
		if (labels[r.Label] == r.Value) == r.Not {
			return false
		}
	}
	return len(s) > 0
}

func (r Requirement) String() string {
	if r.Not {
		return r.Label + "!=" + r.Value
	}
	return r.Label + "=" + r.Value
}

// String writes the selector in its canonical form: terms sorted, no spaces.
func (s Selector) String() string {
	terms := make([]string, len(s))
	for i, r := range s {
		terms[i] = r.String()
	}
	return strings.Join(terms, ",")
}
