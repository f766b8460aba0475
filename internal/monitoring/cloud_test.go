package monitoring

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/unyo-ops/unyo/internal/cloudtype"
)

// cloudTypeOf returns the catalogue type whose built-in template is key.
func cloudTypeOf(key string) (cloudtype.Type, bool) {
	for _, ty := range cloudtype.Types {
		if ty.Template != "" && ty.Template == key {
			return ty, true
		}
	}
	return cloudtype.Type{}, false
}

// TestCloudTemplatesReadTheCatalogue holds every cloud template to the
// catalogue: one built-in per type that names one, and every series and
// label an item reads produced by the metric poller for that type. A
// series renamed in the catalogue fails here, not in a customer's night.
func TestCloudTemplatesReadTheCatalogue(t *testing.T) {
	list, err := Builtins()
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]*Template{}
	for _, tpl := range list {
		byKey[tpl.Builtin] = tpl
		if _, ok := cloudTypeOf(tpl.Builtin); !ok && (strings.HasPrefix(tpl.Builtin, "azure-") || strings.HasPrefix(tpl.Builtin, "aws-")) {
			t.Errorf("built-in %s looks like a cloud template but no catalogue type names it", tpl.Builtin)
		}
	}
	for _, ty := range cloudtype.Types {
		if ty.Template == "" {
			continue
		}
		tpl := byKey[ty.Template]
		if tpl == nil {
			t.Errorf("type %s names template %s, which is not a built-in", ty.Short, ty.Template)
			continue
		}
		if _, ok, err := builtinRunbook(tpl.Builtin); !ok || err != nil {
			t.Errorf("template %s has no runbook (builtin/runbooks/%s.md): %v", tpl.Builtin, tpl.Builtin, err)
		}
		for _, it := range tpl.Items {
			if it.Kind != KindMetric {
				t.Errorf("%s/%s: a cloud template has metric items only, not %s", tpl.Builtin, it.Name, it.Kind)
				continue
			}
			for _, p := range readsOf(t, it.Metric) {
				_, m, ok := cloudtype.BySeries(p.series)
				if !ok || !slices.ContainsFunc(ty.Metrics, func(x cloudtype.Metric) bool { return x.Series == p.series }) {
					t.Errorf("%s/%s: series %q is not one the catalogue gives type %s", tpl.Builtin, it.Name, p.series, ty.Short)
					continue
				}
				for _, l := range p.labels {
					if l != HostLabel && !slices.Contains(m.Labels(), l) {
						t.Errorf("%s/%s: label %q is not on %s (its labels: host %v)", tpl.Builtin, it.Name, l, p.series, m.Labels())
					}
				}
			}
		}
	}
}

// read is one series an item reads, and the labels it matches or groups by.
type read struct {
	series string
	labels []string
}

func readsOf(t *testing.T, m *Metric) []read {
	t.Helper()
	if m.Series != "" {
		ms, err := promParser.ParseMetricSelector(m.Series)
		if err != nil {
			t.Fatal(err)
		}
		return []read{selectorRead(ms)}
	}
	expr, err := promParser.ParseExpr(m.Query)
	if err != nil {
		t.Fatal(err)
	}
	var out []read
	parser.Inspect(expr, func(n parser.Node, path []parser.Node) error {
		vs, ok := n.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		r := selectorRead(vs.LabelMatchers)
		// The labels the nearest aggregation groups by, or a binary
		// operation matches on when no aggregation comes between, must be
		// on the series itself.
	walk:
		for i := len(path) - 1; i >= 0; i-- {
			switch a := path[i].(type) {
			case *parser.AggregateExpr:
				if !a.Without {
					r.labels = append(r.labels, a.Grouping...)
				}
				break walk
			case *parser.BinaryExpr:
				if a.VectorMatching != nil && a.VectorMatching.On {
					r.labels = append(r.labels, a.VectorMatching.MatchingLabels...)
				}
			}
		}
		out = append(out, r)
		return nil
	})
	return out
}

func selectorRead(ms []*labels.Matcher) read {
	var r read
	for _, m := range ms {
		if m.Name == labels.MetricName {
			r.series = m.Value
		} else {
			r.labels = append(r.labels, m.Name)
		}
	}
	return r
}

