package agentconfig

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
)

func TestLoadExample(t *testing.T) {
	c, err := Load(filepath.Join("testdata", "agent.yml"))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if c.Host != "web-01" || c.Interval.D() != 30*time.Second || c.Buffer.MaxBytes != 128<<20 {
		t.Fatalf("top level = %+v", c)
	}
	if len(c.Items) != 8 {
		t.Fatalf("items = %d, want 8", len(c.Items))
	}
	byName := map[string]Item{}
	for _, it := range c.Items {
		byName[it.Name] = it
	}
	if it := byName["os"]; it.Interval.D() != 30*time.Second || it.Timeout.D() != 10*time.Second {
		t.Errorf("os item defaults = %v/%v, want 30s/10s", it.Interval, it.Timeout)
	}
	if it := byName["shop-home"]; it.Method != "GET" || it.Interval.D() != time.Minute || it.TLSDays != 21 {
		t.Errorf("http item = %+v", it)
	}
	if p := byName["app-log"].Patterns[1]; p.Name != "WARN" {
		t.Errorf("pattern name default = %q, want the regex", p.Name)
	}
}

func TestDefaults(t *testing.T) {
	c, err := Parse([]byte("items:\n  - {name: os, kind: os, interval: 5s}\n"))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	host, _ := os.Hostname()
	if c.Host != host || c.Interval.D() != DefaultInterval || c.Buffer.MaxBytes != DefaultBufferMaxBytes || c.Buffer.Dir == "" {
		t.Fatalf("defaults = %+v", c)
	}
	// The timeout never exceeds the interval, so runs of one item never overlap.
	if c.Items[0].Timeout.D() != 5*time.Second {
		t.Fatalf("timeout = %v, want 5s", c.Items[0].Timeout)
	}
}

func TestParseRefuses(t *testing.T) {
	f := func(yml string, want ...string) {
		t.Helper()
		_, err := Parse([]byte("host: h\n" + yml))
		if err == nil {
			t.Fatalf("Parse(%q) succeeded, want %q", yml, want)
		}
		if _, ok := invalid.As(err); !ok {
			t.Fatalf("Parse(%q) = %T %v, want *invalid.Error", yml, err, err)
		}
		got := err.Error()
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Fatalf("Parse(%q) = %q\nwant it to contain %q", yml, got, w)
			}
		}
		if n := strings.Count(got, "\n") + 1; n != len(want) {
			t.Fatalf("Parse(%q) reported %d problems, want %d:\n%s", yml, n, len(want), got)
		}
	}
	f("items:\n  - {name: nginx-up, kind: foo}\n", `items[0] (nginx-up).kind: unknown kind "foo"`)
	f("items:\n  - {name: p, kind: process, pattern: '(['}\n", "items[0] (p).pattern: bad regexp")
	f("items:\n  - {name: p, kind: process}\n", "items[0] (p).pattern: is required")
	f("items:\n  - {name: w, kind: http, url: 'ftp://x'}\n", "items[0] (w).url: URL \"ftp://x\" must start with http")
	f("items:\n  - {name: w, kind: http, url: 'http://x', tls_days: 10}\n", "items[0] (w).tls_days: needs an https:// url")
	f("items:\n  - {name: w, kind: http, url: 'http://x', body_match: '*'}\n", "items[0] (w).body_match: bad regexp")
	f("items:\n  - {name: w, kind: http, url: 'http://x', method: DELETE, expect_status: 42}\n",
		"items[0] (w).method: must be GET", "items[0] (w).expect_status: must be from 100 to 599")
	f("items:\n  - {name: t, kind: tcp, address: db}\n", `items[0] (t).address: "db" is not host:port`)
	f("items:\n  - {name: t, kind: tcp, address: 'db:0'}\n", "items[0] (t).address: \"db:0\": port must be")
	f("items:\n  - {name: d, kind: dns}\n", "items[0] (d).query: is required")
	f("items:\n  - {name: d, kind: dns, query: x, server: 'a:b:c'}\n", "items[0] (d).server:")
	f("items:\n  - {name: s, kind: service, service: --now}\n", "items[0] (s).service: must not start with '-'")
	f("items:\n  - {name: e, kind: exporter}\n", "items[0] (e).url: is required")
	f("items:\n  - {name: l, kind: log, glob: '/var/log/[a.log'}\n",
		"items[0] (l).glob: bad pattern", "items[0] (l).patterns: at least one is required")
	f("items:\n  - {name: l, kind: log, glob: /x, patterns: [{regex: '(', severity: fatal}]}\n",
		"items[0] (l).patterns[0].regex: bad regexp", `items[0] (l).patterns[0].severity: must be one of critical, warning, info, got "fatal"`)
	f("items:\n  - {name: t, kind: tcp, address: 'db:1', url: 'http://x'}\n", `items[0] (t).url: does not apply to kind "tcp"`)
	f("items:\n  - {kind: os}\n  - {name: a, kind: os}\n  - {name: a, kind: os}\n",
		"items[0] ().name: is required", "items[2] (a).name: duplicate of items[1]")
	f("items:\n  - {name: a, kind: os, interval: 10s, timeout: 20s}\n", "items[0] (a).timeout: 20s is longer than the interval 10s")
	f("interval: 100ms\n", "interval: must be at least 1s")
	f("interval: soon\n", "invalid duration \"soon\"")
	f("labels: {host: x, 9a: y}\n", "labels.9a: invalid label name", "labels.host: is set by the agent")
	f("server: unyo.example.com\n", "server: URL \"unyo.example.com\" must start with http")
	f("buffer: {dir: /b, max_bytes: 10}\n", "buffer.max_bytes: must be at least 1MiB")
	f("itmes: []\n", "field itmes not found")
}

