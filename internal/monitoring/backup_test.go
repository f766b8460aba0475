package monitoring

import (
	"context"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/agentconfig"
	"github.com/unyo-ops/unyo/internal/invalid"
)

// TestBackupItems: a backup item reading a status file is sent to the
// host's agent; one without a file (the agent's own command) is not, yet
// both resolve to the series the server alerts on; bad ones are refused
// naming the field.
func TestBackupItems(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	host := addResource(t, s, "acme", "db-01", "host", nil)
	file := &Item{TenantID: "acme", ResourceID: host.ID, Name: "bacula", Kind: KindBackup, Severity: SeverityCritical,
		Backup: &Backup{Policy: "shop-db", StatusFile: "/var/lib/bacula/${host}.status", MaxAge: dur("26h")}}
	own := &Item{TenantID: "acme", ResourceID: host.ID, Name: "nightly", Kind: KindBackup, Severity: SeverityCritical,
		Backup: &Backup{Policy: "shop-db"}}
	for _, it := range []*Item{file, own} {
		if err := s.CreateItem(ctx, it); err != nil {
			t.Fatalf("%s: %v", it.Name, err)
		}
	}
	c, err := s.AgentConfig(ctx, "acme", "db-01")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Items) != 1 || c.Items[0].Kind != agentconfig.KindBackup || c.Items[0].Backup.StatusFile != "/var/lib/bacula/db-01.status" ||
		c.Items[0].Backup.Policy != "shop-db" || len(c.Items[0].Backup.Command) != 0 {
		t.Fatalf("agent items %+v: want only the status file item, placeholder filled", c.Items)
	}
	items, err := s.EffectiveItems(ctx, "acme", host.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range items {
		if want := `unyo_backup_success{host="db-01",item="` + r.Name + `"}`; r.Query != want || r.Problem != "" {
			t.Errorf("%s: query %q problem %q, want %s", r.Name, r.Query, r.Problem, want)
		}
	}

	bad := func(b *Backup, sev Severity, field string) {
		t.Helper()
		it := &Item{TenantID: "acme", ResourceID: host.ID, Name: "bad", Kind: KindBackup, Severity: sev, Backup: b}
		err := s.CreateItem(ctx, it)
		if e, ok := invalid.As(err); !ok || e.Field != field {
			t.Errorf("%+v: %v, want a refusal naming %s", b, err, field)
		}
	}
	bad(nil, SeverityCritical, "backup")
	bad(&Backup{}, "", "severity")
	bad(&Backup{MaxAge: dur("1h")}, SeverityCritical, "backup.status_file")
	bad(&Backup{LogFile: "/var/log/b.log"}, SeverityCritical, "backup.ok_pattern")
	bad(&Backup{StatusFile: "relative"}, SeverityCritical, "backup.status_file")
	if err := s.CreateItem(ctx, &Item{TenantID: "acme", ResourceID: host.ID, Name: "x", Kind: KindService, Severity: SeverityCritical,
		Service: &Service{Name: "sshd"}, Backup: &Backup{}}); err == nil || !strings.Contains(err.Error(), "backup") {
		t.Errorf("backup on a service item: %v", err)
	}
}
