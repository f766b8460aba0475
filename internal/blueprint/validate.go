package blueprint

import (
	"fmt"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/channel"
	"github.com/unyo-ops/unyo/internal/escalation"
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
	check := l.check
	unique := newUnique(l)
	for i, s := range d.Services {
		at := fmt.Sprintf("services[%d]", i)
		unique.add("services", at, "name", s.Name)
		check(at, s.model(d.Tenant).Validate())
		x.setService(s.Name, int64(i+1))
	}
	for i, r := range d.Runbooks {
		at := fmt.Sprintf("runbooks[%d]", i)
		unique.add("runbooks", at, "title", r.Title)
		check(at, r.model(d.Tenant, "").Validate())
		x.setRunbook(r.Title, int64(i+1))
	}
	for i, r := range d.Resources {
		at := fmt.Sprintf("resources[%d]", i)
		unique.add("resources", at, "name", r.Name)
		l.ref(at, "service", "service", r.Service, x.services)
		check(at, r.model(d.Tenant, x).Validate())
		x.setResource(r.Name, int64(i+1))
	}
	for i, t := range d.Templates {
		at := fmt.Sprintf("templates[%d]", i)
		unique.add("templates", at, "name", t.Name)
		for j, it := range t.Items {
			l.ref(at, fmt.Sprintf("items[%d].runbook", j), "runbook", it.Runbook, x.runbooks)
		}
		check(at, unresolved(t).model(d.Tenant, x).Validate())
		x.templates[t.Name] = int64(i + 1)
	}
	for i, a := range d.Assignments {
		at := fmt.Sprintf("assignments[%d]", i)
		unique.add("assignments", at, "template", a.key())
		l.ref(at, "resource", "resource", a.Resource, x.resources)
		m := a.model(d.Tenant, x)
		m.TemplateID = 1
		err := m.Validate()
		if e, ok := invalid.As(err); ok {
			e.Field = strings.TrimSuffix(e.Field, "_id")
		}
		check(at, err)
	}
	channels := map[string]int64{}
	for i, c := range d.Channels {
		at := fmt.Sprintf("channels[%d]", i)
		unique.add("channels", at, "name", c.Name)
		if _, ok := secretFields[c.Type]; !ok {
			l.fail(at, "type", fmt.Sprintf("must be slack, teams, email or webhook, not %q", c.Type))
		}
		channels[c.Name] = 1
	}
	// The design is the whole truth of the kinds it holds: a target names a
	// channel, contact:<name> or oncall:<rotation> of the design.
	contacts, rotations := contactNames(d), rotationNames(d)
	for i, p := range d.EscalationPolicies {
		at := fmt.Sprintf("escalation_policies[%d]", i)
		unique.add("escalation_policies", at, "name", p.Name)
		check(at, p.model(d.Tenant).Validate())
		for j, s := range p.Steps {
			for k, t := range s.Targets {
				field := fmt.Sprintf("steps[%d].targets[%d]", j, k)
				if name, ok := strings.CutPrefix(t, channel.ContactPrefix); ok {
					l.ref(at, field, "contact", name, contacts)
				} else if name, ok := strings.CutPrefix(t, escalation.OnCallPrefix); ok {
					l.ref(at, field, "on-call rotation", name, rotations)
				} else {
					l.ref(at, field, "channel", t, channels)
				}
			}
		}
	}
	for _, name := range Kinds {
		if k := kindNamed(name); k != nil {
			k.validate(l, d, x, unique)
		}
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
