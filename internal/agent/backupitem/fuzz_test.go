package backupitem

import (
	"testing"
	"unicode/utf8"
)

// FuzzParseStatus: any status file content reads as one of the three
// statuses, a non-negative size and a valid message, without panicking.
func FuzzParseStatus(f *testing.F) {
	for _, s := range []string{"", "OK", "status=failed\nsize=42\nmessage=tape full", "# comment\nstarted=1700000000\nfinished=2026-01-02T03:04:05Z", "\xff\xfe=\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		st, size, msg, _, _ := ParseStatus(in)
		if st != StatusOK && st != StatusFailed && st != StatusPartial {
			t.Fatalf("status %q", st)
		}
		if size < 0 || !utf8.ValidString(msg) || len(msg) > 1000 {
			t.Fatalf("size %d message %q", size, msg)
		}
	})
}
