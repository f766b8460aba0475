package console

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
)

// formKinds are the item kinds the console's form writes; zabbix, snmp,
// backup and os items are written through the API (their forms would be
// as large as the rest together) and shown here read-only.
var formKinds = []monitoring.Kind{monitoring.KindMetric, monitoring.KindCheck, monitoring.KindLog, monitoring.KindNoData,
	monitoring.KindProcess, monitoring.KindService, monitoring.KindExporter}

// itemFormFields are the form's field names, which are the JSON paths of
// monitoring.Item so that its validation names them as they are.
var itemFormFields = []string{"name", "title.ja", "title.en", "kind", "interval", "for", "severity", "incident_policy", "runbook_url",
	"metric.series", "metric.query", "threshold.op", "threshold.warning", "threshold.critical",
	"check.type", "check.from", "check.address", "check.url", "check.failures",
	"log.glob", "log.regex", "log.count", "log.window", "nodata.series", "nodata.after",
	"process.pattern", "process.min_count", "service.name", "exporter.url"}

// itemForm is the item form: Values by field name as typed.
type itemForm struct {
	Tenant     *model.Tenant
	ID         int64
	Owner      string // "resource" or "template"
	OwnerID    int64
	OwnerName  string
	Back       string // the owner's page
	Values     map[string]string
	Disabled   bool
	Kinds      []monitoring.Kind
	Editable   bool // a kind the form writes
	Errs       fieldErrors
	Severities []monitoring.Severity
	Checks     []string
	Ops        []string
	Policies   []string
	Froms      []string
}

// V is the typed value of a field.
func (f *itemForm) V(name string) string { return f.Values[name] }

func (c *Console) newItemForm(t *model.Tenant) *itemForm {
	return &itemForm{Tenant: t, Values: map[string]string{"kind": "metric", "threshold.op": ">", "check.type": "tcp", "check.from": "agent",
		"incident_policy": string(monitoring.PolicyNew)}, Kinds: formKinds, Editable: true, Errs: fieldErrors{},
		Severities: []monitoring.Severity{monitoring.SeverityCritical, monitoring.SeverityWarning, monitoring.SeverityInfo},
		Checks:     []string{monitoring.CheckTCP, monitoring.CheckHTTP, monitoring.CheckPing, monitoring.CheckTLS, monitoring.CheckDNS},
		Ops:        []string{monitoring.OpGT, monitoring.OpGE, monitoring.OpLT, monitoring.OpLE},
		Policies:   []string{string(monitoring.PolicyNew), string(monitoring.PolicyAttach), string(monitoring.PolicyNone)},
		Froms:      []string{"agent", "server"}}
}

// owner finds what the item belongs to, in the tenant: 404 for another's.
func (c *Console) itemOwner(r *http.Request, f *itemForm, resourceID, templateID int64) error {
	switch {
	case resourceID > 0:
		res, err := c.opts.Store.Resource(r.Context(), f.Tenant.ID, resourceID)
		if err != nil {
			return err
		}
		f.Owner, f.OwnerID, f.OwnerName, f.Back = "resource", res.ID, res.Name, fmt.Sprintf("/tenants/%s/resources/%d", f.Tenant.ID, res.ID)
	case templateID > 0:
		tpl, err := c.opts.Design.Template(r.Context(), f.Tenant.ID, templateID)
		if err != nil {
			return err
		}
		if tpl.TenantID != f.Tenant.ID {
			return invalid.New("template_id", "is a global template, which is read-only: copy it first")
		}
		f.Owner, f.OwnerID, f.OwnerName, f.Back = "template", tpl.ID, tpl.Name, fmt.Sprintf("/tenants/%s/monitoring/templates/%d", f.Tenant.ID, tpl.ID)
	default:
		return invalid.New("resource_id", "name the resource or the template the item belongs to")
	}
	return nil
}

func (c *Console) newItem(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.designWrite(r, p)
	if err != nil {
		return err
	}
	f := c.newItemForm(t)
	res, _ := strconv.ParseInt(r.URL.Query().Get("resource_id"), 10, 64)
	tpl, _ := strconv.ParseInt(r.URL.Query().Get("template_id"), 10, 64)
	if err := c.itemOwner(r, f, res, tpl); err != nil {
		return err
	}
	return c.renderItemForm(w, p, f, http.StatusOK)
}

func (c *Console) editItem(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.designWrite(r, p)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	it, err := c.opts.Design.Item(r.Context(), t.ID, id)
	if err != nil {
		return err
	}
	f := c.newItemForm(t)
	if err := c.itemOwner(r, f, it.ResourceID, it.TemplateID); err != nil {
		return err
	}
	f.fill(it)
	return c.renderItemForm(w, p, f, http.StatusOK)
}