// cloudDoc writes the catalogue and its templates as the Markdown of
// docs/cloud-templates.md: Azure first, then AWS, each in catalogue order.
func cloudDoc(t *testing.T) string {
	t.Helper()
	list, err := Builtins()
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]*Template{}
	for _, tpl := range list {
		byKey[tpl.Builtin] = tpl
	}
	var b strings.Builder
	for _, p := range []cloudtype.Provider{cloudtype.Azure, cloudtype.AWS} {
		for _, ty := range cloudtype.Types {
			if ty.Provider != p {
				continue
			}
			fmt.Fprintf(&b, "\n### %s `%s` (cloud_type=`%s`, kind %s)\n\n", p, ty.Name, ty.Short, ty.Kind)
			if ty.Provider == cloudtype.AWS {
				fmt.Fprintf(&b, "CloudWatch namespace `%s`, dimension `%s`.\n\n", ty.Namespace, ty.Dimension)
			} else if len(ty.Metrics) > 0 && ty.Metrics[0].Source == cloudtype.SourceNSGFlowLogs {
				b.WriteString("Flow logs in the storage account (Blob storage), not Azure Monitor.\n\n")
			} else if len(ty.Metrics) > 0 && ty.Metrics[0].Source != "" {
				fmt.Fprintf(&b, "Resource Manager `%s`, not Azure Monitor.\n\n", ty.Namespace)
			} else {
				fmt.Fprintf(&b, "Azure Monitor namespace `%s`.\n\n", ty.Namespace)
			}
			if ty.Note != "" {
				b.WriteString(ty.Note + "\n\n")
			}
			if len(ty.Metrics) > 0 {
				b.WriteString("| Series | Provider metric | Aggregation | Grain | Unit | Labels besides host |\n|---|---|---|---|---|---|\n")
				for _, m := range ty.Metrics {
					grain := "1m"
					if m.Grain != 0 {
						grain = strings.TrimSuffix(strings.TrimSuffix(m.Grain.String(), "0s"), "0m")
					}
					lbls := "-"
					if len(m.Split) > 0 {
						lbls = "`" + strings.Join(m.Labels(), "`, `") + "` (from " + strings.Join(m.Split, ", ") + ")"
					}
					agg := m.Aggregation
					switch m.Source {
					case "":
					case cloudtype.SourceNSGFlowLogs:
						agg = "flow tuples counted"
					default:
						agg = "state at the pull"
					}
					fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s | %s | %s |\n", m.Series, m.Name, agg, grain, m.Unit, lbls)
				}
				b.WriteString("\n")
			}
			if tpl := byKey[ty.Template]; tpl != nil {
				rb, _, _ := builtinRunbook(tpl.Builtin)
				fmt.Fprintf(&b, "Template `%s` — %s / %s. %s Runbook: \"%s\".\n\n", tpl.Name, tpl.Title.En, tpl.Title.Ja, tpl.Description, rb.Title)
				itemTable(&b, tpl)
			}
		}
	}
	return b.String()
}

func TestDocCloudTemplates(t *testing.T) {
	const begin, end = "<!-- cloud-templates: generated by go test ./internal/monitoring -update -->\n", "<!-- /cloud-templates -->"
	checkGenerated(t, "../../docs/cloud-templates.md", begin, end, cloudDoc(t))
}

