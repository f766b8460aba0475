package backup

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/monitoring"
)

// TestItemListHasBackupRows: the monitoring item list (監視項目一覧) lists
// every backup policy's checks, one row each with its threshold and
// severity, in the list's language only, and no other tenant's.
func TestItemListHasBackupRows(t *testing.T) {
	fx := newFixture(t)
	fx.createPolicy(t, "acme", "shop-db", "1h")
	code, out := fx.do(t, "POST", "/api/v1/tenants/acme/backups/policies", "acme:read,write",
		strings.Replace(fx.policyBody("acme", "files", ""), `"rpo":""`, `"rpo":"","restore_plan":"quarterly"`, 1))
	if code != 201 {
		t.Fatal(out)
	}
	fx.createPolicy(t, "beta", "beta-secret-db", "")
	design := monitoring.NewStore(fx.store.db, fx.st)
	design.AddRows(fx.store)
	list := func(lang string) (*monitoring.ItemList, string) {
		l, err := design.ItemList(t.Context(), "acme", lang, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := l.WriteCSV(&b); err != nil {
			t.Fatal(err)
		}
		return l, b.String()
	}
	ja, jaCSV := list("ja")
	if len(ja.Rows) != 11 { // five checks of shop-db, six of files (its restore plan)
		t.Fatalf("%d rows, want 11: %+v", len(ja.Rows), ja.Rows)
	}
	first := ja.Rows[0]
	if first.No != 1 || first.Host != "acme-db1" || first.Target != "PostgreSQL shop" || first.Kind != "バックアップ" ||
		first.Item != "files: バックアップRPO超過" || first.Critical != "最新の正常な復旧点が 4時間 より古い" || first.Severity != "重大" ||
		first.Runbook != "https://wiki.example/restore-shop-db" || first.SLR != "RPO 4時間 / RTO 8時間" || !first.FirstOfHost {
		t.Errorf("first row: %+v", first)
	}
	for _, want := range []string{"shop-db: バックアップRPO超過", "最新の正常な復旧点が 1時間 より古い", "0 2 * * * の実行が猶予 1時間 内に開始されない",
		"正常ジョブのサイズが直近の中央値の 50% 未満または 200% 超", "files: リカバリ訓練期限超過", "リカバリ訓練（quarterly）が予定から猶予 168時間 を過ぎても未実施"} {
		if !strings.Contains(jaCSV, want) {
			t.Errorf("Japanese CSV lacks %q", want)
		}
	}
	_, enCSV := list("en")
	for _, want := range []string{"shop-db: Backup RPO exceeded", "newest good point older than 1h", "files: Restore test overdue", "Warning", "Critical"} {
		if !strings.Contains(enCSV, want) {
			t.Errorf("English CSV lacks %q", want)
		}
	}
	for _, bad := range []string{"バックアップ", "時間", "重大", "beta-secret-db"} {
		if strings.Contains(enCSV, bad) {
			t.Errorf("English CSV holds %q", bad)
		}
	}
	if strings.Contains(jaCSV, "beta-secret-db") || strings.Contains(jaCSV, "Backup") {
		t.Errorf("Japanese CSV holds another tenant's policy or English")
	}
}