// designWrite is the tenant of a monitoring design page that writes.
func (c *Console) designWrite(r *http.Request, p *page) (*model.Tenant, error) {
	t, err := c.tenant(r, p)
	if err != nil {
		return nil, err
	}
	return t, require(p, model.ScopeWrite)
}

func (c *Console) renderItemForm(w http.ResponseWriter, p *page, f *itemForm, status int) error {
	p.Active, p.Title = "nav.tenants", p.L.T("adm.item_new", f.OwnerName)
	if f.ID != 0 {
		p.Title = p.L.T("adm.item_edit", f.V("name"))
	}
	p.Data = f
	c.render(w, status, "item_form", p)
	return nil
}

// fill shows a stored item in the form.
func (f *itemForm) fill(it *monitoring.Item) {
	f.ID, f.Disabled, f.Editable = it.ID, it.Disabled, slices.Contains(formKinds, it.Kind)
	v := f.Values
	v["name"], v["title.ja"], v["title.en"], v["kind"] = it.Name, it.Title.Ja, it.Title.En, string(it.Kind)
	v["severity"], v["incident_policy"], v["runbook_url"] = string(it.Severity), string(it.IncidentPolicy), it.RunbookURL
	v["interval"], v["for"] = optDur(it.Interval), optDur(it.For)
	if m := it.Metric; m != nil {
		v["metric.series"], v["metric.query"] = m.Series, m.Query
	}
	if th := it.Threshold; th != nil {
		v["threshold.op"], v["threshold.warning"], v["threshold.critical"] = th.Op, optFloat(th.Warning), optFloat(th.Critical)
	}
	if ch := it.Check; ch != nil {
		v["check.type"], v["check.from"], v["check.address"], v["check.url"] = ch.Type, ch.From, ch.Address, ch.URL
		v["check.failures"] = strconv.Itoa(ch.Failures)
		if ch.From == "" {
			v["check.from"] = "agent"
		}
	}
	if l := it.Log; l != nil {
		v["log.glob"], v["log.regex"], v["log.count"], v["log.window"] = l.Glob, l.Regex, strconv.Itoa(l.Count), optDur(l.Window)
	}
	if n := it.NoData; n != nil {
		v["nodata.series"], v["nodata.after"] = n.Series, optDur(n.After)
	}
	if pr := it.Process; pr != nil {
		v["process.pattern"], v["process.min_count"] = pr.Pattern, strconv.Itoa(pr.MinCount)
	}
	if s := it.Service; s != nil {
		v["service.name"] = s.Name
	}
	if e := it.Exporter; e != nil {
		v["exporter.url"] = e.URL
	}
}

func optDur(d model.Duration) string {
	if d == 0 {
		return ""
	}
	return durText(d.Std())
}

func optFloat(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', -1, 64)
}

// saveItem creates (no {id}) or updates an item through the monitoring
// store, whose validation is the API's.
func (c *Console) saveItem(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.designWrite(r, p)
	if err != nil {
		return err
	}
	f := c.newItemForm(t)
	it := &monitoring.Item{TenantID: t.ID}
	if r.PathValue("id") != "" {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		if it, err = c.opts.Design.Item(r.Context(), t.ID, id); err != nil {
			return err
		}
		if !slices.Contains(formKinds, it.Kind) {
			return invalid.New("kind", "items of this kind are edited through the API")
		}
		err = c.itemOwner(r, f, it.ResourceID, it.TemplateID)
		f.ID = id
		if err != nil {
			return err
		}
	} else {
		res, _ := strconv.ParseInt(r.PostFormValue("resource_id"), 10, 64)
		tpl, _ := strconv.ParseInt(r.PostFormValue("template_id"), 10, 64)
		if err := c.itemOwner(r, f, res, tpl); err != nil {
			return err
		}
		if f.Owner == "resource" {
			it.ResourceID = f.OwnerID
		} else {
			it.TemplateID = f.OwnerID
		}
	}
	for _, n := range itemFormFields {
		f.Values[n] = strings.TrimSpace(r.PostFormValue(n))
	}
	f.Disabled = r.PostFormValue("disabled") != ""
	err = f.apply(it)
	if err == nil {
		if f.ID == 0 {
			err = c.opts.Design.CreateItem(audited(r, p, t.ID, "create", "monitoring_item", "", it), it)
		} else {
			err = c.opts.Design.UpdateItem(audited(r, p, t.ID, "update", "monitoring_item", strconv.FormatInt(it.ID, 10), it), it)
		}
	}
	if err != nil {
		fields := map[string]string{"threshold": "threshold.op", "metric": "metric.series", "check": "check.type", "log": "log.regex",
			"nodata": "nodata.after", "process": "process.pattern", "service": "service.name", "exporter": "exporter.url", "title": "title.ja"}
		for _, n := range itemFormFields {
			fields[n] = n
		}
		if refuseFields(p, err, f.Errs, fields, "name") {
			return c.renderItemForm(w, p, f, http.StatusBadRequest)
		}
		return err
	}
	return seeOther(w, r, f.Back)
}

