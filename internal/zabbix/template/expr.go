package template

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// call is one function over one item in a trigger expression:
// avg(/Linux/system.cpu.util,5m) or, before 5.4, {Linux:system.cpu.util.avg(5m)}.
type call struct {
	Func   string
	Host   string
	Key    string
	Params []string // the function's parameters after the item
}

// comparison is an expression of the one form unyo translates: a call
// compared with a constant.
type comparison struct {
	Call  call
	Op    string // >, >=, <, <=, =, <>
	Value string // a number with an optional suffix, or a macro
}

var (
	// {Host:key.func(params)} op value (3.0-5.2). The key is matched
	// greedily, so the function is the last ".name(" of the reference.
	oldRE = regexp.MustCompile(`^\{([^:{}]+):(.+)\.([a-zA-Z]+)\(([^()]*)\)\}\s*(>=|<=|<>|>|<|=|#)\s*(\S+)$`)
	// func(/host/key,params) op value (5.4+).
	newRE = regexp.MustCompile(`^([a-zA-Z_]+)\(/([^/]*)/(.+)\)\s*(>=|<=|<>|>|<|=)\s*(\S+)$`)
)

// parseComparison reads expr, or says which form it has that is not
// translated.
func parseComparison(expr string) (comparison, error) {
	e := strings.TrimSpace(expr)
	for strings.HasPrefix(e, "(") && strings.HasSuffix(e, ")") && balanced(e[1:len(e)-1]) {
		e = strings.TrimSpace(e[1 : len(e)-1])
	}
	// The key may hold macros ({$PORT}); any other brace means the match
	// ran across two references.
	if m := oldRE.FindStringSubmatch(e); m != nil && !strings.Contains(macroRE.ReplaceAllString(m[2], ""), "}") {
		op := m[5]
		if op == "#" {
			op = "<>"
		}
		return comparison{Call: call{Func: m[3], Host: m[1], Key: m[2], Params: splitParams(m[4])}, Op: op, Value: m[6]}, nil
	}
	if m := newRE.FindStringSubmatch(e); m != nil {
		key, rest, ok := cutKey(m[3])
		if ok {
			var params []string
			if rest != "" {
				params = splitParams(strings.TrimPrefix(rest, ","))
			}
			return comparison{Call: call{Func: m[1], Host: m[2], Key: key, Params: params}, Op: m[4], Value: m[5]}, nil
		}
	}
	return comparison{}, fmt.Errorf("the expression is not one function of one item compared with a constant (and/or, arithmetic, several items): %s", expr)
}

// balanced reports whether the parentheses of s pair up.
func balanced(s string) bool {
	depth := 0
	for _, c := range s {
		switch c {
		case '(':
			depth++
		case ')':
			depth--
			if depth < 0 {
				return false
			}
		}
	}
	return depth == 0
}

// cutKey splits "key[params],5m" into the key and what follows it; ok is
// false when anything but function parameters follows.
func cutKey(s string) (key, rest string, ok bool) {
	i := 0
	for i < len(s) && (isKeyChar(s[i])) {
		i++
	}
	if i < len(s) && s[i] == '[' {
		depth, quoted := 0, false
		for ; i < len(s); i++ {
			c := s[i]
			switch {
			case quoted && c == '\\':
				i++
			case c == '"':
				quoted = !quoted
			case !quoted && c == '[':
				depth++
			case !quoted && c == ']':
				depth--
			}
			if depth == 0 && !quoted {
				i++
				break
			}
		}
	}
	key, rest = s[:i], s[i:]
	if strings.ContainsAny(rest, "()") {
		return "", "", false // another function follows: several items or arithmetic
	}
	return key, rest, key != "" && (rest == "" || rest[0] == ',')
}

func isKeyChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
}

func splitParams(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	for i, p := range parts {
		parts[i] = strings.Trim(strings.TrimSpace(p), `"`)
	}
	return parts
}

// macros resolves user macros to their defaults; a context macro
// {$NAME:"ctx"} takes its own default, else the plain macro's.
type macros map[string]string

var macroRE = regexp.MustCompile(`\{\$[A-Z0-9_.]+(?::[^}]*)?\}`)

// expand replaces every macro in s; it reports the macros used and those
// without a default.
func (m macros) expand(s string) (out string, used, missing []string) {
	out = macroRE.ReplaceAllStringFunc(s, func(mac string) string {
		if v, ok := m[mac]; ok {
			used = append(used, mac)
			return v
		}
		if i := strings.IndexByte(mac, ':'); i > 0 {
			if v, ok := m[mac[:i]+"}"]; ok {
				used = append(used, mac)
				return v
			}
		}
		missing = append(missing, mac)
		return mac
	})
	return out, used, missing
}

// number reads a Zabbix constant: 20, 0.5, 20M (1024-based), 10m (time),
// or two of them joined by + - * / as a macro's default leaves them (85-5).
func number(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexAny(s, "+-*/"); i > 0 && s[i-1] != 'e' && s[i-1] != 'E' {
		a, errA := constant(s[:i])
		b, errB := constant(s[i+1:])
		if errA == nil && errB == nil {
			switch s[i] {
			case '+':
				return a + b, nil
			case '-':
				return a - b, nil
			case '*':
				return a * b, nil
			case '/':
				if b != 0 {
					return a / b, nil
				}
			}
		}
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return constant(s)
}

// constant reads one Zabbix constant with its optional suffix.
func constant(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if v, err := strconv.ParseFloat(s, 64); err == nil {
		return v, nil
	}
	if len(s) < 2 {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	mult := map[byte]float64{
		'K': 1 << 10, 'M': 1 << 20, 'G': 1 << 30, 'T': 1 << 40,
		's': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 7 * 86400,
	}[s[len(s)-1]]
	v, err := strconv.ParseFloat(s[:len(s)-1], 64)
	if mult == 0 || err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return v * mult, nil
}

// duration reads a Zabbix time: 300 (seconds), 5m, 1h, 1d, 1w.
func duration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, nil
	}
	if len(s) >= 2 {
		unit := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}[s[len(s)-1]]
		if n, err := strconv.Atoi(s[:len(s)-1]); err == nil && unit != 0 && n >= 0 {
			return time.Duration(n) * unit, nil
		}
	}
	return 0, fmt.Errorf("%q is not a Zabbix time (300, 5m, 1h)", s)
}
