package console

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/monitoring"
)

// TestItemFormsOfEveryKind: the kinds once "edited through the API" have
// their fields in the one item form. An operator adds a Zabbix item, an
// SNMP v2c item whose community is never shown back (only "set", and an
// edit that leaves it empty keeps it), an SNMP v3 item refused beside the
// password that is too short, a backup item and an OS item; each is
// stored as the API would store it.
func TestItemFormsOfEveryKind(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	op := e.login("operator")
	host := e.resourceID("acme", "acme-web-01")
	from := fmt.Sprintf("/tenants/acme/monitoring/items/new?resource_id=%d", host)
	_, page, _ := op.get(from)
	for _, want := range []string{`id="kind-zabbix"`, `<label for="item-zabbix-key">`, `id="kind-snmp"`, `<label for="item-snmp-community">`,
		`id="kind-backup"`, `<label for="item-backup-status_file">`, `id="kind-os-note"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the item form lacks %q", want)
		}
	}
	if strings.Contains(page, "edited through the API") || strings.Contains(page, "API で編集") {
		t.Error("the item form still sends some kinds to the API")
	}
	stored := func(name string) *monitoring.Item {
		t.Helper()
		list, _ := e.design.Items(ctx, "acme", monitoring.ItemFilter{ResourceID: host})
		for _, it := range list {
			if it.Name == name {
				return it
			}
		}
		t.Fatalf("no item %s stored", name)
		return nil
	}
	post := func(path string, v url.Values) (int, string) {
		t.Helper()
		if path == "" {
			path = "/tenants/acme/monitoring/items"
			v.Set("resource_id", fmt.Sprint(host))
		}
		code, page, _ := op.postForm(from, path, v)
		return code, page
	}

	// Zabbix: an active-only key is refused beside the key, then a passive one.
	zbx := url.Values{"name": {"root_fs"}, "kind": {"zabbix"}, "zabbix.address": {"${host}:10050"}, "zabbix.key": {"log[/var/log/messages]"}, "interval": {"5m"}}
	if code, page := post("", zbx); code != http.StatusBadRequest || !strings.Contains(fieldError(page, "zabbix.key"), "active check") {
		t.Errorf("an active-only zabbix key = %d, beside the key %q", code, fieldError(page, "zabbix.key"))
	}
	zbx.Set("zabbix.key", "vfs.fs.size[/,pused]")
	zbx.Set("zabbix.tls_connect", "cert")
	if code, page := post("", zbx); code != http.StatusSeeOther {
		t.Fatalf("zabbix item = %d %s", code, refusedText(page))
	}
	if z := stored("root_fs"); z.Zabbix == nil || z.Zabbix.Key != "vfs.fs.size[/,pused]" || !z.Zabbix.TLS || z.Interval.Std().String() != "5m0s" {
		t.Errorf("the zabbix item stored = %+v", z.Zabbix)
	}

	// Zabbix over TLS-PSK: a key that is no hex is refused beside the key;
	// the key is sealed, never shown back, and kept by an edit that leaves
	// it empty.
	const key = "1f87b595725ac58dd977beef14b97461a7c1045b9a1c963065002c5473194952"
	zp := url.Values{"name": {"cpu_psk"}, "kind": {"zabbix"}, "zabbix.address": {"${host}:10050"}, "zabbix.key": {"system.cpu.util"},
		"zabbix.tls_connect": {"psk"}, "zabbix.tls_psk_identity": {"unyo-poller"}, "zabbix.tls_psk": {"not-hex"}}
	if code, page := post("", zp); code != http.StatusBadRequest || fieldError(page, "zabbix.tls_psk") == "" || strings.Contains(page, "not-hex") {
		t.Errorf("a PSK that is no hex = %d, beside it %q (the key must not be shown back)", code, fieldError(page, "zabbix.tls_psk"))
	}
	zp.Set("zabbix.tls_psk", key)
	if code, page := post("", zp); code != http.StatusSeeOther {
		t.Fatalf("zabbix PSK item = %d %s", code, refusedText(page))
	}
	zi := stored("cpu_psk")
	if zi.Zabbix.TLSConnect != "psk" || zi.Zabbix.PSKIdentity != "unyo-poller" || !zi.Zabbix.PSKSet() || zi.Zabbix.PSK != "" {
		t.Fatalf("the PSK item stored = %+v", zi.Zabbix)
	}
	zedit := fmt.Sprintf("/tenants/acme/monitoring/items/%d", zi.ID)
	if _, page, _ := op.get(zedit); strings.Contains(page, key) || !strings.Contains(page, `data-secret="zabbix.tls_psk">設定済み`) {
		t.Error("the edit form shows the PSK, or not that it is set")
	}
	zp.Set("zabbix.tls_psk", "")
	zp.Set("zabbix.key", "system.cpu.util[,idle]")
	if code, page := post(zedit, zp); code != http.StatusSeeOther {
		t.Fatalf("zabbix PSK edit = %d %s", code, refusedText(page))
	}
	zt, err := e.design.ZabbixTargets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var polled bool
	for _, tg := range zt {
		if want, _ := hex.DecodeString(key); tg.PSK != nil && tg.PSK.Identity == "unyo-poller" && bytes.Equal(tg.PSK.Secret, want) {
			polled = true
		}
	}
	if !polled {
		t.Errorf("the poller's targets after an edit without the key = %+v; want the stored PSK kept", zt)
	}

	// SNMP v2c: the community is required, sealed, never shown back.
	sw := url.Values{"name": {"core_switch"}, "kind": {"snmp"}, "snmp.address": {"10.0.0.2"}, "snmp.version": {"2c"}, "snmp.interfaces": {"1"},
		"snmp.get": {"1.3.6.1.4.1.9.9.109.1.1.1.1.8.1 cisco_cpu_5m"}}
	if code, page := post("", sw); code != http.StatusBadRequest || fieldError(page, "snmp.community") == "" {
		t.Errorf("v2c without a community = %d, beside it %q", code, fieldError(page, "snmp.community"))
	}
	sw.Set("snmp.community", "n0t-public")
	if code, page := post("", sw); code != http.StatusSeeOther {
		t.Fatalf("snmp item = %d %s", code, refusedText(page))
	}
	it := stored("core_switch")
	if it.SNMP == nil || !it.SNMP.Interfaces || len(it.SNMP.Get) != 1 || it.SNMP.Get[0].Series != "cisco_cpu_5m" || !it.SNMP.SecretSet("community") {
		t.Fatalf("the snmp item stored = %+v", it.SNMP)
	}
	edit := fmt.Sprintf("/tenants/acme/monitoring/items/%d", it.ID)
	_, page, _ = op.get(edit)
	if strings.Contains(page, "n0t-public") || !strings.Contains(page, `data-secret="snmp.community">設定済み`) {
		t.Error("the edit form shows the community, or not that it is set")
	}
	// An edit that leaves the community empty keeps it: the item still polls.
	sw.Set("snmp.community", "")
	sw.Set("snmp.get", "1.3.6.1.4.1.9.9.109.1.1.1.1.8.1 cisco_cpu_5m\n1.3.6.1.2.1.2.2.1.10.1 if1_in_octets_total counter")
	if code, page := post(edit, sw); code != http.StatusSeeOther {
		t.Fatalf("snmp edit = %d %s", code, refusedText(page))
	}
	targets, err := e.design.SNMPTargets(ctx)
	if err != nil || len(targets) != 1 || targets[0].Community != "n0t-public" || len(targets[0].Get) != 2 || targets[0].Get[1].Type != "counter" {
		t.Errorf("the poller's targets after the edit = %+v, %v; want the community kept and two OIDs", targets, err)
	}
	// A line that is not "OID series" is refused by its line.
	sw.Set("snmp.walk", "1.3.6.1.2.1.25")
	if code, page := post(edit, sw); code != http.StatusBadRequest || !strings.Contains(fieldError(page, "snmp.walk"), "snmp.walk[0]") {
		t.Errorf("a walk line without a series = %d, beside it %q", code, fieldError(page, "snmp.walk"))
	}

	// SNMP v3: a password shorter than net-snmp takes, refused beside it.
	v3 := url.Values{"name": {"ups"}, "kind": {"snmp"}, "snmp.address": {"${label.snmp_address}"}, "snmp.version": {"3"}, "snmp.user": {"monitor"},
		"snmp.auth_protocol": {"SHA256"}, "snmp.auth_password": {"short"}, "snmp.community": {"ignored-for-v3"}, "snmp.get": {"1.3.6.1.2.1.33.1.2.4.0 ups_charge_percent"}}
	if code, page := post("", v3); code != http.StatusBadRequest || !strings.Contains(fieldError(page, "snmp.auth_password"), "8") {
		t.Errorf("a short v3 password = %d, beside it %q", code, fieldError(page, "snmp.auth_password"))
	}
	v3.Set("snmp.auth_password", "long-enough-pass")
	if code, page := post("", v3); code != http.StatusSeeOther {
		t.Fatalf("snmp v3 item = %d %s", code, refusedText(page))
	}
	if u := stored("ups"); u.SNMP.User != "monitor" || !u.SNMP.SecretSet("auth_password") || u.SNMP.SecretSet("community") {
		t.Errorf("the v3 item stored = %+v", u.SNMP)
	}

	// Backup: a status file and its age, with a severity.
	bk := url.Values{"name": {"nightly"}, "kind": {"backup"}, "backup.status_file": {"/var/lib/backup/last.json"}, "backup.max_age": {"a day"}, "severity": {"critical"}}
	if code, page := post("", bk); code != http.StatusBadRequest || fieldError(page, "backup.max_age") == "" {
		t.Errorf("an age that is no duration = %d", code)
	}
	bk.Set("backup.max_age", "26h")
	if code, page := post("", bk); code != http.StatusSeeOther {
		t.Fatalf("backup item = %d %s", code, refusedText(page))
	}
	if b := stored("nightly"); b.Backup.StatusFile != "/var/lib/backup/last.json" || b.Backup.MaxAge.Std().Hours() != 26 {
		t.Errorf("the backup item stored = %+v", b.Backup)
	}

	// OS: collect only; a severity is refused beside the severity.
	os := url.Values{"name": {"os"}, "kind": {"os"}, "severity": {"warning"}}
	if code, page := post("", os); code != http.StatusBadRequest || fieldError(page, "severity") == "" {
		t.Errorf("an os item with a severity = %d", code)
	}
	os.Set("severity", "")
	if code, page := post("", os); code != http.StatusSeeOther {
		t.Fatalf("os item = %d %s", code, refusedText(page))
	}
	if o := stored("os"); o.Kind != monitoring.KindOS {
		t.Errorf("the os item stored = %+v", o)
	}
}
