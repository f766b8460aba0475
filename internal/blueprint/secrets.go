package blueprint

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
)

// refRE is a secret reference: ${env:NAME} or ${file:path}.
var refRE = regexp.MustCompile(`\$\{(env|file):([^}]*)\}`)

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// secretFields names, per channel type, the config fields that hold
// secrets: the files must give them as references, never in clear.
var secretFields = map[string][]string{
	"slack":   {"webhook_url"},
	"teams":   {"webhook_url"},
	"email":   {"password"},
	"webhook": {"url", "secret", "headers.*"},
}

// secrets checks the secret references of the design (channels' configs,
// items' credentials, the secretive kinds') and, with Options.Resolve,
// replaces them by their values.
func (l *loader) secrets(d *Design) {
	l.itemSecrets(d) // snmp items' credentials, zabbix items' PSK
	for _, k := range kinds {
		if k, ok := k.(secretive); ok {
			k.secrets(l, d)
		}
	}
}

// lookup finds field ("a.b", "headers.*") in m, by its path.
func lookup(m map[string]any, field string) map[string]any {
	head, rest, nested := strings.Cut(field, ".")
	out := map[string]any{}
	if !nested {
		if v, ok := m[head]; ok {
			out[head] = v
		}
		return out
	}
	sub, _ := m[head].(map[string]any)
	if rest == "*" {
		for k, v := range sub {
			out[head+"."+k] = v
		}
	}
	return out
}

func (l *loader) resolveAll(at string, v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for _, k := range sortedKeys(v) {
			out[k] = l.resolveAll(at+"."+k, v[k])
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = l.resolveAll(fmt.Sprintf("%s[%d]", at, i), e)
		}
		return out
	case string:
		return l.resolve(at, v)
	}
	return v
}

// resolve checks the references in s and replaces them when the loader
// resolves. A failure names the reference, never a value.
func (l *loader) resolve(at, s string) string {
	joined, rel, _ := strings.Cut(at, ".")
	return refRE.ReplaceAllStringFunc(s, func(ref string) string {
		m := refRE.FindStringSubmatch(ref)
		kind, arg := m[1], m[2]
		if kind == "env" && !envNameRE.MatchString(arg) {
			l.fail(joined, rel, fmt.Sprintf("%s: %q is not an environment variable name", ref, arg))
			return ref
		}
		if kind == "file" && arg == "" {
			l.fail(joined, rel, ref+": the file is missing")
			return ref
		}
		if l.opt.Resolve == nil {
			return ref
		}
		val, err := l.opt.Resolve(kind, arg)
		if err != nil {
			l.fail(joined, rel, fmt.Sprintf("%s: %v", ref, err))
			return ref
		}
		return val
	})
}

// Environment resolves references from the process's environment and
// files (relative to dir): what the command line uses.
func Environment(dir string) func(kind, arg string) (string, error) {
	return func(kind, arg string) (string, error) {
		if kind == "env" {
			v, ok := os.LookupEnv(arg)
			if !ok {
				return "", fmt.Errorf("the environment variable is not set")
			}
			return v, nil
		}
		path := arg
		if !strings.HasPrefix(path, "/") {
			path = dir + "/" + path
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("cannot read the file")
		}
		return strings.TrimRight(string(data), "\r\n"), nil
	}
}

// References lists the secret references a design holds (for export's
// instructions), sorted.
func References(d *Design) []string {
	seen := map[string]bool{}
	templateSecretRefs(d, seen)
	for _, k := range kinds {
		if k, ok := k.(secretive); ok {
			k.refs(d, seen)
		}
	}
	out := make([]string, 0, len(seen))
	for r := range seen {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

func collectRefs(v any, seen map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		for _, e := range v {
			collectRefs(e, seen)
		}
	case []any:
		for _, e := range v {
			collectRefs(e, seen)
		}
	case string:
		for _, r := range refRE.FindAllString(v, -1) {
			seen[r] = true
		}
	}
}
