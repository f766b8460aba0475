package monitoring

import (
	"fmt"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
)

// Template is a named set of items, global (TenantID empty) or of one tenant.
type Template struct {
	ID          int64     `json:"id"`
	TenantID    string    `json:"tenant,omitempty"` // "": global, offered to every tenant
	Name        string    `json:"name"`             // unique among the tenant's (or the global) templates
	Title       Text      `json:"title,omitzero"`   // what the item list shows; Name when empty
	Description string    `json:"description,omitempty"`
	Builtin     string    `json:"builtin,omitempty"` // the built-in it is synced from; read-only when set
	Items       []*Item   `json:"items"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Validate reports the first field that is not acceptable, items included.
func (t *Template) Validate() error {
	if t.Name == "" || len(t.Name) > maxTextLen {
		return invalid.New("name", "must be 1 to %d bytes", maxTextLen)
	}
	if len(t.Title.Ja) > maxTextLen || len(t.Title.En) > maxTextLen {
		return invalid.New("title", "is longer than %d bytes", maxTextLen)
	}
	if len(t.Description) > maxDescLen {
		return invalid.New("description", "is longer than %d bytes", maxDescLen)
	}
	seen := map[string]int{}
	for i, it := range t.Items {
		field := fmt.Sprintf("items[%d]", i)
		if j, dup := seen[it.Name]; dup {
			return invalid.New(field+".name", "%q is also items[%d]", it.Name, j)
		}
		seen[it.Name] = i
		it.Normalize()
		if err := it.Validate(); err != nil {
			return invalid.Prefix(field, err)
		}
	}
	return nil
}

// DisplayTitle is the name the item list shows in lang.
func (t *Template) DisplayTitle(lang string) string {
	if s := t.Title.In(lang); s != "" {
		return s
	}
	return t.Name
}

// Assignment applies a template to the hosts a selector matches, or to one
// resource by hand.
type Assignment struct {
	ID         int64     `json:"id"`
	TenantID   string    `json:"tenant"`
	TemplateID int64     `json:"template_id"`
	Template   string    `json:"template,omitempty"`    // the template's name, when read
	Selector   string    `json:"selector,omitempty"`    // e.g. "os=linux,role=web"; hosts and discovered cloud resources
	ResourceID int64     `json:"resource_id,omitempty"` // or one resource of any kind
	CreatedAt  time.Time `json:"created_at"`
}

// Normalize writes the selector in its canonical form, so that the same
// selector written twice is one assignment.
func (a *Assignment) Normalize() {
	if sel, err := ParseSelector(a.Selector); err == nil {
		a.Selector = sel.String()
	}
}

// Validate reports the first field that is not acceptable.
func (a *Assignment) Validate() error {
	if a.TemplateID <= 0 {
		return invalid.New("template_id", "is required")
	}
	switch {
	case a.Selector != "" && a.ResourceID != 0:
		return invalid.New("resource_id", "give a selector or a resource, not both")
	case a.ResourceID < 0:
		return invalid.New("resource_id", "must be positive")
	case a.ResourceID > 0:
		return nil
	}
	if a.Selector == "" {
		return invalid.New("selector", "a selector or a resource_id is required")
	}
	_, err := ParseSelector(a.Selector)
	return invalid.Prefix("selector", err)
}

// Override changes an item for one resource, or for every resource of the
// tenant when ResourceID is 0; a resource's override wins over the tenant's.
// Empty fields leave the item's value.
type Override struct {
	ID                      int64           `json:"id"`
	TenantID                string          `json:"tenant"`
	ItemID                  int64           `json:"item_id"`
	ResourceID              int64           `json:"resource_id,omitempty"`
	Warning                 *float64        `json:"warning,omitempty"`
	Critical                *float64        `json:"critical,omitempty"`
	Recovery                *float64        `json:"recovery,omitempty"`
	For                     *model.Duration `json:"for,omitempty"`
	Disabled                *bool           `json:"disabled,omitempty"`
	Severity                Severity        `json:"severity,omitempty"`
	IncidentPolicy          IncidentPolicy  `json:"incident_policy,omitempty"`
	RunbookURL              string          `json:"runbook_url,omitempty"`
	ServiceLevelRequirement string          `json:"service_level_requirement,omitempty"`
	Note                    string          `json:"note,omitempty"` // why, e.g. "batch host: CPU 100% at night is normal"
	CreatedAt               time.Time       `json:"created_at"`
	UpdatedAt               time.Time       `json:"updated_at"`
}

// Validate reports the first field of the override itself that is not
// acceptable; whether it suits its item is checked by applying it.
func (o *Override) Validate() error {
	if o.ItemID <= 0 {
		return invalid.New("item_id", "is required")
	}
	if o.ResourceID < 0 {
		return invalid.New("resource_id", "must be positive, or 0 for every resource of the tenant")
	}
	if len(o.Note) > maxDescLen {
		return invalid.New("note", "is longer than %d bytes", maxDescLen)
	}
	if len(o.Fields()) == 0 {
		return invalid.New("", "changes nothing: set a threshold, for, disabled or another field")
	}
	return nil
}

// Fields names the fields the override changes, for the item's provenance.
func (o *Override) Fields() []string {
	var out []string
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"warning", o.Warning != nil}, {"critical", o.Critical != nil}, {"recovery", o.Recovery != nil},
		{"for", o.For != nil}, {"disabled", o.Disabled != nil}, {"severity", o.Severity != ""},
		{"incident_policy", o.IncidentPolicy != ""}, {"runbook_url", o.RunbookURL != ""},
		{"service_level_requirement", o.ServiceLevelRequirement != ""},
	} {
		if f.set {
			out = append(out, f.name)
		}
	}
	return out
}

// Apply returns a copy of it with the override's fields set, validated.
func (o *Override) Apply(it *Item) (*Item, error) {
	n := it.Clone()
	if o.Warning != nil || o.Critical != nil || o.Recovery != nil {
		if n.Threshold == nil {
			return nil, invalid.New("warning", "item %q has no threshold to override", it.Name)
		}
		n.Threshold.Warning = orPtr(o.Warning, n.Threshold.Warning)
		n.Threshold.Critical = orPtr(o.Critical, n.Threshold.Critical)
		n.Threshold.Recovery = orPtr(o.Recovery, n.Threshold.Recovery)
	}
	if o.For != nil {
		n.For = *o.For
	}
	if o.Disabled != nil {
		n.Disabled = *o.Disabled
	}
	n.Severity = orValue(o.Severity, n.Severity)
	n.IncidentPolicy = orValue(o.IncidentPolicy, n.IncidentPolicy)
	n.ServiceLevelRequirement = orValue(o.ServiceLevelRequirement, n.ServiceLevelRequirement)
	if o.RunbookURL != "" {
		n.RunbookURL, n.RunbookID = o.RunbookURL, 0
	}
	if err := n.Validate(); err != nil {
		return nil, err
	}
	return n, nil
}

func orPtr[T any](p, def *T) *T {
	if p != nil {
		v := *p
		return &v
	}
	return def
}

func orValue[T comparable](v, def T) T {
	var zero T
	if v != zero {
		return v
	}
	return def
}
