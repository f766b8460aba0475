package blueprint

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the published schemas in docs/")

const templateDir = "../../examples/customer-template/unyo"

func TestTemplateValidates(t *testing.T) {
	d, err := Load(templateDir, Options{})
	if err != nil {
		t.Fatalf("the customer template does not validate:\n%v", err)
	}
	if d.Tenant != "acme-shop" || len(d.Services) != 1 || len(d.Resources) != 4 || len(d.Templates) != 2 ||
		len(d.Assignments) != 4 || len(d.Channels) != 2 || len(d.MaintenanceWindows) != 1 || len(d.Runbooks) != 1 {
		t.Fatalf("loaded %+v", d)
	}
	if !strings.Contains(d.Runbooks[0].Body, "acme-lb") || d.Runbooks[0].File != "" {
		t.Fatalf("runbook body not read from its file: %+v", d.Runbooks[0])
	}
	if d.Templates[1].Name != "linux-web" || len(d.Templates[1].Items) != 5 {
		t.Fatalf("shared template not included: %+v", d.Templates[1])
	}
	if got := d.Channels[0].Config["webhook_url"]; got != "${env:ACME_SLACK_WEBHOOK}" {
		t.Fatalf("offline, a secret reference stays as written: %v", got)
	}
}

func TestResolveSecrets(t *testing.T) {
	env := map[string]string{"ACME_SLACK_WEBHOOK": "https://hooks.slack.com/services/T0/B0/xyz", "AZURE_CLIENT_SECRET": "azure-secret"}
	d, err := Load(templateDir, Options{Resolve: func(kind, arg string) (string, error) {
		if v, ok := env[arg]; ok && kind == "env" {
			return v, nil
		}
		return "", errors.New("the environment variable is not set")
	}})
	var probs Problems
	if !errors.As(err, &probs) || len(probs) != 1 {
		t.Fatalf("want the one unset secret refused, got %v", err)
	}
	if got := probs[0].String(); got != "notify.yaml:16:17: channels[1].config.password: ${env:ACME_SMTP_PASSWORD}: the environment variable is not set" {
		t.Fatalf("got %q", got)
	}
	env["ACME_SMTP_PASSWORD"] = "s3cret"
	if d, err = Load(templateDir, Options{Resolve: func(kind, arg string) (string, error) { return env[arg], nil }}); err != nil {
		t.Fatal(err)
	}
	if d.Channels[0].Config["webhook_url"] != env["ACME_SLACK_WEBHOOK"] || d.Channels[1].Config["password"] != "s3cret" {
		t.Fatalf("secrets not resolved: %+v", d.Channels)
	}
}

