package monitoring

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/unyo-ops/unyo/internal/cloudtype"
	"github.com/unyo-ops/unyo/internal/model"
)

// ResolvedItem is an item as it applies to one resource: overrides applied,
// placeholders filled, and where it came from.
type ResolvedItem struct {
	Item
	Resource string `json:"resource"`          // the resource's name, the host label of its series
	Source   Source `json:"source"`            // where the item came from
	Query    string `json:"query,omitempty"`   // PromQL of the value the condition reads, scoped to the resource
	Problem  string `json:"problem,omitempty"` // why the item cannot run as designed on this resource
	// Unreachable is set when the server's pollers will not reach the
	// item's address: outside the tenant's networks (netscope.go).
	Unreachable *Unreachable `json:"unreachable,omitempty"`
}

// How an item reaches a resource.
const (
	ViaDirect   = "direct"   // an item of the resource itself
	ViaResource = "resource" // a template assigned to the resource by hand
	ViaSelector = "selector" // a template assigned by a label selector
)

// Source says where a resolved item came from.
type Source struct {
	Via          string            `json:"via"`
	Template     string            `json:"template,omitempty"`
	TemplateID   int64             `json:"template_id,omitempty"`
	Global       bool              `json:"global,omitempty"` // the template is global (built-in or MSP-wide)
	AssignmentID int64             `json:"assignment_id,omitempty"`
	Selector     string            `json:"selector,omitempty"`
	Overrides    []AppliedOverride `json:"overrides,omitempty"`
	// Replaces names the items of the same name this one won over, as
	// "template/item": a resource's own item beats a template's, a template
	// assigned by hand beats one assigned by selector.
	Replaces []string `json:"replaces,omitempty"`
}

// AppliedOverride is one override applied to a resolved item.
type AppliedOverride struct {
	ID     int64    `json:"id"`
	Scope  string   `json:"scope"` // "tenant" or "resource"
	Fields []string `json:"fields"`
	Note   string   `json:"note,omitempty"`
}

// candidate is an item before overrides, with its provenance.
type candidate struct {
	item *Item
	src  Source
}

// EffectiveItems returns the items that apply to one resource of the tenant,
// in precedence order: its own items, templates assigned to it by hand, then
// templates whose selector matches it (hosts, and the cloud resources
// discovery registers: see reaches). Disabled items are
// included, marked disabled, so that the design shows what was switched off.
func (s *Store) EffectiveItems(ctx context.Context, tenant string, resource int64) ([]ResolvedItem, error) {
	res, err := s.resources.Resource(ctx, tenant, resource)
	if err != nil {
		return nil, fmt.Errorf("monitoring: unable to resolve items: %w", err)
	}
	d, err := s.readDesign(ctx, tenant, []*model.Resource{res})
	if err != nil {
		return nil, err
	}
	return s.effective(ctx, d, res)
}