// TestSyncBuiltinRunbooks checks that every cloud template's items point at
// its runbook, a global runbook in both languages, and that a second start
// keeps the runbook's ID and puts the code's text back.
func TestSyncBuiltinRunbooks(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	if err := s.SyncBuiltins(ctx); err != nil {
		t.Fatal(err)
	}
	tpls, err := s.Templates(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for _, tpl := range tpls {
		if _, cloud := cloudTypeOf(tpl.Builtin); !cloud {
			continue
		}
		var id int64
		var tenant *string
		var title, body string
		if err := s.db.QueryRowContext(ctx, `SELECT id, tenant_id, title, body FROM runbooks WHERE builtin=?`, tpl.Builtin).Scan(&id, &tenant, &title, &body); err != nil {
			t.Fatalf("%s: runbook: %v", tpl.Builtin, err)
		}
		if tenant != nil || !strings.Contains(body, "## 日本語") || !strings.Contains(body, "## English") || title == "" {
			t.Errorf("%s: runbook %q of tenant %v is not a global runbook in both languages", tpl.Builtin, title, tenant)
		}
		for _, it := range tpl.Items {
			if it.RunbookID != id {
				t.Errorf("%s/%s: runbook_id %d, want %d", tpl.Builtin, it.Name, it.RunbookID, id)
			}
		}
		ids[tpl.Builtin] = id
	}
	if len(ids) == 0 {
		t.Fatal("no cloud template synced")
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE runbooks SET body='edited' WHERE builtin='azure-vpn-gateway'`); err != nil {
		t.Fatal(err)
	}
	if err := s.SyncBuiltins(ctx); err != nil {
		t.Fatal(err)
	}
	var id int64
	var body string
	if err := s.db.QueryRowContext(ctx, `SELECT id, body FROM runbooks WHERE builtin='azure-vpn-gateway'`).Scan(&id, &body); err != nil {
		t.Fatal(err)
	}
	if id != ids["azure-vpn-gateway"] || !strings.Contains(body, "connection_name") {
		t.Errorf("after a second sync: id %d (want %d), body %q", id, ids["azure-vpn-gateway"], body)
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM runbooks WHERE builtin IS NOT NULL`).Scan(&n); err != nil || n != len(ids) {
		t.Errorf("built-in runbooks after two syncs: %d (%v), want %d", n, err, len(ids))
	}
}

// TestCloudResourcesTakeTheirTemplate checks what discovery relies on: the
// selector cloud_type=<short> reaches a discovered load balancer or gateway
// (not a host), its items read its own series, and the item list
// (監視項目一覧) carries their rows with the runbook's title. A selector
// written for hosts still does not reach a resource typed in by hand.
func TestCloudResourcesTakeTheirTemplate(t *testing.T) {
	ctx := context.Background()
	d := newDesign(t)
	lb := addResource(t, d.s, "acme", "lb-web", "load_balancer", map[string]string{"cloud": "azure", "cloud_type": "lb", "os": "linux"})
	gw := addResource(t, d.s, "acme", "vpngw-hub", "network", map[string]string{"cloud": "azure", "cloud_type": "vpn_gateway"})
	d.assign(t, "acme", "azure-load-balancer", "cloud_type=lb", 0)
	d.assign(t, "acme", "azure-vpn-gateway", "cloud_type=vpn_gateway", 0)

	got := effective(t, d.s, "acme", lb.ID)
	if len(got) != 3+len(d.templates["linux-base"].Items) {
		// os=linux reaches it too: a discovered resource is matched like a host.
		t.Fatalf("lb-web: %d items", len(got))
	}
	if q := got["data-path"].Query; q != `azure_lb_data_path_availability_percent{host="lb-web"}` {
		t.Errorf("data-path query = %s", q)
	}
	if gwItems := effective(t, d.s, "acme", gw.ID); len(gwItems) != 3 || !strings.Contains(gwItems["tunnel-down"].Query, `connection_name`) {
		t.Errorf("vpngw-hub: %d items, tunnel-down %q", len(gwItems), gwItems["tunnel-down"].Query)
	}
	if got := effective(t, d.s, "acme", d.appsvc.ID); len(got) != 0 {
		t.Errorf("an app service typed in by hand took %d items from selectors", len(got))
	}
	if got := effective(t, d.s, "beta", d.beta1.ID); got["data-path"].Name != "" {
		t.Error("another tenant's host took acme's cloud assignment")
	}

	l, err := d.s.ItemList(ctx, "acme", LangJa, exportDay)
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, r := range l.Rows {
		if r.Host == "vpngw-hub" {
			rows = append(rows, r.Item+" | "+r.Critical+" | "+r.Runbook)
		}
	}
	want := []string{
		"VPN トンネル断 (接続毎) | < 1 | Azure VPN Gateway: 初動確認 / first checks",
		"BGP ピア状態 (ピア毎) | < 0.5 | Azure VPN Gateway: 初動確認 / first checks",
		"S2S 帯域使用量 (バイト/秒) | - | Azure VPN Gateway: 初動確認 / first checks",
	}
	if !slices.Equal(rows, want) {
		t.Errorf("item list rows of vpngw-hub:\n got %q\nwant %q", rows, want)
	}
}
