package blueprint

import (
	"encoding/json"
	"time"

	"github.com/unyo-ops/unyo/internal/escalation"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/runbook"
)

// ids maps the names the design uses to a tenant's IDs, both ways.
type ids struct {
	services, resources, runbooks, templates map[string]int64
	serviceOf, resourceOf, runbookOf         map[int64]string
	clouds                                   map[string]int64 // cloud accounts, which other kinds name
	cloudName                                map[int64]string
	// now is the time the plan (or the validation) is made at, from the
	// planner's clock: what kinds whose form depends on time compare at.
	now time.Time
}

func newIDs() *ids {
	return &ids{
		services: map[string]int64{}, resources: map[string]int64{}, runbooks: map[string]int64{}, templates: map[string]int64{},
		serviceOf: map[int64]string{}, resourceOf: map[int64]string{}, runbookOf: map[int64]string{},
		clouds: map[string]int64{}, cloudName: map[int64]string{},
	}
}

func (x *ids) setService(name string, id int64)  { x.services[name], x.serviceOf[id] = id, name }
func (x *ids) setResource(name string, id int64) { x.resources[name], x.resourceOf[id] = id, name }
func (x *ids) setRunbook(name string, id int64)  { x.runbooks[name], x.runbookOf[id] = id, name }
func (x *ids) setCloud(name string, id int64)    { x.clouds[name], x.cloudName[id] = id, name }

func optID(m map[string]int64, name string) *int64 {
	if name == "" {
		return nil
	}
	id := m[name]
	return &id
}

func optName(m map[int64]string, id *int64) string {
	if id == nil {
		return ""
	}
	return m[*id]
}

func (s Service) model(tenant string) *model.Service {
	return &model.Service{TenantID: tenant, Name: s.Name, Description: s.Description, Level: s.ServiceLevel}
}

func serviceOf(m *model.Service) Service {
	return Service{Name: m.Name, Description: m.Description, ServiceLevel: m.Level}
}

func (r Resource) model(tenant string, x *ids) *model.Resource {
	return &model.Resource{TenantID: tenant, Name: r.Name, Kind: r.Kind, ServiceID: optID(x.services, r.Service), Labels: r.Labels}
}

func resourceOf(m *model.Resource, x *ids) Resource {
	labels := m.Labels
	if len(labels) == 0 {
		labels = nil
	}
	return Resource{Name: m.Name, Kind: m.Kind, Service: optName(x.serviceOf, m.ServiceID), Labels: labels}
}

func (r Runbook) model(tenant, actor string) *runbook.Runbook {
	return &runbook.Runbook{TenantID: tenant, Title: r.Title, Body: r.Body, CreatedBy: actor}
}

func runbookOf(m *runbook.Runbook) Runbook { return Runbook{Title: m.Title, Body: m.Body} }

func (t Template) model(tenant string, x *ids) *monitoring.Template {
	out := &monitoring.Template{TenantID: tenant, Name: t.Name, Title: t.Title, Description: t.Description, Items: []*monitoring.Item{}}
	for _, it := range t.Items {
		out.Items = append(out.Items, it.model(tenant, x))
	}
	return out
}

func templateOf(m *monitoring.Template, x *ids) Template {
	t := Template{Name: m.Name, Title: m.Title, Description: m.Description}
	for _, it := range m.Items {
		t.Items = append(t.Items, itemOf(it, x))
	}
	return t
}

func (it Item) model(tenant string, x *ids) *monitoring.Item {
	m := &monitoring.Item{
		TenantID: tenant, Name: it.Name, Title: it.Title, Kind: it.Kind, Description: it.Description,
		Metric: it.Metric, Log: it.Log, Check: it.Check, NoData: it.NoData, Process: it.Process, Service: it.Service,
		Exporter: it.Exporter, Zabbix: (*monitoring.Zabbix)(it.Zabbix), SNMP: (*monitoring.SNMP)(it.SNMP), Backup: it.Backup, Threshold: it.Threshold,
		For: it.For, Interval: it.Interval, Severity: it.Severity, RunbookURL: it.RunbookURL,
		ServiceLevelRequirement: it.ServiceLevelRequirement, IncidentPolicy: it.IncidentPolicy, Notify: it.Notify, Disabled: it.Disabled,
	}
	if it.Runbook != "" {
		m.RunbookID = x.runbooks[it.Runbook]
	}
	return m
}

func itemOf(m *monitoring.Item, x *ids) Item {
	return Item{
		Name: m.Name, Title: m.Title, Kind: m.Kind, Description: m.Description,
		Metric: m.Metric, Log: m.Log, Check: m.Check, NoData: m.NoData, Process: m.Process, Service: m.Service,
		Exporter: m.Exporter, Zabbix: zabbixShown(m.Zabbix), SNMP: snmpShown(m.SNMP), Backup: m.Backup, Threshold: m.Threshold,
		For: m.For, Interval: m.Interval, Severity: m.Severity, RunbookURL: m.RunbookURL, Runbook: x.runbookOf[m.RunbookID],
		ServiceLevelRequirement: m.ServiceLevelRequirement, IncidentPolicy: m.IncidentPolicy, Notify: m.Notify, Disabled: m.Disabled,
	}
}

func (a Assignment) model(tenant string, x *ids) *monitoring.Assignment {
	return &monitoring.Assignment{TenantID: tenant, TemplateID: x.templates[a.Template], Selector: a.Selector, ResourceID: x.resources[a.Resource]}
}

func assignmentOf(m *monitoring.Assignment, x *ids) Assignment {
	a := Assignment{Template: m.Template, Selector: m.Selector}
	if m.ResourceID != 0 {
		a.Resource = x.resourceOf[m.ResourceID]
	}
	return a
}

// key names an assignment, which has no name of its own.
func (a Assignment) key() string {
	if a.Resource != "" {
		return a.Template + " → resource " + a.Resource
	}
	return a.Template + " → " + a.Selector
}

func (p Policy) model(tenant string) *escalation.Policy {
	steps := make([]escalation.Step, len(p.Steps))
	for i, s := range p.Steps {
		steps[i] = escalation.Step{Targets: s.Targets, Wait: s.Wait, When: s.When}
	}
	return &escalation.Policy{Tenant: tenant, Name: p.Name, Default: p.Default, When: p.When, Steps: steps, Repeat: p.Repeat}
}

func policyOf(m *escalation.Policy) Policy {
	p := Policy{Name: m.Name, Default: m.Default, When: m.When, Repeat: m.Repeat, Steps: []Step{}}
	for _, s := range m.Steps {
		p.Steps = append(p.Steps, Step{Targets: s.Targets, Wait: s.Wait, When: s.When})
	}
	return p
}

// configJSON is a channel's config as the channel store takes it.
func configJSON(c Channel) json.RawMessage {
	b, _ := json.Marshal(c.Config)
	return b
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}
