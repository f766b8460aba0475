package notify_test

import (
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/notify"
	"github.com/unyo-ops/unyo/internal/notify/notifytest"
)

func TestValidate(t *testing.T) {
	f := func(edit func(*notify.Message), field string) {
		t.Helper()
		m := notifytest.AlertFiringJa()
		edit(&m)
		err := m.Validate()
		if field == "" {
			if err != nil {
				t.Fatalf("Validate() = %v, want nil", err)
			}
			return
		}
		e, ok := invalid.As(err)
		if !ok || e.Field != field {
			t.Fatalf("Validate() = %v, want *invalid.Error for %q", err, field)
		}
	}
	f(func(*notify.Message) {}, "")
	f(func(m *notify.Message) { m.Language, m.TimeZone = "", "" }, "")
	f(func(m *notify.Message) { m.Kind = "page" }, "kind")
	f(func(m *notify.Message) { m.Status = notify.StatusBreach }, "status")
	f(func(m *notify.Message) { m.Kind = notify.KindSLA }, "status")
	f(func(m *notify.Message) { m.Severity = "high" }, "severity")
	f(func(m *notify.Message) { m.Title = "" }, "title")
	f(func(m *notify.Message) { m.IdempotencyKey = "" }, "idempotency_key")
	f(func(m *notify.Message) { m.IdempotencyKey = "a\r\nX-Evil: 1" }, "idempotency_key")
	f(func(m *notify.Message) { m.IdempotencyKey = strings.Repeat("k", 201) }, "idempotency_key")
	f(func(m *notify.Message) { m.StartsAt = time.Time{} }, "starts_at")
	f(func(m *notify.Message) { m.Language = "fr" }, "language")
	f(func(m *notify.Message) { m.TimeZone = "Mars/Olympus" }, "time_zone")
	f(func(m *notify.Message) { m.URL = "javascript:alert(1)" }, "url")
	f(func(m *notify.Message) { m.URL = "/alerts/1" }, "url")
	f(func(m *notify.Message) { m.URL = "" }, "")
	f(func(m *notify.Message) { m.Runbooks[0].URL = "file:///etc/passwd" }, "runbooks[0].url")
	f(func(m *notify.Message) { m.Runbooks[0].Title = "" }, "runbooks[0].title")
}

func TestSamplesAreValid(t *testing.T) {
	for _, s := range notifytest.Samples() {
		if err := s.Message.Validate(); err != nil {
			t.Errorf("%s: %v", s.Name, err)
		}
	}
}
