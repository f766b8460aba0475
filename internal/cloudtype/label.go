package cloudtype

import (
	"strings"
	"unicode"
)

// LabelName is the label a split dimension becomes on its series, in snake
// case: ConnectionName → connection_name, VMName → vm_name,
// availabilityResult/name → availability_result_name. The metric pollers
// write it and the templates' queries read it, so both call this.
func LabelName(dimension string) string {
	rs := []rune(dimension)
	var b strings.Builder
	under := func() {
		if s := b.String(); s != "" && !strings.HasSuffix(s, "_") {
			b.WriteByte('_')
		}
	}
	for i, r := range rs {
		switch {
		case unicode.IsUpper(r):
			prevLower := i > 0 && (unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1]))
			acronymEnd := i > 0 && unicode.IsUpper(rs[i-1]) && i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if prevLower || acronymEnd {
				under()
			}
			b.WriteRune(unicode.ToLower(r))
		case r < unicode.MaxASCII && (unicode.IsLower(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
		default:
			under()
		}
	}
	return strings.Trim(b.String(), "_")
}

// Labels returns the labels of m's split dimensions.
func (m Metric) Labels() []string {
	out := make([]string, len(m.Split))
	for i, d := range m.Split {
		out[i] = LabelName(d)
	}
	return out
}

// BySeries returns the type and metric that produce series name.
func BySeries(name string) (Type, Metric, bool) {
	for _, t := range Types {
		for _, m := range t.Metrics {
			if m.Series == name {
				return t, m, true
			}
		}
	}
	return Type{}, Metric{}, false
}
