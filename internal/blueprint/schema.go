package blueprint

import (
	"encoding/json"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/backup"
	"github.com/unyo-ops/unyo/internal/capacity"
	"github.com/unyo-ops/unyo/internal/dashboard"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/oncall"
)

// Schema is the part of JSON Schema (2020-12) the design's files use. It is
// generated from the Go types the loader decodes into, and the loader
// checks every file against it before decoding: the published schema and
// what unyo accepts cannot drift apart.
type Schema struct {
	Schema      string             `json:"$schema,omitempty"`
	ID          string             `json:"$id,omitempty"`
	Title       string             `json:"title,omitempty"`
	Description string             `json:"description,omitempty"`
	Type        string             `json:"type,omitempty"`
	Format      string             `json:"format,omitempty"`
	Pattern     string             `json:"pattern,omitempty"`
	Properties  map[string]*Schema `json:"properties,omitempty"`
	Required    []string           `json:"required,omitempty"`
	// Additional is the schema of further properties; false when nil on an
	// object with Properties.
	Additional *Schema `json:"-"`
	Items      *Schema `json:"items,omitempty"`
	Enum       []any   `json:"enum,omitempty"`
	// Open marks an object whose keys are free (a channel's config, which
	// the channel's own type checks on the server).
	Open bool `json:"-"`
}

// MarshalJSON writes additionalProperties as JSON Schema spells it.
func (s *Schema) MarshalJSON() ([]byte, error) {
	type plain Schema
	out := struct {
		*plain
		Additional any `json:"additionalProperties,omitempty"`
	}{plain: (*plain)(s)}
	switch {
	case s.Additional != nil:
		out.Additional = s.Additional
	case s.Type == "object" && !s.Open:
		out.Additional = false
	}
	return json.Marshal(out)
}

// durationPattern is a Go duration such as 15m, 1h30m or 0s.
const durationPattern = `^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$|^0$`

// required names, per type, the fields a file must give.
var required = map[reflect.Type][]string{
	reflect.TypeFor[Settings]():   {"name"},
	reflect.TypeFor[Service]():    {"name"},
	reflect.TypeFor[Resource]():   {"name", "kind"},
	reflect.TypeFor[Runbook]():    {"title"},
	reflect.TypeFor[Template]():   {"name"},
	reflect.TypeFor[Item]():       {"name", "kind"},
	reflect.TypeFor[Assignment](): {"template"},
	reflect.TypeFor[Channel]():    {"name", "type", "config"},
	reflect.TypeFor[Policy]():     {"name", "steps"},
	reflect.TypeFor[Step]():       {"targets"},
	reflect.TypeFor[Window]():     {"name"},

	// People (kind_contact.go to kind_report.go).
	reflect.TypeFor[Contact]():        {"name", "email", "via"},
	reflect.TypeFor[Rotation]():       {"name", "time_zone", "layers"},
	reflect.TypeFor[oncall.Layer]():   {"members", "handoff", "start"},
	reflect.TypeFor[Silence]():        {"comment", "matchers", "ends_at"},
	reflect.TypeFor[alert.Matcher]():  {"name", "op", "value"},
	reflect.TypeFor[StatusPage]():     {"slug"},
	reflect.TypeFor[ReportSchedule](): {"recipients"},
	reflect.TypeFor[CloudAccount]():   {"name", "provider"},
	reflect.TypeFor[CloudAzure]():     {"tenant_id", "client_id", "subscription_id"},
	reflect.TypeFor[CloudAWS]():       {"access_key_id", "regions"},
	reflect.TypeFor[ServiceNow]():     {"instance_url", "auth"},
	reflect.TypeFor[ItemOverride]():   {"template", "item"},
	// Operation plans, backups and dashboards.
	reflect.TypeFor[CapacityGroup]():      {"name", "service", "kind", "max"},
	reflect.TypeFor[OperationPlan]():      {"group", "baseline"},
	reflect.TypeFor[capacity.Rule]():      {"days", "start", "end", "count"},
	reflect.TypeFor[capacity.Event]():     {"name", "start", "end"},
	reflect.TypeFor[capacity.Season]():    {"from", "until", "baseline"},
	reflect.TypeFor[BackupPolicy]():       {"name", "service", "target", "method", "schedule", "retention"},
	reflect.TypeFor[BackupSource]():       {"kind"},
	reflect.TypeFor[Dashboard]():          {"title"},
	reflect.TypeFor[dashboard.Panel]():    {"type", "queries"},
	reflect.TypeFor[dashboard.Query]():    {"query"},
	reflect.TypeFor[dashboard.Variable](): {"name"},
}

