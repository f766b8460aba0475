package blueprint

import "context"

// A kind is one kind of object a design holds, written once: how the
// tenant's objects of the kind are read from their store, how the design
// lists them in the form they read back, how they are validated, written
// and deleted, and how export puts them back into a design. Each kind has
// a file of its own (kind_*.go) and a line in kinds below; its constant
// takes its place in Kinds (apply order).
type kind interface {
	// name is the kind's name in plans: one of the Kind constants.
	name() string
	// read puts what tenant holds of the kind into st (st.put), and any
	// name its later kinds look up into st.x.
	read(ctx context.Context, s Stores, tenant string, st *state) error
	// want lists the design's objects of the kind: for each, its key, the
	// form it will read back as once stored (normalised by its own
	// package's rules: what plans compare), and what write is given.
	want(d *Design, tenant string, x *ids, add adder) error
	// validate checks the design's objects of the kind with their own
	// package's rules and their references (l.check, l.ref, u.add), at
	// their place in the files ("silences[2]").
	validate(l *loader, d *Design, x *ids, u *unique)
	// write creates (id 0) or updates (id of the stored object) one object,
	// given what want gave; a created object's name goes into w.st.x when a
	// later kind refers to it.
	write(ctx context.Context, w *writer, v any, id int64) error
	// remove deletes one stored object.
	remove(ctx context.Context, s Stores, tenant string, id int64) error
	// export adds one stored object (its design form, as read) to d.
	export(d *Design, v any)
}

// adder adds one object of the design: its key, the form it reads back as
// once stored, and what write is given (the same value, or one holding the
// secrets that the read-back form hides).
type adder func(key string, shown, written any)

// secretive is a kind whose objects hold secrets (credentials, webhook
// URLs): the files give them as ${env:NAME} or ${file:path}, stores keep
// them sealed and never read them back.
type secretive interface {
	// secrets refuses secrets written in clear and resolves the references
	// (l.resolveAll), at their place in the files.
	secrets(l *loader, d *Design)
	// sameSecrets reports whether the stored object (cur.stored) already
	// holds the secrets of written: a plan with no other field changed
	// shows an update of "(secret)" when not.
	sameSecrets(cur *object, written any) bool
	// refs adds the references the design's objects of the kind hold.
	refs(d *Design, seen map[string]bool)
}

// secretField is the field a plan names when only a secretive kind's
// secrets differ: the kind's own (channels: their config, where all their
// secrets are), or "(secret)".
func secretField(k secretive) string {
	if f, ok := k.(interface{ secretField() string }); ok {
		return f.secretField()
	}
	return "(secret)"
}

// kinds are the kinds written as a table, in no particular order (Kinds
// orders them).
var kinds = []kind{
	tenants{},
	services{},
	runbooks{},
	channels{},
	resources{},
	templates{},
	assignments{},
	policies{},
	windows{},
	contacts{},
	rotations{},
	silences{},
	statusPages{},
	reportSchedules{},
	clouds{},
	serviceNows{},
	overrides{},
	capacityGroups{},
	operationPlans{},
	backupPolicies{},
	dashboards{},
}

// kindNamed returns the table's kind named name: every one of Kinds is
// there (TestEveryKindInTheTable).
func kindNamed(name string) kind {
	for _, k := range kinds {
		if k.name() == name {
			return k
		}
	}
	return nil
}
