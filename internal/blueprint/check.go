package blueprint

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"time"
)

var durationRE = regexp.MustCompile(durationPattern)

// check appends to probs every place where v, read from YAML, does not
// follow s; path names v.
func (s *Schema) check(v any, path string, probs *[]fieldProblem) {
	bad := func(reason string, args ...any) {
		*probs = append(*probs, fieldProblem{path, fmt.Sprintf(reason, args...)})
	}
	if v == nil {
		if s.Type != "" {
			bad("must be %s, not empty", article(s.Type))
		}
		return
	}
	switch s.Type {
	case "":
		return
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			bad("must be a mapping, not %s", describe(v))
			return
		}
		for _, name := range s.Required {
			if _, ok := m[name]; !ok {
				*probs = append(*probs, fieldProblem{join(path, name), "is required"})
			}
		}
		for _, k := range sortedKeys(m) {
			sub, ok := s.Properties[k]
			switch {
			case ok:
			case s.Additional != nil:
				sub = s.Additional
			case s.Open:
				continue
			default:
				*probs = append(*probs, fieldProblem{join(path, k), "is not a field here" + suggest(k, s.Properties)})
				continue
			}
			sub.check(m[k], join(path, k), probs)
		}
	case "array":
		list, ok := v.([]any)
		if !ok {
			bad("must be a list, not %s", describe(v))
			return
		}
		for i, e := range list {
			s.Items.check(e, fmt.Sprintf("%s[%d]", path, i), probs)
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			bad("must be a string, not %s", describe(v))
			return
		}
		if s.Pattern == durationPattern && str != "" && !durationRE.MatchString(str) {
			bad("%q is not a duration such as 15m or 4h", str)
		} else if _, err := time.ParseDuration(str); s.Pattern == durationPattern && str != "" && err != nil {
			bad("%q is longer than a duration may be (about 290 years)", str) // the pattern's shape, past int64 nanoseconds
		}
		if s.Format == "date-time" {
			if _, err := time.Parse(time.RFC3339, str); err != nil {
				bad("%q is not a date and time such as 2026-01-31T02:00:00+09:00", str)
			}
		}
		if s.Enum != nil && !inEnum(s.Enum, str) {
			bad("must be one of %v, not %q", s.Enum[1:], str)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			bad("must be true or false, not %s", describe(v))
		}
	case "integer":
		switch n := v.(type) {
		case int:
		case float64:
			if n != math.Trunc(n) {
				bad("must be a whole number, not %v", n)
			}
		default:
			bad("must be a whole number, not %s", describe(v))
		}
	case "number":
		switch v.(type) {
		case int, float64:
		default:
			bad("must be a number, not %s", describe(v))
		}
	}
}

// fieldProblem is a refusal at a path of the loaded value.
type fieldProblem struct {
	path   string
	reason string
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func article(typ string) string {
	switch typ {
	case "object":
		return "a mapping"
	case "array":
		return "a list"
	case "integer":
		return "a whole number"
	}
	return "a " + typ
}

func describe(v any) string {
	switch v := v.(type) {
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	case string:
		return fmt.Sprintf("the string %q", v)
	case bool:
		return fmt.Sprintf("%v", v)
	case int, float64:
		return fmt.Sprintf("the number %v", v)
	}
	return fmt.Sprintf("%T", v)
}

func inEnum(enum []any, s string) bool {
	for _, e := range enum {
		if e == s {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// suggest names the known field closest to a misspelt one.
func suggest(k string, props map[string]*Schema) string {
	best, dist := "", 3
	for _, p := range sortedKeys(props) {
		if d := distance(strings.ToLower(k), p); d < dist {
			best, dist = p, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// distance is the Levenshtein distance of a and b or, when their lengths
// differ by 3 or more, that difference (no less than it, and more than
// suggest looks at: a long key costs nothing).
func distance(a, b string) int {
	if d := len(a) - len(b); d >= 3 || d <= -3 {
		return max(d, -d)
	}
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
