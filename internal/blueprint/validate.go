package blueprint

import (
	"fmt"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// validate checks every object with its own package's rules, and the
// references between them, recording each refusal where it was written.
func (l *loader) validate(d *Design) {
	x := newIDs()
	x.now = l.now
	if x.now.IsZero() {
		x.now = time.Now()
	}
	if !nameRE.MatchString(d.Tenant) {
		l.failAt(l.tenantOrigin(), "", "is not a tenant ID", false)
	}
	unique := newUnique(l)
	for _, name := range Kinds {
		kindNamed(name).validate(l, d, x, unique)
	}
}

// check records err, a store's validation error, at the object at.
func (l *loader) check(at string, err error) {
	if e, ok := invalid.As(err); ok {
		l.fail(at, e.Field, e.Reason)
	} else if err != nil {
		l.fail(at, "", err.Error())
	}
}

// ref refuses a reference by name to an object of kind the design does
// not have.
func (l *loader) ref(at, field, kind, name string, known map[string]int64) {
	if _, ok := known[name]; name != "" && !ok {
		l.fail(at, field, fmt.Sprintf("no %s %q in this design", kind, name))
	}
}

func (l *loader) tenantOrigin() origin {
	for _, t := range l.trees {
		if _, ok := t.pos["tenant"]; ok {
			return origin{t, "tenant"}
		}
	}
	return origin{l.trees[0], ""}
}

// unique refuses a second object of a kind with the same key.
type unique struct {
	l    *loader
	seen map[string]string
}

func newUnique(l *loader) *unique { return &unique{l, map[string]string{}} }

func (u *unique) add(kind, at, field, key string) {
	k := kind + "\x00" + key
	if first, dup := u.seen[k]; dup {
		u.l.fail(at, field, fmt.Sprintf("%q is also %s", key, u.l.describeAt(first)))
		return
	}
	u.seen[k] = at
}

// describeAt names where the object at a joined path was written.
func (l *loader) describeAt(joined string) string {
	if o, ok := l.origin[joined]; ok {
		pos, _ := o.t.where(o.path, false)
		return fmt.Sprintf("%s (%s)", o.path, pos)
	}
	return joined
}
