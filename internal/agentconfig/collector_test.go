package agentconfig

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// TestCollectorSection reads the collector section of an agent's file and
// refuses a bad name or address with the field; the server cannot set it.
func TestCollectorSection(t *testing.T) {
	c, err := Parse([]byte("host: gw-01\nbuffer: {dir: /tmp/x}\ncollector:\n  name: osaka-dc\n  listen: 0.0.0.0:9201\n"))
	if err != nil || c.Collector != (Collector{Name: "osaka-dc", Listen: "0.0.0.0:9201"}) {
		t.Fatalf("Parse = %+v, %v", c, err)
	}
	f := func(section, field string) {
		t.Helper()
		_, err := Parse([]byte("host: gw-01\nbuffer: {dir: /tmp/x}\ncollector:\n" + section))
		ie, ok := invalid.As(err)
		if !ok || ie.Field != field {
			t.Errorf("%q: %v, want a problem of %s", section, err, field)
		}
	}
	f("  name: osaka dc\n", "collector.name")
	f("  name: -x\n", "collector.name")
	f("  name: osaka\n  listen: 9201\n", "collector.listen")
	f("  listen: 0.0.0.0:9201\n", "collector.name")
	f("  name: osaka\n  zabbix_tls: {cert: /etc/c.pem, key: /etc/k.pem}\n", "collector.zabbix_tls")
	f("  zabbix_tls: {cert: /etc/c.pem, key: /etc/k.pem, ca: /etc/ca.pem}\n", "collector.name")
	f("  name: osaka\n  trap_listen: 162\n", "collector.trap_listen")
	f("  trap_listen: 0.0.0.0:162\n", "collector.name")
	for _, ok := range []string{"  name: osaka\n  listen: off\n", "  name: osaka\n", "  name: a.b_c-1\n  listen: '[::1]:9201'\n", "  name: osaka\n  trap_listen: 0.0.0.0:162\n"} {
		if _, err := Parse([]byte("host: gw-01\nbuffer: {dir: /tmp/x}\ncollector:\n" + ok)); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	remote, err := DecodeJSON([]byte(`{"collector":{"name":"evil","listen":"0.0.0.0:1"}}`))
	if err != nil || remote.Collector.Name != "" {
		t.Errorf("a configuration from the server set the collector: %+v %v", remote.Collector, err)
	}
	if strings.Contains(mustJSON(t, c), "osaka") {
		t.Errorf("the collector section is in the JSON form: %s", mustJSON(t, c))
	}
}

func mustJSON(t *testing.T, c *Config) string {
	t.Helper()
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
