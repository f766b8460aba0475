package winevent

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func readSample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseSamples(t *testing.T) {
	f := func(file string, want Event, wantData int, wantText string) {
		t.Helper()
		got, err := Parse(readSample(t, file))
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if len(got.Data) != wantData {
			t.Fatalf("%s: %d data values, want %d", file, len(got.Data), wantData)
		}
		if !equalEvent(got, want) {
			t.Fatalf("%s:\n got %+v\nwant %+v", file, got, want)
		}
		if text := got.Text(); !strings.HasPrefix(text, wantText) {
			t.Fatalf("%s: Text() = %q, want prefix %q", file, text, wantText)
		}
	}
	f("application_error_1000.xml", Event{
		Provider: "Application Error", EventID: 1000, Level: LevelError,
		Time:     time.Date(2025, 3, 31, 23, 14, 7, 615234600, time.UTC),
		RecordID: 48213, Channel: "Application", Computer: "WEB01.contoso.local",
	}, 15, "Application Error 1000 Error: w3wp.exe 10.0.17763.1 cfdb13d8 KERNELBASE.dll")
	f("scm_7036.xml", Event{
		Provider: "Service Control Manager", EventID: 7036, Qualifiers: 16384, Level: LevelInformation,
		Time:     time.Date(2025, 4, 1, 0, 2, 11, 33105200, time.UTC),
		RecordID: 91877, Channel: "System", Computer: "WEB01.contoso.local",
		Message: "The Windows Update service entered the stopped state.",
	}, 2, "Service Control Manager 7036 Information: The Windows Update service entered the stopped state.")
	f("kernel_power_41.xml", Event{
		Provider: "Microsoft-Windows-Kernel-Power", EventID: 41, Level: LevelCritical,
		Time:     time.Date(2025, 3, 30, 18, 45, 2, 500000000, time.UTC),
		RecordID: 90112, Channel: "System", Computer: "DB01",
	}, 5, "Microsoft-Windows-Kernel-Power 41 Critical: BugcheckCode=0 BugcheckParameter1=0x0")
	f("user_profiles_1530.xml", Event{
		Provider: "Microsoft-Windows-User Profiles Service", EventID: 1530, Level: LevelWarning,
		Time:     time.Date(2025, 4, 1, 2, 0, 14, 912000000, time.UTC),
		RecordID: 48390, Channel: "Application", Computer: "APP02.contoso.local",
	}, 1, `Microsoft-Windows-User Profiles Service 1530 Warning: Detail=1 user registry handles leaked`)
}

// equalEvent compares all but Data, which is checked on its own.
func equalEvent(a, b Event) bool {
	return a.Provider == b.Provider && a.EventID == b.EventID && a.Qualifiers == b.Qualifiers &&
		a.Level == b.Level && a.Time.Equal(b.Time) && a.RecordID == b.RecordID &&
		a.Channel == b.Channel && a.Computer == b.Computer && a.Message == b.Message
}

func TestParseData(t *testing.T) {
	e, err := Parse(readSample(t, "scm_7036.xml"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Data{{Name: "param1", Value: "Windows Update"}, {Name: "param2", Value: "stopped"}}
	if len(e.Data) != 2 || e.Data[0] != want[0] || e.Data[1] != want[1] {
		t.Fatalf("Data = %+v, want %+v", e.Data, want)
	}
}

func TestParseRefuses(t *testing.T) {
	f := func(in, wantErr string) {
		t.Helper()
		_, err := Parse([]byte(in))
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("Parse(%q) error = %v, want it to mention %q", in, err, wantErr)
		}
	}
	f(``, "EOF")
	f(`<Other/>`, "expected element type <Event>")
	f(`<Event><System><EventID>seventy</EventID></System></Event>`, "EventID")
	f(`<Event><System><EventID>70000000000</EventID></System></Event>`, "EventID")
	f(`<Event><System><Level>300</Level></System></Event>`, "Level")
	f(`<Event><System><TimeCreated SystemTime='yesterday'/></System></Event>`, "TimeCreated")
	f(`<?xml version="1.0" encoding="latin-1"?><Event/>`, "charset")
}

func TestLevelString(t *testing.T) {
	f := func(l Level, want string) {
		t.Helper()
		if got := l.String(); got != want {
			t.Fatalf("Level(%d) = %q, want %q", l, got, want)
		}
	}
	f(0, "LogAlways")
	f(1, "Critical")
	f(2, "Error")
	f(3, "Warning")
	f(4, "Information")
	f(5, "Verbose")
	f(16, "Level16")
}

// FuzzParse checks that no input panics the parser and that what it
// accepts renders to text.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"application_error_1000.xml", "scm_7036.xml", "kernel_power_41.xml", "user_profiles_1530.xml"} {
		f.Add(readSample(f, name))
	}
	f.Add([]byte(`<Event><System><EventID Qualifiers='1'>1</EventID></System></Event>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := Parse(b)
		if err != nil {
			return
		}
		_ = e.Text()
		_ = e.Level.String()
	})
}