func TestEveryBadItemReported(t *testing.T) {
	c := &Config{Host: "h", Items: []Item{
		{Name: "ok", Kind: KindOS},
		{Name: "bad1", Kind: "nope"},
		{Name: "ok2", Kind: KindTCP, Address: "a:1"},
		{Name: "bad2", Kind: KindDNS},
	}}
	c.SetDefaults()
	err := c.Validate()
	want := "items[1] (bad1).kind: unknown kind \"nope\"\nitems[3] (bad2).query: is required"
	if err == nil || err.Error() != want {
		t.Fatalf("Validate = %v\nwant %s", err, want)
	}
}

func TestMerge(t *testing.T) {
	local, err := Parse([]byte("host: h\nbuffer: {dir: /b}\nserver: https://s\ntoken: t\nlabels: {env: prod}\n" +
		"items:\n  - {name: os, kind: os}\n"))
	if err != nil {
		t.Fatal(err)
	}
	remote, err := DecodeJSON([]byte(`{"server": "https://evil", "token": "x", "interval": "1m",
		"labels": {"env": "dev", "customer": "acme"}, "future_field": 1,
		"items": [{"name": "web", "kind": "http", "url": "https://shop/", "interval": 30}]}`))
	if err != nil {
		t.Fatal(err)
	}
	m, err := Merge(local, remote)
	if err != nil {
		t.Fatalf("Merge: %v", err)
	}
	if m.Server != "https://s" || m.Token != "t" {
		t.Errorf("server/token = %q/%q, want the local ones", m.Server, m.Token)
	}
	if m.Labels["env"] != "prod" || m.Labels["customer"] != "acme" {
		t.Errorf("labels = %v", m.Labels)
	}
	if len(m.Items) != 2 || m.Items[0].Interval.D() != 15*time.Second || m.Items[1].Interval.D() != 30*time.Second {
		t.Errorf("items = %+v", m.Items)
	}
	if local.Labels["customer"] != "" || len(local.Items) != 1 {
		t.Errorf("Merge changed the local configuration: %+v", local)
	}

	remote.Items = append(remote.Items, Item{Name: "os", Kind: KindOS})
	if _, err := Merge(local, remote); err == nil || !strings.Contains(err.Error(), "items[2] (os).name: duplicate of items[0]") {
		t.Fatalf("Merge with a clashing name = %v", err)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	c, err := Load(filepath.Join("testdata", "agent.yml"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	back, err := DecodeJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := back.Validate(); err != nil {
		t.Fatalf("round trip no longer valid: %v\n%s", err, data)
	}
	if back.Items[3].Timeout != c.Items[3].Timeout || back.Buffer.MaxBytes != c.Buffer.MaxBytes {
		t.Fatalf("round trip changed values:\n%s", data)
	}
}

func TestByteSize(t *testing.T) {
	f := func(in string, want ByteSize) {
		t.Helper()
		got, err := parseByteSize(in)
		if err != nil || got != want {
			t.Fatalf("parseByteSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	f("1048576", 1<<20)
	f("64MiB", 64<<20)
	f("2 GB", 2e9)
	f("512KiB", 512<<10)
	for _, bad := range []string{"", "-1", "1TiB", "x", "99999999999999GiB"} {
		if _, err := parseByteSize(bad); err == nil {
			t.Errorf("parseByteSize(%q) succeeded", bad)
		}
	}
}
