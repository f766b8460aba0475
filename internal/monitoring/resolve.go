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
	cands, err := s.candidates(ctx, res)
	if err != nil {
		return nil, err
	}
	overrides, err := s.Overrides(ctx, tenant, OverrideFilter{})
	if err != nil {
		return nil, err
	}
	out := []ResolvedItem{}
	seen := map[string]int{}
	for _, c := range cands {
		if i, dup := seen[c.item.Name]; dup {
			// The same template reached twice is one set of items, not a replacement.
			name := c.src.Template + "/" + c.item.Name
			if out[i].Source.TemplateID != c.src.TemplateID && !slices.Contains(out[i].Source.Replaces, name) {
				out[i].Source.Replaces = append(out[i].Source.Replaces, name)
			}
			continue
		}
		seen[c.item.Name] = len(out)
		out = append(out, resolve(c, res, overrides))
	}
	if err := s.markUnreachable(ctx, res, out); err != nil {
		return nil, err
	}
	return out, nil
}

// candidates lists every item that reaches res, in precedence order.
func (s *Store) candidates(ctx context.Context, res *model.Resource) ([]candidate, error) {
	direct, err := s.Items(ctx, res.TenantID, ItemFilter{ResourceID: res.ID})
	if err != nil {
		return nil, err
	}
	var out []candidate
	for _, it := range direct {
		out = append(out, candidate{it, Source{Via: ViaDirect}})
	}
	assigns, err := s.Assignments(ctx, res.TenantID)
	if err != nil {
		return nil, err
	}
	// Only the templates that reach res are read, with their items.
	type reached struct {
		a   *Assignment
		src Source
	}
	var hits []reached
	ids := []int64{}
	for _, a := range assigns {
		if src, ok := reaches(a, res); ok {
			hits = append(hits, reached{a, src})
			ids = append(ids, a.TemplateID)
		}
	}
	templates, err := s.templates(ctx, res.TenantID, ids)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*Template{}
	for _, t := range templates {
		byID[t.ID] = t
	}
	// Assignments come by resource first, then by selector (see Assignments).
	for _, h := range hits {
		src := h.src
		if t := byID[h.a.TemplateID]; t != nil {
			src.Template, src.TemplateID, src.Global = t.Name, t.ID, t.TenantID == ""
			for _, it := range t.Items {
				out = append(out, candidate{it, src})
			}
		}
	}
	return out, nil
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
	q, err := itemQuery(&r.Item, res.Name)
	if err != nil {
		r.Problem = err.Error()
	}
	r.Query = q
	return r
}

// itemQuery is the PromQL of the value an item's condition reads on host:
// the series the agent sends for the item, or the item's own expression.
func itemQuery(it *Item, host string) (string, error) {
	own := func(metric string) string {
		return fmt.Sprintf(`%s{%s=%q,item=%q}`, metric, HostLabel, host, it.Name)
	}
	switch it.Kind {
	case KindMetric:
		if it.Metric.Query != "" {
			return scopeQuery(it.Metric.Query, host)
		}
		return scopeQuery(it.Metric.Series, host)
	case KindNoData:
		sel := fmt.Sprintf(`{%s=%q}`, HostLabel, host)
		if it.NoData.Series != "" {
			var err error
			if sel, err = scopeQuery(it.NoData.Series, host); err != nil {
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