// Every problem of a folder is reported at once, each with its file, line,
// column, field and reason.
func TestProblemsAllAtOnce(t *testing.T) {
	f := func(files map[string]string, want ...string) {
		t.Helper()
		in := map[string][]byte{}
		for k, v := range files {
			in[k] = []byte(v)
		}
		_, err := LoadFiles(in, Options{})
		var probs Problems
		if !errors.As(err, &probs) {
			t.Fatalf("want problems, got %v", err)
		}
		var got []string
		for _, p := range probs {
			got = append(got, p.String())
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	f(map[string]string{
		"a.yaml": "tenant: acme\nservices:\n  - name: shop\n    service_level:\n      availabilty_target: 99.9\n      rto: 4 hours\n",
		"b.yaml": "resources:\n  - name: web-01\n    kind: hots\n    service: shopp\n  - name: web-01\n    kind: host\n",
	},
		`a.yaml:5:7: services[0].service_level.availabilty_target: is not a field here (did you mean "availability_target"?)`,
		`a.yaml:6:12: services[0].service_level.rto: "4 hours" is not a duration such as 15m or 4h`,
	)
	// Once the files have the right shape, the objects' own rules and the
	// references between them are checked, again all together.
	f(map[string]string{
		"a.yaml": "tenant: acme\nservices:\n  - name: shop\n    service_level: {availability_target: 101}\n",
		"b.yaml": "resources:\n  - name: web-01\n    kind: hots\n    service: shopp\n  - name: web-01\n    kind: host\n",
		"c.yaml": "templates:\n  - name: t\n    items:\n      - {name: cpu, kind: metric, metric: {query: up}, threshold: {op: '>', warning: 80}, runbook: nope}\n",
	},
		`a.yaml:4:42: services[0].service_level.availability_target: must be a percentage between 0 and 100`,
		`b.yaml:3:11: resources[0].kind: must be one of [host app_service database web load_balancer network storage container other], not "hots"`,
		`b.yaml:4:14: resources[0].service: no service "shopp" in this design`,
		`b.yaml:5:11: resources[1].name: "web-01" is also resources[0] (b.yaml:2:5)`,
		`c.yaml:4:100: templates[0].items[0].runbook: no runbook "nope" in this design`,
	)
	f(map[string]string{"a.yaml": "tenant: acme\nservices: [\n"}, `a.yaml:2:1: not valid YAML: did not find expected node content`)
	f(map[string]string{"a.yaml": "services: []\n"}, `a.yaml:1:1: tenant: no file names the tenant (tenant: <id>)`)
}

func TestSecretInClearRefused(t *testing.T) {
	_, err := LoadFiles(map[string][]byte{"a.yaml": []byte("tenant: acme\nchannels:\n  - name: ops\n    type: slack\n    config:\n      webhook_url: https://hooks.slack.com/services/T0/B0/secret\n")}, Options{})
	want := "a.yaml:6:20: channels[0].config.webhook_url: is a secret: write it as ${env:NAME} or ${file:path}, never in the file"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
	if strings.Contains(err.Error(), "B0/secret") {
		t.Fatal("the refusal shows the secret")
	}
}

// Items' secrets (a Zabbix PSK, SNMP communities and pass phrases) are
// references in the files: in clear they are refused without being shown;
// as references they validate offline and resolve at plan time.
func TestItemSecretsAreReferences(t *testing.T) {
	const key = "1f87b595725ac58dd977beef14b97461"
	zbx := func(v string) string {
		return "tenant: acme\ntemplates:\n  - name: zbx\n    items:\n      - name: cpu\n        kind: zabbix\n        zabbix:\n          address: ${host}\n          key: system.cpu.util\n          tls_connect: psk\n          tls_psk_identity: unyo\n          tls_psk: " + v + "\n"
	}
	snmp := func(v string) string {
		return "tenant: acme\ntemplates:\n  - name: net\n    items:\n      - name: if\n        kind: snmp\n        snmp:\n          address: ${label.snmp_address}\n          version: \"3\"\n          user: mon\n          auth_protocol: SHA256\n          auth_password: " + v + "\n          interfaces: true\n"
	}
	f := func(y, want, secret string) {
		t.Helper()
		_, err := LoadFiles(map[string][]byte{"a.yaml": []byte(y)}, Options{})
		if err == nil || err.Error() != want {
			t.Fatalf("got %v\nwant %s", err, want)
		}
		if strings.Contains(err.Error(), secret) {
			t.Fatal("the refusal shows the secret")
		}
	}
	f(zbx(key), "a.yaml:12:20: templates[0].items[0].zabbix.tls_psk: is a secret: write it as ${env:NAME} or ${file:path}, never in the file", key)
	f(snmp("auth-pass-phrase"), "a.yaml:12:26: templates[0].items[0].snmp.auth_password: is a secret: write it as ${env:NAME} or ${file:path}, never in the file", "auth-pass-phrase")
	env := map[string]string{"ZBX_PSK": key, "SNMP_AUTH": "auth-pass-phrase"}
	resolve := Options{Resolve: func(kind, arg string) (string, error) { return env[arg], nil }}
	for _, y := range []string{zbx("${env:ZBX_PSK}"), snmp("${env:SNMP_AUTH}")} {
		if _, err := LoadFiles(map[string][]byte{"a.yaml": []byte(y)}, Options{}); err != nil {
			t.Fatalf("offline, a reference validates: %v", err)
		}
		d, err := LoadFiles(map[string][]byte{"a.yaml": []byte(y)}, resolve)
		if err != nil {
			t.Fatal(err)
		}
		it := d.Templates[0].Items[0]
		if (it.Zabbix != nil && it.Zabbix.PSK != key) || (it.SNMP != nil && it.SNMP.AuthPassword != "auth-pass-phrase") {
			t.Fatalf("not resolved: %+v", it)
		}
	}
	// A resolved pass phrase too short for SNMPv3 is refused like any.
	env["SNMP_AUTH"] = "short"
	_, err := LoadFiles(map[string][]byte{"a.yaml": []byte(snmp("${env:SNMP_AUTH}"))}, resolve)
	if err == nil || err.Error() != "a.yaml:12:26: templates[0].items[0].snmp.auth_password: must be at least 8 characters" {
		t.Fatalf("got %v", err)
	}
}

// The schema published in docs/ is the one the loader checks with.
func TestPublishedSchemas(t *testing.T) {
	f := func(name string, s *Schema) {
		t.Helper()
		b, err := json.MarshalIndent(s, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		b = append(b, '\n')
		path := filepath.Join("..", "..", "docs", name)
		if *update {
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("%s is not the loader's schema: run go test ./internal/blueprint -run TestPublishedSchemas -update", path)
		}
	}
	f("onboarding-schema.json", FileSchema())
	f("onboarding-template-schema.json", TemplateSchema())
}

// Aliases that contain themselves, and files that expand past the bound,
// are refused at their place rather than expanded.
func TestAliasBombs(t *testing.T) {
	_, err := LoadFiles(map[string][]byte{"f.yaml": []byte("tenant: x\nservices: &a [*a, *a]\n")}, Options{})
	if err == nil || !strings.Contains(err.Error(), "f.yaml:2:15: services[0]: the alias *a contains itself") {
		t.Fatalf("got %v", err)
	}
	bomb := "tenant: x\na: &a [x, x, x, x, x, x, x, x, x, x]\n"
	for i, prev := 'b', 'a'; i <= 'g'; i, prev = i+1, i {
		bomb += fmt.Sprintf("%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n", i, i, prev, prev, prev, prev, prev, prev, prev, prev, prev, prev)
	}
	_, err = LoadFiles(map[string][]byte{"f.yaml": []byte(bomb)}, Options{})
	if err == nil || !strings.Contains(err.Error(), "the file nests or repeats too much") {
		t.Fatalf("got %v", err)
	}
}
