package console

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/blueprint"
	"github.com/unyo-ops/unyo/internal/channel"
	"github.com/unyo-ops/unyo/internal/oncall"
)

// The console's pages of contacts, on-call rotations, silences and the
// status page show what a design's apply made, as they show what was made
// in the console.
func TestPeopleFromDesignPages(t *testing.T) {
	var planner *blueprint.Planner
	var opts *Options
	e := newEnv(t, withChannels(t), withOps, withStatusPages, func(o *Options) {
		opts = o
		db := o.Store.DB()
		planner = blueprint.NewPlanner(db, designStores(t, o))
	})
	ctx := context.Background()
	start := time.Now().Add(-time.Hour).In(oncallTokyo(t)).Format("2006-01-02T15:04")
	d := blueprint.Design{Tenant: "acme",
		Channels: []blueprint.Channel{{Name: "mail", Type: "email", Config: map[string]any{"host": "smtp.example", "port": 587, "from": "unyo@example.com", "to": []any{"ops@example.com"}}}},
		Contacts: []blueprint.Contact{{Name: "yamada", Email: "yamada@example.com", Language: "ja", Via: "mail"}},
		OnCallRotations: []blueprint.Rotation{{Name: "acme-primary", TimeZone: "Asia/Tokyo",
			Layers: []oncall.Layer{{Name: "weekly", Members: []string{"yamada"}, Handoff: oncall.Weekly, Start: start}}}},
		Silences: []blueprint.Silence{{Comment: "ベンダー修正まで", Matchers: []alert.Matcher{{Name: "alertname", Op: "=", Value: "cart-errors"}},
			EndsAt: time.Now().Add(72 * time.Hour).Truncate(time.Second)}},
		StatusPage: &blueprint.StatusPage{Enabled: true, Slug: "acme-status", Title: "アクメ稼働状況"},
	}
	if _, err := planner.Apply(ctx, "acme", "token:ci", &blueprint.Request{Design: d}); err != nil {
		t.Fatal(err)
	}
	admin := e.login("admin")
	get := func(path string, want ...string) {
		t.Helper()
		code, body, _ := admin.get(path)
		for _, w := range want {
			if code != 200 || !strings.Contains(body, w) {
				t.Fatalf("%s = %d, want %q in:\n%.3000s", path, code, w, body)
			}
		}
	}
	contact, err := opts.Channels.(*channel.Store).ContactByName(ctx, "acme", "yamada")
	if err != nil {
		t.Fatal(err)
	}
	get("/tenants/acme/settings/notifications", `data-contact="yamada"`)
	get(fmt.Sprintf("/tenants/acme/settings/contacts/%d", contact.ID), "yamada@example.com")
	get("/tenants/acme/oncall", `data-rotation="acme-primary"`, `<span class="who">yamada</span>`)
	list, _ := opts.AlertDesk.(*alert.Engine).Silences(ctx, "acme")
	if len(list) != 1 {
		t.Fatalf("%d silences", len(list))
	}
	get("/tenants/acme/silences", fmt.Sprintf(`data-silence="%d" data-state="active"`, list[0].ID), "ベンダー修正まで")
	get("/tenants/acme/settings/status-page", `value="acme-status"`, "アクメ稼働状況")
}
