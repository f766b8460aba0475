package blueprint

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// WritePlan prints p as a terraform-like plan; applied says the changes
// were made rather than proposed.
func WritePlan(w io.Writer, p *Plan, applied bool) {
	n := map[string]int{}
	for _, c := range p.Changes {
		n[c.Action]++
	}
	verb := "Plan"
	if applied {
		verb = "Applied"
	}
	if p.Empty() {
		fmt.Fprintf(w, "%s for tenant %s: no changes.\n", verb, p.Tenant)
	} else {
		fmt.Fprintf(w, "%s for tenant %s: %d to create, %d to update, %d to delete.\n\n", verb, p.Tenant, n[Create], n[Update], n[Delete])
	}
	sign := map[string]string{Create: "+", Update: "~", Delete: "-"}
	for _, c := range p.Changes {
		fmt.Fprintf(w, "  %s %s %s\n", sign[c.Action], c.Kind, c.Key)
		for _, f := range c.Fields {
			fmt.Fprintf(w, "      %s: %s → %s\n", f.Field, show(f.Old), show(f.New))
		}
	}
	if len(p.Drift) > 0 {
		fmt.Fprintln(w, "\nDrift: changed by hand since the last apply (the plan above puts them back):")
		for _, r := range p.Drift {
			fmt.Fprintf(w, "  ! %s %s\n", r.Kind, r.Key)
		}
	}
	if len(p.Unmanaged) > 0 {
		fmt.Fprintln(w, "\nNot in the design, kept (deleted only with --prune):")
		for _, r := range p.Unmanaged {
			fmt.Fprintf(w, "    %s %s\n", r.Kind, r.Key)
		}
	}
}

func show(v any) string {
	if v == nil {
		return "(none)"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// Files writes d as a customer folder: one YAML file per kind, the
// runbooks' bodies as Markdown files beside them.
func Files(d *Design) (map[string][]byte, error) {
	files := map[string][]byte{}
	put := func(name string, v any) error {
		b, err := toYAML(v)
		if err != nil {
			return fmt.Errorf("blueprint: cannot write %s: %w", name, err)
		}
		files[name] = b
		return nil
	}
	if err := put("tenant.yaml", map[string]string{"tenant": d.Tenant}); err != nil {
		return nil, err
	}
	runbooks := make([]Runbook, len(d.Runbooks))
	used := map[string]bool{}
	for i, rb := range d.Runbooks {
		name := slug(rb.Title, used)
		files["runbooks/"+name+".md"] = []byte(rb.Body)
		runbooks[i] = Runbook{Title: rb.Title, File: "runbooks/" + name + ".md"}
	}
	parts := []struct {
		file string
		v    any
		n    int
	}{
		{"services.yaml", map[string]any{"services": d.Services}, len(d.Services)},
		{"resources.yaml", map[string]any{"resources": d.Resources}, len(d.Resources)},
		{"runbooks.yaml", map[string]any{"runbooks": runbooks}, len(runbooks)},
		{"templates.yaml", map[string]any{"templates": d.Templates}, len(d.Templates)},
		{"assignments.yaml", map[string]any{"assignments": d.Assignments}, len(d.Assignments)},
		{"channels.yaml", map[string]any{"channels": d.Channels}, len(d.Channels)},
		{"escalation.yaml", map[string]any{"escalation_policies": d.EscalationPolicies}, len(d.EscalationPolicies)},
		{"maintenance.yaml", map[string]any{"maintenance_windows": d.MaintenanceWindows}, len(d.MaintenanceWindows)},
		{"contacts.yaml", map[string]any{"contacts": d.Contacts}, len(d.Contacts)},
		{"oncall.yaml", map[string]any{"oncall_rotations": d.OnCallRotations}, len(d.OnCallRotations)},
		{"silences.yaml", map[string]any{"silences": d.Silences}, len(d.Silences)},
		{"status-page.yaml", map[string]any{"status_page": d.StatusPage}, one(d.StatusPage)},
		{"report.yaml", map[string]any{"report_schedule": d.ReportSchedule}, one(d.ReportSchedule)},
		{"cloud.yaml", map[string]any{"cloud_accounts": d.CloudAccounts}, len(d.CloudAccounts)},
		{"servicenow.yaml", map[string]any{"servicenow": d.ServiceNow}, one(d.ServiceNow)},
		{"overrides.yaml", map[string]any{"item_overrides": d.ItemOverrides}, len(d.ItemOverrides)},
		{"plans.yaml", map[string]any{"capacity_groups": d.CapacityGroups, "operation_plans": d.OperationPlans}, len(d.CapacityGroups) + len(d.OperationPlans)},
		{"backups.yaml", map[string]any{"backup_policies": d.BackupPolicies}, len(d.BackupPolicies)},
		{"dashboards.yaml", map[string]any{"dashboards": d.Dashboards}, len(d.Dashboards)},
	}
	for _, p := range parts {
		if p.n == 0 {
			continue
		}
		if err := put(p.file, p.v); err != nil {
			return nil, err
		}
	}
	return files, nil
}

// toYAML writes v as block YAML with its fields in the order of the Go
// types (JSON is YAML: the JSON encoding read as nodes keeps the order).
func toYAML(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var n yaml.Node
	if err := yaml.Unmarshal(b, &n); err != nil {
		return nil, err
	}
	plain(&n)
	var out strings.Builder
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(&n); err != nil {
		return nil, err
	}
	return []byte(out.String()), nil
}

// plain drops the JSON styles (flow, quotes) where YAML reads the same
// without them.
func plain(n *yaml.Node) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
		n.Style = 0
		if strings.Contains(n.Value, "\n") {
			n.Style = yaml.LiteralStyle
		}
	} else if n.Kind != yaml.ScalarNode {
		n.Style = 0
	}
	for _, c := range n.Content {
		plain(c)
	}
}

var slugUnsafe = regexp.MustCompile(`[^a-z0-9]+`)

func slug(title string, used map[string]bool) string {
	s := strings.Trim(slugUnsafe.ReplaceAllString(strings.ToLower(title), "-"), "-")
	if s == "" {
		s = "runbook"
	}
	name := s
	for i := 2; used[name]; i++ {
		name = fmt.Sprintf("%s-%d", s, i)
	}
	used[name] = true
	return name
}
