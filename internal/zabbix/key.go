// Package zabbix holds what unyo knows of Zabbix's own vocabulary: item
// keys, how a key's value becomes a Prometheus series, and (in its
// subpackages) the agent protocol, the poller and the template importer.
package zabbix

import (
	"fmt"
	"strings"
)

// Key is a parsed Zabbix item key: vfs.fs.size[/,pused] is the name
// vfs.fs.size with the parameters "/" and "pused".
type Key struct {
	Name   string
	Params []string
}

// maxKeyLen is Zabbix's own bound on an item key (ITEM_KEY_LEN 2048).
const maxKeyLen = 2048

// ParseKey reads a key in Zabbix's syntax: a name of letters, digits and
// "_-.", then optionally parameters in brackets, separated by commas, each
// unquoted, "quoted" (with \" inside) or a [nested,array] kept as written.
func ParseKey(s string) (Key, error) {
	if s == "" || len(s) > maxKeyLen {
		return Key{}, fmt.Errorf("a key is 1 to %d bytes", maxKeyLen)
	}
	i := 0
	for i < len(s) && keyNameChar(s[i]) {
		i++
	}
	if i == 0 {
		return Key{}, fmt.Errorf("%q: a key starts with its name (letters, digits, _ - .)", s)
	}
	k := Key{Name: s[:i]}
	if i == len(s) {
		return k, nil
	}
	if s[i] != '[' || s[len(s)-1] != ']' {
		return Key{}, fmt.Errorf("%q: parameters go in brackets after the name", s)
	}
	params, err := parseParams(s[i+1 : len(s)-1])
	if err != nil {
		return Key{}, fmt.Errorf("%q: %w", s, err)
	}
	k.Params = params
	return k, nil
}

func keyNameChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
}

// parseParams splits the text between the brackets of a key.
func parseParams(s string) ([]string, error) {
	var out []string
	i := 0
	for {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		var p string
		switch {
		case i < len(s) && s[i] == '"':
			j := i + 1
			var b strings.Builder
			for ; j < len(s) && s[j] != '"'; j++ {
				if s[j] == '\\' && j+1 < len(s) && s[j+1] == '"' {
					j++
				}
				b.WriteByte(s[j])
			}
			if j == len(s) {
				return nil, fmt.Errorf("a quoted parameter is not closed")
			}
			p, i = b.String(), j+1
			for i < len(s) && s[i] == ' ' {
				i++
			}
		case i < len(s) && s[i] == '[':
			j := strings.IndexByte(s[i:], ']')
			if j < 0 {
				return nil, fmt.Errorf("an array parameter is not closed")
			}
			p, i = s[i:i+j+1], i+j+1
		default:
			j := i
			for j < len(s) && s[j] != ',' {
				if s[j] == ']' || s[j] == '[' {
					return nil, fmt.Errorf("unexpected %q in an unquoted parameter", s[j])
				}
				j++
			}
			p, i = strings.TrimRight(s[i:j], " "), j
		}
		out = append(out, p)
		if i == len(s) {
			return out, nil
		}
		if s[i] != ',' {
			return nil, fmt.Errorf("expected a comma after parameter %d", len(out))
		}
		i++
	}
}

// String writes the key back in Zabbix's syntax, quoting parameters that
// need it.
func (k Key) String() string {
	if k.Params == nil {
		return k.Name
	}
	var b strings.Builder
	b.WriteString(k.Name)
	b.WriteByte('[')
	for i, p := range k.Params {
		if i > 0 {
			b.WriteByte(',')
		}
		if strings.ContainsAny(p, `,"[] `) && !(strings.HasPrefix(p, "[") && strings.HasSuffix(p, "]")) {
			b.WriteString(`"` + strings.ReplaceAll(p, `"`, `\"`) + `"`)
		} else {
			b.WriteString(p)
		}
	}
	b.WriteByte(']')
	return b.String()
}
