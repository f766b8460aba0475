package blueprint

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"go.yaml.in/yaml/v3"
)

// FuzzLoad feeds the loader any file: it refuses with Problems, each at a
// line of the file, or loads a design; it never panics or hangs.
//
// The seeds are the template's objects one by one (a template's items
// one by one), each with its tenant, in flow style, lists cut to their
// first entry: the fuzzer minimises every input that finds new code
// for up to a minute, by removing bytes two at a time (quadratic in the
// input's length), and inputs grown from whole files (1.5 KB) kept both
// workers minimising and no fuzzing done for minutes on end.
func FuzzLoad(f *testing.F) {
	for _, seed := range templateSeeds(f) {
		f.Add(seed)
	}
	f.Add([]byte("tenant: a\nservices: [{name: x, service_level: {rto: 1h}}]\n"))
	f.Add([]byte("a: &a [*a, *a]\n"))
	f.Add([]byte("tenant: a\nx: &x {k: v}\nresources: [{name: r, kind: host, labels: *x}]\n"))
	f.Add([]byte("tenant: a\nchannels: [{name: c, type: slack, config: {webhook_url: '${env:}'}}]\n"))
	f.Add([]byte("tenant: a\ntenant_settings: {name: A, language: en, time_zone: UTC, networks: [10.0.0.0/8]}\n"))
	f.Add([]byte("tenant: a\nservicenow: {instance_url: 'https://a.service-now.com', auth: basic, username: u, password: '${env:P}'}\n"))
	f.Add([]byte("tenant: a\ntemplates: [{name: n, items: [{name: i, kind: snmp, snmp: {address: h, version: 2c, community: '${env:C}', interfaces: true}}]}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := LoadFiles(map[string][]byte{"f.yaml": data}, Options{})
		var probs Problems
		switch {
		case err == nil:
			if d == nil || d.Tenant == "" {
				t.Fatal("loaded without a tenant")
			}
		case errors.As(err, &probs):
			for _, p := range probs {
				if p.File != "f.yaml" && p.File != "design" || p.Line < 1 || p.Reason == "" {
					t.Fatalf("problem without a place or a reason: %+v", p)
				}
			}
		default:
			t.Fatalf("not a Problems error: %v", err)
		}
	})
}

// templateSeeds are the customer template's objects, one per seed: each
// list entry of each file as "tenant: acme-shop\nKIND: [ENTRY]", in flow
// style.
func templateSeeds(f *testing.F) [][]byte {
	paths, _ := filepath.Glob(filepath.Join(templateDir, "*.yaml"))
	var out [][]byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		var doc yaml.Node
		if err := yaml.Unmarshal(b, &doc); err != nil || len(doc.Content) == 0 {
			f.Fatalf("%s: %v", p, err)
		}
		top := doc.Content[0]
		for i := 0; i+1 < len(top.Content); i += 2 {
			key, list := top.Content[i], top.Content[i+1]
			if list.Kind != yaml.SequenceNode {
				continue
			}
			for _, entry := range list.Content {
				for _, e := range oneItemEach(entry) {
					seq := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle, Content: []*yaml.Node{e}}
					m := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
						{Kind: yaml.ScalarNode, Value: "tenant"}, {Kind: yaml.ScalarNode, Value: "acme-shop"}, key, seq}}
					flow(e)
					seed, err := yaml.Marshal(m)
					if err != nil {
						f.Fatal(err)
					}
					out = append(out, seed)
				}
			}
		}
	}
	return out
}

// oneItemEach splits a template into one template per item (the same
// template with that item alone); any other entry is itself.
func oneItemEach(e *yaml.Node) []*yaml.Node {
	for i := 0; e.Kind == yaml.MappingNode && i+1 < len(e.Content); i += 2 {
		if items := e.Content[i+1]; e.Content[i].Value == "items" && items.Kind == yaml.SequenceNode {
			var out []*yaml.Node
			for _, it := range items.Content {
				c := *e
				c.Content = append([]*yaml.Node(nil), e.Content...)
				c.Content[i+1] = &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{it}}
				out = append(out, &c)
			}
			return out
		}
	}
	return []*yaml.Node{e}
}

// flow writes n in flow style, without comments, each list but its first
// entry (a seed's size is what minimising costs).
func flow(n *yaml.Node) {
	n.HeadComment, n.LineComment, n.FootComment = "", "", ""
	if n.Kind == yaml.SequenceNode && len(n.Content) > 1 {
		n.Content = n.Content[:1]
	}
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		n.Style = yaml.FlowStyle
	}
	if n.Kind == yaml.ScalarNode && n.Style == yaml.LiteralStyle {
		n.Style = yaml.DoubleQuotedStyle
	}
	for _, c := range n.Content {
		flow(c)
	}
}
