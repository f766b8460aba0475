package template

import (
	"fmt"
	"strings"

	"github.com/unyo-ops/unyo/internal/monitoring"
)

// Summary writes a report as text, for the command line and the golden
// files: each template's rate, what each part became and what was not
// translated, with the reasons.
func Summary(rep *Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Zabbix %s export (%s): %d templates, %.1f%% of %d items, triggers, discovery rules and web scenarios translated\n",
		rep.Version, rep.Format, len(rep.Templates), rep.Rate, rep.Counted)
	for _, tr := range rep.Templates {
		fmt.Fprintf(&b, "\n%s: %.1f%% of %d translated, %d unyo items\n", tr.Name, tr.Rate, tr.Counted, len(tr.Template.Items))
		for _, e := range tr.Translated {
			fmt.Fprintf(&b, "  + %s %q", e.Kind, e.Name)
			if e.Item != "" {
				fmt.Fprintf(&b, " → %s", e.Item)
			}
			if e.Note != "" {
				fmt.Fprintf(&b, " (%s)", e.Note)
			}
			b.WriteByte('\n')
		}
		for _, e := range tr.Untranslated {
			fmt.Fprintf(&b, "  - %s %q: %s\n", e.Kind, e.Name, e.Reason)
		}
		for _, m := range tr.Macros {
			fmt.Fprintf(&b, "  macro %s = %q\n", m.Name, m.Value)
		}
		for _, it := range tr.Template.Items {
			fmt.Fprintf(&b, "  item %s: %s\n", it.Name, itemLine(it))
		}
	}
	return b.String()
}

func itemLine(it *monitoring.Item) string {
	switch it.Kind {
	case monitoring.KindZabbix:
		s := it.Zabbix.Key
		if it.Interval != 0 {
			s += " every " + it.Interval.Std().String()
		}
		return "zabbix " + s
	case monitoring.KindMetric:
		th := it.Threshold
		s := "metric " + it.Metric.Query + " " + th.Op
		if th.Warning != nil {
			s += fmt.Sprintf(" warning %g", *th.Warning)
		}
		if th.Critical != nil {
			s += fmt.Sprintf(" critical %g", *th.Critical)
		}
		if th.Recovery != nil {
			s += fmt.Sprintf(" recovery %g", *th.Recovery)
		}
		if it.Disabled {
			s += " (disabled)"
		}
		return s
	case monitoring.KindNoData:
		return fmt.Sprintf("nodata %s after %v, %s", it.NoData.Series, it.NoData.After.Std(), it.Severity)
	}
	return string(it.Kind)
}
