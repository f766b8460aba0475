package cloudtype

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/model"
)

var snake = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// TestCatalogueRules holds every entry to the naming rule the pollers,
// discovery and templates rely on: a short name and a series name written
// once, in snake case, <provider>_<short>_..., and a known resource kind.
func TestCatalogueRules(t *testing.T) {
	shorts, names, series, templates := map[string]bool{}, map[string]bool{}, map[string]string{}, map[string]bool{}
	aggs := map[Provider][]string{
		Azure: {"Average", "Total", "Maximum", "Minimum", "Count"},
		AWS:   {"Average", "Sum", "Maximum", "Minimum", "SampleCount"},
	}
	units := []string{"percent", "count", "ratio", "bytes", "bytes_per_second", "bits_per_second", "seconds", "milliseconds"}
	for _, ty := range Types {
		id := string(ty.Provider) + ":" + ty.Name
		if !snake.MatchString(ty.Short) || shorts[ty.Short] {
			t.Errorf("%s: short %q is not snake case or not unique", id, ty.Short)
		}
		shorts[ty.Short] = true
		if key := string(ty.Provider) + ":" + strings.ToLower(ty.Name); names[key] {
			t.Errorf("%s: listed twice", id)
		} else {
			names[key] = true
		}
		if !slices.Contains(model.ResourceKinds, ty.Kind) {
			t.Errorf("%s: kind %q is not a resource kind", id, ty.Kind)
		}
		if ty.Namespace == "" || ty.Provider == AWS && ty.Dimension == "" {
			t.Errorf("%s: the namespace (and for AWS the dimension) is required", id)
		}
		if (ty.Template == "") != (len(ty.Metrics) == 0) {
			t.Errorf("%s: a type with metrics has a template, one without has none (template %q, %d metrics)", id, ty.Template, len(ty.Metrics))
		}
		if ty.Template != "" {
			if templates[ty.Template] || !strings.HasPrefix(ty.Template, string(ty.Provider)+"-") {
				t.Errorf("%s: template %q is shared or not named %s-...", id, ty.Template, ty.Provider)
			}
			templates[ty.Template] = true
		}
		prefix := string(ty.Provider) + "_" + ty.Short + "_"
		for _, m := range ty.Metrics {
			if !snake.MatchString(m.Series) || !strings.HasPrefix(m.Series, prefix) {
				t.Errorf("%s/%s: series %q must be snake case and start with %s", id, m.Name, m.Series, prefix)
			}
			if other, dup := series[m.Series]; dup {
				t.Errorf("%s/%s: series %q is also %s's", id, m.Name, m.Series, other)
			}
			series[m.Series] = id
			if m.Source != "" {
				if (m.Source != SourceAVDSessionHosts && m.Source != SourceNSGFlowLogs) || m.Aggregation != "" || ty.Provider != Azure {
					t.Errorf("%s/%s: source %q is unknown, or has an aggregation", id, m.Name, m.Source)
				}
			} else if !slices.Contains(aggs[ty.Provider], m.Aggregation) {
				t.Errorf("%s/%s: aggregation %q is not one of %v", id, m.Name, m.Aggregation, aggs[ty.Provider])
			}
			if !slices.Contains(units, m.Unit) {
				t.Errorf("%s/%s: unit %q is not one of %v", id, m.Name, m.Unit, units)
			}
			if m.Grain != 0 && m.Grain%time.Minute != 0 {
				t.Errorf("%s/%s: grain %v is not whole minutes", id, m.Name, m.Grain)
			}
			for _, l := range m.Labels() {
				if !snake.MatchString(l) || l == "host" || l == "tenant" {
					t.Errorf("%s/%s: split label %q is not snake case or is reserved", id, m.Name, l)
				}
			}
		}
	}
}

func TestLabelName(t *testing.T) {
	f := func(dim, want string) {
		t.Helper()
		if got := LabelName(dim); got != want {
			t.Errorf("LabelName(%q) = %q, want %q", dim, got, want)
		}
	}
	f("ConnectionName", "connection_name")
	f("BgpPeerAddress", "bgp_peer_address")
	f("VMName", "vm_name")
	f("availabilityResult/name", "availability_result_name")
	f("HttpStatusGroup", "http_status_group")
	f("TunnelIpAddress", "tunnel_ip_address")
	f("StatusCode", "status_code")
	f("Instance", "instance")
	f("cloud/roleName", "cloud_role_name")
}

func TestLookupAndBySeries(t *testing.T) {
	ty, ok := Lookup(Azure, "microsoft.network/VIRTUALNETWORKGATEWAYS")
	if !ok || ty.Short != "vpn_gateway" {
		t.Fatalf("Lookup vpn gateway: %+v %v", ty, ok)
	}
	if _, ok := Lookup(AWS, "Microsoft.Network/loadBalancers"); ok {
		t.Error("an Azure type found under AWS")
	}
	ty, m, ok := BySeries("azure_vpn_gateway_tunnel_ingress_bytes")
	if !ok || ty.Short != "vpn_gateway" || m.Name != "TunnelIngressBytes" || !slices.Equal(m.Labels(), []string{"connection_name"}) {
		t.Fatalf("BySeries: %+v %+v %v", ty, m, ok)
	}
	if _, _, ok := BySeries("node_load5"); ok {
		t.Error("an agent series found in the catalogue")
	}
}
