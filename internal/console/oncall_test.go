package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/oncall"
)

// TestOnCallPage: the MSP's operator sees who is on call now in each
// rotation and the week ahead, adds an override in the rotation's wall
// clock, and then sees the override's person on call; a bad range is
// refused naming the field, nothing stored; both languages.
func TestOnCallPage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	rot := &oncall.Rotation{Tenant: "acme", Name: "primary-ops", TimeZone: "Asia/Tokyo", Layers: []oncall.Layer{{
		Members: []string{"sato", "suzuki"}, Handoff: oncall.Weekly, Start: time.Now().Add(-24 * time.Hour).In(oncallTokyo(t)).Format("2006-01-02T15:04")}}}
	if err := e.oncall.Create(ctx, rot); err != nil {
		t.Fatal(err)
	}
	page := "/tenants/acme/oncall"
	admin := e.login("admin")
	code, body, _ := admin.get(page)
	if code != 200 || !strings.Contains(body, "のオンコール") || !strings.Contains(body, `data-rotation="primary-ops"`) ||
		!strings.Contains(body, `<span class="who">sato</span>`) {
		t.Fatalf("page = %d:\n%.3000s", code, body)
	}
	now := time.Now().In(oncallTokyo(t))
	form := url.Values{"contact": {"tanaka"}, "start": {now.Add(-time.Hour).Format("2006-01-02T15:04")}, "end": {now.Add(2 * time.Hour).Format("2006-01-02T15:04")}, "note": {"交代"}}
	action := fmt.Sprintf("%s/%d/overrides", page, rot.ID)
	if code, body, _ := admin.postForm(page, action, form); code != http.StatusSeeOther {
		t.Fatalf("add override = %d:\n%.2000s", code, body)
	}
	if _, body, _ = admin.get(page); !strings.Contains(body, `<span class="who">tanaka</span>`) || !strings.Contains(body, "交代") {
		t.Fatalf("after the override:\n%.3000s", body)
	}
	form.Set("end", form.Get("start"))
	if code, body, _ := admin.postForm(page, action, form); code != http.StatusBadRequest || !strings.Contains(body, "end") {
		t.Fatalf("empty range = %d:\n%.2000s", code, body)
	}
	if ov, _ := e.oncall.Overrides(ctx, "acme", rot.ID, time.Time{}); len(ov) != 1 {
		t.Fatalf("overrides stored: %+v", ov)
	}
	if code, _, _ := admin.postForm(page, "/preferences", url.Values{"language": {"en"}, "time_zone": {"UTC"}, "back": {page}}); code != http.StatusSeeOther {
		t.Fatalf("preferences = %d", code)
	}
	if _, body, _ = admin.get(page); !strings.Contains(body, "On call for") || !strings.Contains(body, "The next 7 days") {
		t.Fatalf("English page:\n%.2000s", body)
	}
}

func oncallTokyo(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
