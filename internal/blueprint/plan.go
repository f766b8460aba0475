package blueprint

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
)

// The kinds of object a design holds, in the order apply creates them
// (deletes go in the reverse order).
const (
	KindTenant     = "tenant"
	KindService    = "service"
	KindRunbook    = "runbook"
	KindChannel    = "channel"
	KindResource   = "resource"
	KindTemplate   = "template"
	KindAssignment = "assignment"
	KindPolicy     = "escalation_policy"
	KindWindow     = "maintenance_window"

	// People (kind_contact.go to kind_report.go).
	KindContact        = "contact"
	KindRotation       = "oncall_rotation"
	KindSilence        = "silence"
	KindStatusPage     = "status_page"
	KindReportSchedule = "report_schedule"
	// Operation plans, backups and dashboards (kind_capacity.go, kind_plan.go,
	// kind_backup.go, kind_dashboard.go).
	KindCapacityGroup = "capacity_group"
	KindOperationPlan = "operation_plan"
	KindBackupPolicy  = "backup_policy"
	KindDashboard     = "dashboard"
)

// Kinds lists the kinds in apply order: a kind comes after the kinds it
// refers to (deletes go in the reverse order).
var Kinds = []string{
	KindTenant,
	KindService,
	KindRunbook,
	KindChannel,
	KindCloudAccount,
	KindServiceNow,
	KindResource,
	KindTemplate,
	KindAssignment,
	KindContact,  // after channels: a contact is mailed through one
	KindRotation, // after contacts, its members
	KindOverride,
	KindPolicy,
	KindWindow,
	KindSilence,
	KindStatusPage,
	KindReportSchedule, // after contacts, its recipients
	KindCapacityGroup,
	KindOperationPlan,
	KindBackupPolicy,
	KindDashboard,
}

// Actions of a change.
const (
	Create = "create"
	Update = "update"
	Delete = "delete"
)

// Plan is the exact difference between a design and what a tenant holds.
type Plan struct {
	Tenant  string   `json:"tenant"`
	Changes []Change `json:"changes"` // in the order apply makes them
	// Unmanaged are the tenant's objects the design does not name: kept,
	// unless the plan prunes (then they are delete changes).
	Unmanaged []Ref `json:"unmanaged"`
	// Drift are objects changed by hand since the last apply wrote them.
	Drift []Ref `json:"drift"`
}

// Ref names one object.
type Ref struct {
	Kind string `json:"kind"`
	Key  string `json:"key"`
}

// Change is one object to create, update or delete; an update lists the
// fields that change.
type Change struct {
	Action string        `json:"action"`
	Kind   string        `json:"kind"`
	Key    string        `json:"key"`
	Fields []FieldChange `json:"fields,omitempty"`
}

// FieldChange is one field of an update, with its value before and after
// (secrets are never shown: a secret that changes is "(secret)").
type FieldChange struct {
	Field string `json:"field"`
	Old   any    `json:"old,omitempty"`
	New   any    `json:"new,omitempty"`
}

// Empty reports whether applying the plan changes nothing.
func (p *Plan) Empty() bool { return len(p.Changes) == 0 }

// canon is an object as plain JSON values, the form plans compare.
func canon(v any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("blueprint: cannot encode %T: %v", v, err)) // the design's own types always encode
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	for _, list := range []string{"items", "events"} { // a template's items, an operation plan's events compare by name
		items, ok := m[list].([]any)
		if !ok {
			continue
		}
		byName := map[string]any{}
		for _, it := range items {
			if it, ok := it.(map[string]any); ok {
				byName[fmt.Sprint(it["name"])] = it
			}
		}
		m[list] = byName
	}
	return m
}

// hash is the digest of an object's canonical form, kept for drift.
func hash(m map[string]any) string {
	b, _ := json.Marshal(m) // maps encode with sorted keys
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// diff lists the fields where a and b differ, by dotted path.
func diff(prefix string, a, b map[string]any) []FieldChange {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	var out []FieldChange
	for _, k := range sortedKeys(keys) {
		path := join(prefix, k)
		av, bv := a[k], b[k]
		am, aok := av.(map[string]any)
		bm, bok := bv.(map[string]any)
		if aok && bok {
			out = append(out, diff(path, am, bm)...)
			continue
		}
		if !reflect.DeepEqual(av, bv) {
			out = append(out, FieldChange{Field: path, Old: av, New: bv})
		}
	}
	return out
}

// sortChanges puts deletes first (reverse kind order), then creates and
// updates in kind order: the order apply makes them.
func sortChanges(list []Change) {
	rank := map[string]int{}
	for i, k := range Kinds {
		rank[k] = i
	}
	order := func(c Change) int {
		if c.Action == Delete {
			return -100 + (len(Kinds) - rank[c.Kind])
		}
		return rank[c.Kind]
	}
	sort.SliceStable(list, func(i, j int) bool {
		oi, oj := order(list[i]), order(list[j])
		if oi != oj {
			return oi < oj
		}
		return list[i].Key < list[j].Key
	})
}
