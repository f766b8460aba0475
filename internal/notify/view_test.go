package notify_test

import (
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/notify"
	"github.com/unyo-ops/unyo/internal/notify/notifytest"
)

func TestTextGolden(t *testing.T) {
	for _, s := range notifytest.Samples() {
		t.Run(s.Name, func(t *testing.T) {
			v, err := notify.Render(s.Message)
			if err != nil {
				t.Fatal(err)
			}
			notifytest.Golden(t, "text/"+s.Name+".txt", []byte(v.Text()))
		})
	}
}

func TestRenderTimesInMessageZone(t *testing.T) {
	m := notifytest.AlertFiringJa()
	m.EndsAt = m.StartsAt.Add(26*time.Hour + 5*time.Minute)
	v, err := notify.Render(m)
	if err != nil {
		t.Fatal(err)
	}
	text := v.Text()
	for _, want := range []string{"発生日時: 2026-11-22 09:15 JST", "終了日時: 2026-11-23 11:20 JST", "継続時間: 1日2時間5分"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	m.Language, m.EndsAt = notify.English, m.StartsAt.Add(42*time.Second)
	v, _ = notify.Render(m)
	if !strings.Contains(v.Text(), "Duration: 42s") {
		t.Errorf("short duration:\n%s", v.Text())
	}
}

func TestRenderRefusesInvalid(t *testing.T) {
	m := notifytest.AlertFiringJa()
	m.Title = ""
	if _, err := notify.Render(m); err == nil {
		t.Fatal("Render accepted a message without a title")
	}
}

func TestTruncate(t *testing.T) {
	f := func(s string, n int, want string) {
		t.Helper()
		if got := notify.Truncate(s, n); got != want {
			t.Fatalf("Truncate(%q, %d) = %q, want %q", s, n, got, want)
		}
	}
	f("abc", 3, "abc")
	f("abcd", 3, "ab…")
	f("日本語テキスト", 4, "日本語…")
	f("abc", 0, "")
	f("abc", 1, "…")
}
