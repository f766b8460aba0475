package agentconfig

import (
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// TestBackupItem: a backup item takes one way to learn its result; bad
// ones are refused naming the field; a command from the server is refused
// while the same item in the local file runs.
func TestBackupItem(t *testing.T) {
	good := `host: h
items:
  - name: nightly
    kind: backup
    interval: 24h
    timeout: 2h
    backup:
      policy: shop-db
      command: [/usr/local/bin/backup-shop, --full]
      size_file: /backup/shop.sql
  - name: bacula
    kind: backup
    backup: {status_file: /var/lib/bacula/last, max_age: 26h}
`
	c, err := Parse([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if b := c.Items[0].Backup; b.Policy != "shop-db" || len(b.Command) != 2 {
		t.Fatalf("parsed %+v", b)
	}
	bad := func(backup, field string) {
		t.Helper()
		_, err := Parse([]byte("host: h\nitems:\n  - name: b\n    kind: backup\n" + backup))
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("%s: %v, want a refusal naming %s", backup, err, field)
		}
		if _, ok := invalid.As(err); !ok {
			t.Errorf("%s: %T is not an *invalid.Error", backup, err)
		}
	}
	bad("", "backup")
	bad("    backup: {command: [backup.sh]}\n", "backup.command")
	bad("    backup: {command: [/bin/b], status_file: /s}\n", "backup")
	bad("    backup: {log_file: /var/log/b.log}\n", "backup.ok_pattern")
	bad("    backup: {log_file: /var/log/b.log, ok_pattern: '('}\n", "backup.ok_pattern")
	bad("    backup: {status_file: relative}\n", "backup.status_file")
	bad("    backup: {command: [/bin/b], max_age: 1h}\n", "backup.max_age")
	bad("    url: http://x\n    backup: {status_file: /s}\n", "url")

	remote, _ := DecodeJSON([]byte(`{"items":[{"name":"evil","kind":"backup","backup":{"command":["/bin/rm","-rf","/"]}}]}`))
	local, _ := Parse([]byte("host: h\n"))
	if _, err := Merge(local, remote); err == nil || !strings.Contains(err.Error(), "backup.command") {
		t.Errorf("a command from the server: %v, want it refused", err)
	}
	remote, _ = DecodeJSON([]byte(`{"items":[{"name":"st","kind":"backup","backup":{"status_file":"/var/lib/b/status"}}]}`))
	if _, err := Merge(local, remote); err != nil {
		t.Errorf("a status file item from the server: %v", err)
	}
}
