package monitoring

import (
	"regexp"
	"strings"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// placeholderRE finds ${host} and ${label.NAME} in the agent-side fields of
// an item, so that one template can watch https://${label.site}/ on every
// web host, each with its own site.
var placeholderRE = regexp.MustCompile(`\$\{([^}]*)\}`)

var placeholderNameRE = regexp.MustCompile(`^(host|label\.[a-zA-Z_][a-zA-Z0-9_]*)$`)

// lookupFunc returns the value of a placeholder ("host", "label.site").
type lookupFunc func(name string) (string, bool)

// resourceLookup fills placeholders from a resource's name and labels.
func resourceLookup(host string, labels map[string]string) lookupFunc {
	return func(name string) (string, bool) {
		if name == "host" {
			return host, true
		}
		v, ok := labels[strings.TrimPrefix(name, "label.")]
		return v, ok && v != ""
	}
}

// expand replaces the placeholders of s; field names s in errors.
func expand(field, s string, lookup lookupFunc) (string, error) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	var err error
	out := placeholderRE.ReplaceAllStringFunc(s, func(m string) string {
		name := m[2 : len(m)-1]
		if !placeholderNameRE.MatchString(name) {
			err = invalid.New(field, "unknown placeholder %s: use ${host} or ${label.NAME}", m)
			return m
		}
		v, ok := lookup(name)
		if !ok && err == nil {
			err = invalid.New(field, "%s is not set on the resource", strings.TrimPrefix(name, "label."))
		}
		return v
	})
	if err == nil && strings.Contains(out, "${") {
		err = invalid.New(field, "has an unclosed ${")
	}
	return out, err
}