// apply writes the form onto it, keeping what the form does not show
// (notification routes, a check's method and body match...) when the kind
// stays; a field that does not parse is refused by its name.
func (f *itemForm) apply(it *monitoring.Item) error {
	v := f.Values
	kind := monitoring.Kind(v["kind"])
	if !slices.Contains(formKinds, kind) {
		return invalid.New("kind", "must be one of %v", formKinds)
	}
	if kind != it.Kind {
		it.Metric, it.Check, it.Log, it.NoData, it.Process, it.Service, it.Exporter, it.Threshold = nil, nil, nil, nil, nil, nil, nil, nil
	}
	it.Kind, it.Name, it.Title = kind, v["name"], monitoring.Text{Ja: v["title.ja"], En: v["title.en"]}
	it.Severity, it.IncidentPolicy, it.RunbookURL, it.Disabled = monitoring.Severity(v["severity"]), monitoring.IncidentPolicy(v["incident_policy"]), v["runbook_url"], f.Disabled
	var err error
	if it.Interval, err = formDur(v, "interval"); err != nil {
		return err
	}
	if it.For, err = formDur(v, "for"); err != nil {
		return err
	}
	switch kind {
	case monitoring.KindMetric:
		it.Metric = &monitoring.Metric{Series: v["metric.series"], Query: v["metric.query"]}
		th := &monitoring.Threshold{Op: v["threshold.op"]}
		if th.Warning, err = formFloat(v, "threshold.warning"); err != nil {
			return err
		}
		if th.Critical, err = formFloat(v, "threshold.critical"); err != nil {
			return err
		}
		if it.Threshold != nil {
			th.Recovery = it.Threshold.Recovery
		}
		it.Threshold = th
	case monitoring.KindCheck:
		if it.Check == nil {
			it.Check = &monitoring.Check{}
		}
		ch := it.Check
		ch.Type, ch.From, ch.Address, ch.URL = v["check.type"], v["check.from"], v["check.address"], v["check.url"]
		if ch.From == "agent" {
			ch.From = ""
		}
		if ch.Failures, err = formInt(v, "check.failures"); err != nil {
			return err
		}
	case monitoring.KindLog:
		l := &monitoring.Log{Glob: v["log.glob"], Regex: v["log.regex"]}
		if it.Log != nil {
			l.Channel = it.Log.Channel
		}
		if l.Count, err = formInt(v, "log.count"); err != nil {
			return err
		}
		if l.Window, err = formDur(v, "log.window"); err != nil {
			return err
		}
		it.Log = l
	case monitoring.KindNoData:
		n := &monitoring.NoData{Series: v["nodata.series"]}
		if n.After, err = formDur(v, "nodata.after"); err != nil {
			return err
		}
		it.NoData = n
	case monitoring.KindProcess:
		pr := &monitoring.Process{Pattern: v["process.pattern"]}
		if pr.MinCount, err = formInt(v, "process.min_count"); err != nil {
			return err
		}
		it.Process = pr
	case monitoring.KindService:
		it.Service = &monitoring.Service{Name: v["service.name"]}
	case monitoring.KindExporter:
		it.Exporter = &monitoring.Exporter{URL: v["exporter.url"]}
	}
	return nil
}

func formDur(v map[string]string, name string) (model.Duration, error) {
	if v[name] == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v[name])
	if err != nil {
		return 0, invalid.New(name, "must be a duration such as 30s, 5m or 1h, not %q", v[name])
	}
	return model.Duration(d), nil
}

func formFloat(v map[string]string, name string) (*float64, error) {
	if v[name] == "" {
		return nil, nil
	}
	x, err := strconv.ParseFloat(v[name], 64)
	if err != nil {
		return nil, invalid.New(name, "must be a number, not %q", v[name])
	}
	return &x, nil
}

func formInt(v map[string]string, name string) (int, error) {
	if v[name] == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v[name])
	if err != nil || n < 0 {
		return 0, invalid.New(name, "must be a whole number, not %q", v[name])
	}
	return n, nil
}