// EffectiveItemsOf returns the EffectiveItems of each of resources, by
// resource ID, reading the tenant's design once rather than once a
// resource: the alert engine's re-resolution of every host. Resources of
// another tenant are left out.
func (s *Store) EffectiveItemsOf(ctx context.Context, tenant string, resources []*model.Resource) (map[int64][]ResolvedItem, error) {
	var mine []*model.Resource
	for _, res := range resources {
		if res.TenantID == tenant {
			mine = append(mine, res)
		}
	}
	out := make(map[int64][]ResolvedItem, len(mine))
	if len(mine) == 0 {
		return out, nil
	}
	d, err := s.readDesign(ctx, tenant, mine)
	if err != nil {
		return nil, err
	}
	for _, res := range mine {
		if out[res.ID], err = s.effective(ctx, d, res); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// effective resolves the items of res from the tenant's design d.
func (s *Store) effective(ctx context.Context, d *tenantDesign, res *model.Resource) ([]ResolvedItem, error) {
	out := []ResolvedItem{}
	seen := map[string]int{}
	for _, c := range d.candidates(res) {
		if i, dup := seen[c.item.Name]; dup {
			// The same template reached twice is one set of items, not a replacement.
			name := c.src.Template + "/" + c.item.Name
			if out[i].Source.TemplateID != c.src.TemplateID && !slices.Contains(out[i].Source.Replaces, name) {
				out[i].Source.Replaces = append(out[i].Source.Replaces, name)
			}
			continue
		}
		seen[c.item.Name] = len(out)
		out = append(out, resolveWith(c, res, d.overrides, s.scopes))
	}
	if err := s.markUnreachable(ctx, res, out, d.networks); err != nil {
		return nil, err
	}
	return out, nil
}

// tenantDesign is what the items of a tenant's resources are resolved from, read
// once for any number of them.
type tenantDesign struct {
	direct    map[int64][]*Item // the resources' own items, by resource
	assigns   []*Assignment
	templates map[int64]*Template // those the assignments reaching the resources name
	overrides []*Override
	networks  *tenantNetworks
}

// readDesign reads what resolving the items of resources takes: their own
// items, the tenant's assignments and overrides, and the templates that
// reach at least one of them, with their items.
func (s *Store) readDesign(ctx context.Context, tenant string, resources []*model.Resource) (*tenantDesign, error) {
	d := &tenantDesign{direct: map[int64][]*Item{}, templates: map[int64]*Template{}, networks: &tenantNetworks{s: s, tenant: tenant}}
	var direct []*Item
	var err error
	if len(resources) == 1 {
		direct, err = s.Items(ctx, tenant, ItemFilter{ResourceID: resources[0].ID})
	} else {
		// Items' order (template, resource, id) within each resource.
		direct, err = queryItems(ctx, s.q(ctx), `SELECT `+itemColumns+` FROM monitoring_items WHERE tenant_id=? AND resource_id IS NOT NULL ORDER BY resource_id, id`, tenant)
	}
	if err != nil {
		return nil, err
	}
	for _, it := range direct {
		d.direct[it.ResourceID] = append(d.direct[it.ResourceID], it)
	}
	if d.assigns, err = s.Assignments(ctx, tenant); err != nil {
		return nil, err
	}
	// Only the templates that reach a resource are read, with their items.
	ids := []int64{}
	for _, a := range d.assigns {
		if slices.Contains(ids, a.TemplateID) {
			continue
		}
		for _, res := range resources {
			if _, ok := reaches(a, res); ok {
				ids = append(ids, a.TemplateID)
				break
			}
		}
	}
	templates, err := s.templates(ctx, tenant, ids)
	if err != nil {
		return nil, err
	}
	for _, t := range templates {
		d.templates[t.ID] = t
	}
	if d.overrides, err = s.Overrides(ctx, tenant, OverrideFilter{}); err != nil {
		return nil, err
	}
	return d, nil
}

// candidates lists every item that reaches res, in precedence order.
func (d *tenantDesign) candidates(res *model.Resource) []candidate {
	var out []candidate
	for _, it := range d.direct[res.ID] {
		out = append(out, candidate{it, Source{Via: ViaDirect}})
	}
	// Assignments come by resource first, then by selector (see Assignments).
	for _, a := range d.assigns {
		src, ok := reaches(a, res)
		if !ok {
			continue
		}
		if t := d.templates[a.TemplateID]; t != nil {
			src.Template, src.TemplateID, src.Global = t.Name, t.ID, t.TenantID == ""
			for _, it := range t.Items {
				out = append(out, candidate{it, src})
			}
		}
	}
	return out
}

// reaches reports whether assignment a applies to res, and how.
func reaches(a *Assignment, res *model.Resource) (Source, bool) {
	if a.ResourceID != 0 {
		return Source{Via: ViaResource, AssignmentID: a.ID}, a.ResourceID == res.ID
	}
	sel, err := ParseSelector(a.Selector)
	ok := err == nil && bySelector(res) && sel.Matches(res.Labels)
	return Source{Via: ViaSelector, AssignmentID: a.ID, Selector: a.Selector}, ok
}

// bySelector reports whether selector assignments reach res: a host, or a
// resource cloud discovery registered (labelled cloud_type), whose template
// discovery assigns by cloud_type=<short>. Other resources (an app service
// or a database typed in by hand) take templates by hand only, so that a
// selector such as os=linux written for hosts does not give them a host's
// items.
func bySelector(res *model.Resource) bool {
	return res.Kind == "host" || res.Labels[cloudtype.LabelType] != ""
}

// resolve applies the overrides of c's item on res, tenant-wide first,
// fills placeholders and builds the query.
func resolve(c candidate, res *model.Resource, overrides []*Override) ResolvedItem {
	return resolveWith(c, res, overrides, nil)
}

// resolveWith is resolve with the scoped queries kept in scopes.
func resolveWith(c candidate, res *model.Resource, overrides []*Override, scopes *scopeCache) ResolvedItem {
	r := ResolvedItem{Item: *c.item.Clone(), Resource: res.Name, Source: c.src}
	for _, o := range overrides {
		if o.ItemID != c.item.ID || (o.ResourceID != 0 && o.ResourceID != res.ID) {
			continue
		}
		applied, err := o.Apply(&r.Item)
		if err != nil {
			r.Problem = fmt.Sprintf("override %d not applied: %v", o.ID, err)
			continue
		}
		r.Item = *applied
		scope := "tenant"
		if o.ResourceID != 0 {
			scope = "resource"
		}
		r.Source.Overrides = append(r.Source.Overrides, AppliedOverride{ID: o.ID, Scope: scope, Fields: o.Fields(), Note: o.Note})
	}
	if err := expandItem(&r.Item, resourceLookup(res.Name, res.Labels)); err != nil {
		r.Problem = err.Error()
		return r
	}
	q, err := itemQuery(&r.Item, res.Name, scopes)
	if err != nil {
		r.Problem = err.Error()
	}
	r.Query = q
	return r
}

// itemQuery is the PromQL of the value an item's condition reads on host:
// the series the agent sends for the item, or the item's own expression.
func itemQuery(it *Item, host string, scopes *scopeCache) (string, error) {
	own := func(metric string) string {
		return fmt.Sprintf(`%s{%s=%q,item=%q}`, metric, HostLabel, host, it.Name)
	}
	switch it.Kind {
	case KindMetric:
		if it.Metric.Query != "" {
			return scopes.scope(it.Metric.Query, host)
		}
		return scopes.scope(it.Metric.Series, host)
	case KindNoData:
		sel := fmt.Sprintf(`{%s=%q}`, HostLabel, host)
		if it.NoData.Series != "" {
			var err error
			if sel, err = scopes.scope(it.NoData.Series, host); err != nil {
				return "", err
			}
		}
		return fmt.Sprintf("absent_over_time(%s[%s])", sel, promDuration(it.NoData.After)), nil
	case KindLog:
		return fmt.Sprintf("sum without (pattern, severity) (increase(%s[%s]))", own("unyo_log_matches_total"), promDuration(it.Log.Window)), nil
	case KindCheck:
		return own("unyo_check_up"), nil
	case KindProcess:
		return own("unyo_process_count"), nil
	case KindService:
		return own("unyo_service_up"), nil
	case KindBackup:
		return own("unyo_backup_success"), nil
	case KindExporter:
		// The lowest of the agent's own scrape result (0 when the exporter
		// cannot be read) and the health the exporter reports of what it
		// watches: "up" or a well-known <exporter>_up such as apache_up.
		return fmt.Sprintf(`min by (%s, item) ({__name__=~%q,%s=%q,item=%q})`,
			HostLabel, ExporterUpSeries, HostLabel, host, it.Name), nil
	}
	return "", nil
}

// ExporterUpSeries are the series whose 0 fires an exporter item: the
// agent's scrape result and the health gauges exporters publish of what
// they watch (the _up of a per-interface or per-target family, such as
// node_network_up, is left out: one member down is not the exporter down).
const ExporterUpSeries = "unyo_scrape_up|up|apache_up|nginx_up|mysql_up|pg_up|redis_up|memcached_up|haproxy_up|mongodb_up|elasticsearch_up|rabbitmq_up|tomcat_up"

// promDuration writes d the way PromQL takes it: 5m, 1h30m, 90s.
func promDuration(d model.Duration) string {
	return shortDuration(time.Duration(d))
}

// shortDuration writes d without zero units: 5m rather than 5m0s.
func shortDuration(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	s := d.String()
	for _, cut := range []struct{ suffix, with string }{{"m0s", "m"}, {"h0m", "h"}} {
		if len(s) > len(cut.suffix) && s[len(s)-len(cut.suffix):] == cut.suffix {
			s = s[:len(s)-len(cut.suffix)] + cut.with
		}
	}
	return s
}
