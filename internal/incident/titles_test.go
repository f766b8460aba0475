package incident

import (
	"context"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/alert"
)

// TestAlertTitleInTheReadersLanguage: an incident a backup alert of a
// Japanese customer opens takes the Japanese title as its short
// description (what ServiceNow and the customer get), and shows an English
// reader the English one: on the incident, its alert and its timeline,
// until a person writes another title, which every reader then sees.
func TestAlertTitleInTheReadersLanguage(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	open := OpenFromAlerts(fx.s)
	tr := alert.Transition{Tenant: "acme", AlertID: 7, Fingerprint: "backup:policy/1/job_failed", Severity: alert.SeverityCritical,
		Title: alert.Text{Ja: "バックアップ失敗: shop-db", En: "Backup failed: shop-db"}, Status: alert.StateFiring, StartsAt: fx.clock.now()}
	if err := open(ctx, tr); err != nil {
		t.Fatal(err)
	}
	tr.Status = alert.StateResolved
	if err := open(ctx, tr); err != nil {
		t.Fatal(err)
	}
	list, err := fx.s.Incidents(ctx, "acme", Filter{})
	if err != nil || len(list) != 1 {
		t.Fatalf("incidents: %d, %v", len(list), err)
	}
	inc, err := fx.s.Incident(ctx, "acme", list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if inc.ShortDescription != "バックアップ失敗: shop-db" {
		t.Errorf("short description %q, want the tenant's language", inc.ShortDescription)
	}
	for lang, want := range map[string]string{"ja": "バックアップ失敗: shop-db", "en": "Backup failed: shop-db"} {
		if got := inc.Title(lang); got != want {
			t.Errorf("title in %s = %q, want %q", lang, got, want)
		}
		if len(inc.Alerts) != 1 || inc.Alerts[0].TitleIn(lang) != want {
			t.Errorf("alert link in %s: %+v", lang, inc.Alerts)
		}
		tl, err := fx.s.Timeline(ctx, "acme", inc.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		var texts []string
		for _, e := range tl {
			if e.Kind == EntryOpened || e.Kind == EntryAlert {
				texts = append(texts, e.Text(lang))
			}
		}
		if len(texts) != 3 || !strings.HasSuffix(texts[0], inc.Number+": "+want) {
			t.Errorf("timeline in %s: %q, want opened, firing and resolved of %q", lang, texts, want)
		}
		for _, s := range texts {
			if !strings.Contains(s, want) {
				t.Errorf("timeline in %s: %q lacks %q", lang, s, want)
			}
		}
	}
	// An operator links another alert by hand: the line says so in each language.
	if _, err := fx.s.LinkAlert(ctx, "acme", inc.ID, "user:operator", AlertEvent{AlertID: "8", Fingerprint: "backup:policy/1/rpo_exceeded",
		Severity: "critical", Title: "バックアップRPO超過: shop-db", Titles: alert.Text{Ja: "バックアップRPO超過: shop-db", En: "Backup RPO exceeded: shop-db"},
		Status: "firing", At: fx.clock.now()}); err != nil {
		t.Fatal(err)
	}
	tl, err := fx.s.Timeline(ctx, "acme", inc.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	last := tl[len(tl)-1]
	if got := last.Text("ja"); got != "アラートを紐付け: バックアップRPO超過: shop-db" {
		t.Errorf("the linked alert's line in Japanese = %q", got)
	}
	if got := last.Text("en"); got != "Alert linked: Backup RPO exceeded: shop-db" {
		t.Errorf("the linked alert's line in English = %q", got)
	}
	short := "shop-db のバックアップ領域不足"
	if inc, err = fx.s.Update(ctx, "acme", inc.ID, "user:operator", Fields{ShortDescription: &short}); err != nil {
		t.Fatal(err)
	}
	if inc.Title("en") != short || inc.Title("ja") != short {
		t.Errorf("a title a person wrote: %q / %q, want %q in both", inc.Title("ja"), inc.Title("en"), short)
	}
}
