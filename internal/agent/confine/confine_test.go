package confine

import (
	"errors"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/agent/config"
)

func TestCheck(t *testing.T) {
	p, err := Parse("/var/log/*.log, /srv/app/logs/app-*.log", "127.0.0.0/8,::1,10.1.2.0/24,DB1.example.com.")
	if err != nil {
		t.Fatal(err)
	}
	zero, _ := Parse("", "")
	f := func(p *Policy, it config.Item, field string) {
		t.Helper()
		err := p.Check(it)
		var r *Refusal
		switch {
		case field == "" && err != nil:
			t.Errorf("%+v refused: %v", it, err)
		case field != "" && (!errors.As(err, &r) || r.Field != field || !strings.Contains(r.Reason, "--self-")):
			t.Errorf("%+v: %v, want a refusal of %s", it, err, field)
		}
	}
	log := func(g string) config.Item { return config.Item{Name: "l", Kind: config.KindLog, Glob: g} }
	f(p, log("/var/log/syslog.log"), "")
	f(p, log("/var/log/*.log"), "")
	f(p, log("/var/log/nginx-*.log"), "")
	f(p, log("/srv/app/logs/app-web.log"), "")
	f(p, log("/etc/shadow"), "glob")
	f(p, log("/var/log/../../etc/shadow.log"), "glob")
	f(p, log("/var/log/*/x.log"), "glob")
	f(p, log("/var/log/*"), "glob")
	f(p, log("/var/log/*.lo?"), "glob")
	f(p, log("var/log/a.log"), "glob")
	f(zero, log("/var/log/syslog.log"), "glob")

	f(p, config.Item{Kind: config.KindHTTP, URL: "http://127.0.0.1:9100/metrics"}, "")
	f(p, config.Item{Kind: config.KindExporter, URL: "http://[::1]:9100/metrics"}, "")
	f(p, config.Item{Kind: config.KindHTTP, URL: "https://db1.example.com/health"}, "")
	f(p, config.Item{Kind: config.KindHTTP, URL: "http://169.254.169.254/latest/meta-data/"}, "url")
	f(p, config.Item{Kind: config.KindExporter, URL: "http://localhost:9100/metrics"}, "url")
	f(p, config.Item{Kind: config.KindHTTP, URL: "http://[::ffff:169.254.169.254]/"}, "url")
	f(p, config.Item{Kind: config.KindHTTP, URL: "http://[::ffff:127.0.0.1]/"}, "")
	f(p, config.Item{Kind: config.KindHTTP, URL: "file:///etc/shadow"}, "url")
	f(zero, config.Item{Kind: config.KindHTTP, URL: "http://127.0.0.1/"}, "url")
	f(p, config.Item{Kind: config.KindTCP, Address: "10.1.2.3:5432"}, "")
	f(p, config.Item{Kind: config.KindTCP, Address: "10.1.3.3:5432"}, "address")
	f(p, config.Item{Kind: config.KindDNS, Query: "db1.example.com"}, "")
	f(p, config.Item{Kind: config.KindDNS, Query: "intranet.corp"}, "query")
	f(p, config.Item{Kind: config.KindDNS, Query: "intranet.corp", Server: "10.1.2.53"}, "")
	f(p, config.Item{Kind: config.KindDNS, Query: "x", Server: "192.168.0.1:53"}, "server")
	for _, k := range []string{config.KindOS, config.KindProcess, config.KindService, config.KindEventLog} {
		f(zero, config.Item{Kind: k}, "")
	}
}

func TestParseRefusesBadFlags(t *testing.T) {
	for _, c := range [][2]string{{"var/log/*.log", ""}, {"/var/log/../x", ""}, {"/var/log/[", ""}, {"", "http://x/"}, {"", "10.0.0.0/33"}} {
		if _, err := Parse(c[0], c[1]); err == nil {
			t.Errorf("Parse(%q, %q) accepted", c[0], c[1])
		}
	}
}