// enums lists the values of the named string types that have a fixed set.
var enums = map[reflect.Type][]any{
	reflect.TypeFor[model.VendorWait](): {"", "run", "pause"},

	reflect.TypeFor[backup.Method]():       {"", "azure_backup", "aws_backup", "snapshot", "db_dump", "command", "other"},
	reflect.TypeFor[backup.SourceKind]():   {"", "azure_backup", "aws_backup", "metric"},
	reflect.TypeFor[dashboard.PanelType](): {"", "line", "bar", "stat", "table"},
}

// schemaOf returns the schema of t.
func schemaOf(t reflect.Type) *Schema {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t {
	case reflect.TypeFor[model.Duration]():
		return &Schema{Type: "string", Pattern: durationPattern, Description: "a duration such as 15m or 4h"}
	case reflect.TypeFor[time.Time]():
		return &Schema{Type: "string", Format: "date-time"}
	}
	switch t.Kind() {
	case reflect.String:
		return &Schema{Type: "string", Enum: enums[t]}
	case reflect.Bool:
		return &Schema{Type: "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return &Schema{Type: "integer"}
	case reflect.Float32, reflect.Float64:
		return &Schema{Type: "number"}
	case reflect.Slice:
		return &Schema{Type: "array", Items: schemaOf(t.Elem())}
	case reflect.Map:
		if t.Elem().Kind() == reflect.Interface {
			return &Schema{Type: "object", Open: true}
		}
		return &Schema{Type: "object", Additional: schemaOf(t.Elem())}
	case reflect.Struct:
		s := &Schema{Type: "object", Properties: map[string]*Schema{}, Required: required[t]}
		addFields(s, t)
		return s
	}
	return &Schema{} // anything
}

// addFields adds the JSON fields of struct t to s, embedded structs flattened.
func addFields(s *Schema, t reflect.Type) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" {
			addFields(s, f.Type)
			continue
		}
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		s.Properties[name] = schemaOf(f.Type)
	}
}

// file is what one YAML file of a customer folder may hold: any part of
// the design (lists from several files are joined) and the shared
// templates it includes by name.
type file struct {
	Design
	SharedTemplates []string `json:"shared_templates,omitempty"`
}

// The schemas the loader checks every file with, built once: reflection
// over the design's types costs more than checking a small file.
var (
	fileSchema     = sync.OnceValue(FileSchema)
	templateSchema = sync.OnceValue(TemplateSchema)
)

// FileSchema returns the JSON Schema of a customer folder's YAML files.
func FileSchema() *Schema {
	s := schemaOf(reflect.TypeFor[file]())
	s.Schema = "https://json-schema.org/draft/2020-12/schema"
	s.ID = "https://unyo.dev/schemas/design.json"
	s.Title = "unyo operations design (one file of a customer folder)"
	s.Description = "See docs/onboarding-as-code.md. Secrets in channels' config are written as ${env:NAME} or ${file:path}."
	// The shared-template folder's files hold one template each.
	return s
}

// TemplateSchema returns the JSON Schema of a shared template's file.
func TemplateSchema() *Schema {
	s := schemaOf(reflect.TypeFor[Template]())
	s.Schema = "https://json-schema.org/draft/2020-12/schema"
	s.ID = "https://unyo.dev/schemas/design-template.json"
	s.Title = "unyo shared monitoring template (one file of the templates folder)"
	return s
}
