package console

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/model"
)

func TestLanguageAndTimeZoneAreTheUsers(t *testing.T) {
	e := newEnv(t)
	_, hash := auth.NewToken()
	tok := &model.Token{Name: "ci", Scopes: []model.Scope{model.ScopeRead}, Hash: hash, Prefix: "unyo_x", CreatedBy: "test"}
	if err := e.store.CreateToken(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	created := tok.CreatedAt
	b := e.login("admin")
	_, body, _ := b.get("/settings/tokens")
	if !strings.Contains(body, "APIトークン") || !strings.Contains(body, created.In(mustZone("Asia/Tokyo")).Format("2006-01-02 15:04")+" JST") {
		t.Fatalf("default page is not Japanese in Asia/Tokyo time")
	}
	code, _, loc := b.postForm("/settings/tokens", "/preferences", url.Values{"language": {"en"}, "time_zone": {"UTC"}, "back": {"/settings/tokens"}})
	if code != http.StatusSeeOther || loc != "/settings/tokens" {
		t.Fatalf("preferences = %d to %q", code, loc)
	}
	_, body, _ = b.get("/settings/tokens")
	if !strings.Contains(body, `lang="en"`) || !strings.Contains(body, "API tokens") || !strings.Contains(body, created.UTC().Format("2006-01-02 15:04")+" UTC") {
		t.Errorf("after switching to English/UTC the page is not in English with UTC times")
	}
}

func TestPreferencesRefuseBadInput(t *testing.T) {
	e := newEnv(t)
	b := e.login("admin")
	code, body, _ := b.postForm("/board", "/preferences", url.Values{"time_zone": {"Mars/Olympus"}})
	if code != http.StatusBadRequest || !strings.Contains(body, "time_zone") {
		t.Errorf("bad time zone = %d, want 400 naming time_zone", code)
	}
	u, _ := e.store.UserByLogin(context.Background(), "admin")
	if u.TimeZone != "Asia/Tokyo" {
		t.Errorf("a refused time zone was stored: %q", u.TimeZone)
	}
}

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}
