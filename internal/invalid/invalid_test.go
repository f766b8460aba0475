package invalid

import (
	"fmt"
	"testing"
)

func TestPrefix(t *testing.T) {
	f := func(parent string, err error, want string) {
		t.Helper()
		got := Prefix(parent, err)
		if got == nil || got.Error() != want {
			t.Fatalf("Prefix(%q, %v) = %v, want %q", parent, err, got, want)
		}
	}
	f("calendar", New("hours[0].start", "must be HH:MM"), "calendar.hours[0].start: must be HH:MM")
	f("hours", New("[2]", "overlaps"), "hours[2]: overlaps")
	f("name", New("", "is required"), "name: is required")
	f("x", fmt.Errorf("plain"), "plain")
	if Prefix("x", nil) != nil {
		t.Fatal("Prefix of nil must be nil")
	}
}

func TestAsThroughWrap(t *testing.T) {
	err := fmt.Errorf("decode: %w", New("labels", "too many: %d", 70))
	e, ok := As(err)
	if !ok || e.Field != "labels" || e.Reason != "too many: 70" {
		t.Fatalf("As = %+v, %v", e, ok)
	}
}
