package logwatch

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestAppendThenPoll(t *testing.T) {
	_, path := tempLog(t)
	write(t, path, "old ERROR before the agent\n")
	cfg := Config{Item: "web", Glob: path, Patterns: []Pattern{
		{Name: "fatal", Regexp: `FATAL`, Severity: SeverityCritical},
		{Name: "error", Regexp: `ERROR|FATAL`, Severity: SeverityWarning},
	}}
	clk := newClock()
	h := start(t, []Config{cfg}, "", WithClock(clk.now))
	h.expect() // existing content is skipped at first start
	write(t, path, "ok\nERROR disk full\r\nFATAL out of memory\nok again\n")
	h.expect("ERROR disk full", "FATAL out of memory")

	want := []Event{
		{Time: clk.now(), Source: path, Item: "web", Pattern: "error", Severity: SeverityWarning, Message: "ERROR disk full"},
		{Time: clk.now(), Source: path, Item: "web", Pattern: "fatal", Severity: SeverityCritical, Message: "FATAL out of memory"},
	}
	if !slices.Equal(h.events, want) {
		t.Fatalf("events = %+v\nwant %+v", h.events, want)
	}
	wantCounters := []Counter{
		{Item: "web", Pattern: "error", Severity: SeverityWarning, Value: 1},
		{Item: "web", Pattern: "fatal", Severity: SeverityCritical, Value: 1},
	}
	if got := h.w.Counters(); !slices.Equal(got, wantCounters) {
		t.Fatalf("Counters = %+v, want %+v", got, wantCounters)
	}
	wantLines := []LineCounter{{Item: "web", Path: path, Value: 4}}
	if got := h.w.LineCounters(); !slices.Equal(got, wantLines) {
		t.Fatalf("LineCounters = %+v, want %+v", got, wantLines)
	}
	h.expect() // nothing new, nothing again
}

func TestStartPosition(t *testing.T) {
	f := func(startAt StartPosition, existing string, want ...string) {
		t.Helper()
		_, path := tempLog(t)
		write(t, path, existing)
		cfg := anyLine(path)
		cfg.StartAt = startAt
		h := start(t, []Config{cfg}, "")
		h.expect()
		write(t, path, "L3\n")
		h.expect(want...)
	}
	f("", "L1\nL2\n", "L3")
	f(StartEnd, "L1\nL2\n", "L3")
	// The line being written at start belongs to what comes next.
	f(StartEnd, "L1\nL2 half", "L2 halfL3")

	_, path := tempLog(t)
	write(t, path, "L1\nL2\n")
	cfg := anyLine(path)
	cfg.StartAt = StartBeginning
	start(t, []Config{cfg}, "").expect("L1", "L2")
}

func TestLinesWrittenBeforeFirstPoll(t *testing.T) {
	_, path := tempLog(t)
	write(t, path, "L0 history\nL1 half")
	h := start(t, []Config{anyLine(path)}, "")
	// The start offsets were taken by New: this is after the start.
	write(t, path, " done\nL2\n")
	h.expect("L1 half done", "L2")
}

func TestGlobPicksUpNewFiles(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.log")
	write(t, a, "L0 existed\n")
	cfg := anyLine(filepath.Join(dir, "*.log"))
	cfg.Exclude = []string{"*.gz.log"}
	h := start(t, []Config{cfg}, "")
	h.expect()
	write(t, filepath.Join(dir, "b.log"), "L1\nL2\n") // created later: read from its start
	write(t, filepath.Join(dir, "b.gz.log"), "L9\n")  // excluded
	write(t, filepath.Join(dir, "c.txt"), "L9\n")     // not matched
	write(t, a, "L3\n")
	h.expect("L3", "L1", "L2") // files already open first, then new ones
	if err := os.Mkdir(filepath.Join(dir, "d.log"), 0o755); err != nil {
		t.Fatal(err)
	}
	h.expect() // a directory matching the glob is skipped
}

func TestPartialLine(t *testing.T) {
	_, path := tempLog(t)
	write(t, path, "")
	clk := newClock()
	cfg := anyLine(path)
	cfg.Patterns[0].Regexp = `.` // the flushed line's rest does not start with L
	cfg.FlushTimeout = 10 * time.Second
	h := start(t, []Config{cfg}, "", WithClock(clk.now))
	h.expect()

	write(t, path, "L1 st")
	h.expect()
	clk.advance(9 * time.Second)
	write(t, path, "ill")
	h.expect()
	clk.advance(9 * time.Second) // the wait counts from the last growth
	write(t, path, " going\nL2 ")
	h.expect("L1 still going")

	clk.advance(10 * time.Second)
	h.expect("L2 ") // flushed after the timeout
	write(t, path, "rest\n")
	h.expect("rest") // the flushed part is not emitted again
}

func TestPartialLineAcrossRestart(t *testing.T) {
	dir, path := tempLog(t)
	pos := filepath.Join(dir, "state", "positions.json")
	write(t, path, "")
	h := start(t, []Config{anyLine(path)}, pos)
	h.expect()
	write(t, path, "L1\nL2 par")
	h.expect("L1")
	h.close()

	write(t, path, "tial\n")
	h2 := start(t, []Config{anyLine(path)}, pos)
	h2.expect("L2 partial")
}

func TestLongLineIsCapped(t *testing.T) {
	_, path := tempLog(t)
	write(t, path, "")
	h := start(t, []Config{anyLine(path)}, "")
	h.expect()
	long := "L" + strings.Repeat("é", maxLineBytes) // 2-byte runes, cut must not split one
	write(t, path, long+"\nL2\n")
	got := h.poll()
	if len(got) != 2 || got[1] != "L2" {
		t.Fatalf("got %d events, last %q", len(got), got[len(got)-1])
	}
	if len(got[0]) > maxLineBytes || !strings.HasPrefix(long, got[0]) || len(got[0]) < maxLineBytes-2 {
		t.Fatalf("long line message has %d bytes, want a prefix of at most %d", len(got[0]), maxLineBytes)
	}
}

func TestReconfigureKeepsPositionsAndCounters(t *testing.T) {
	_, path := tempLog(t)
	write(t, path, "")
	h := start(t, []Config{anyLine(path)}, "")
	h.expect()
	write(t, path, "L1\nL2\n")
	h.expect("L1", "L2")

	cfg := anyLine(path)
	cfg.Patterns = append(cfg.Patterns, Pattern{Name: "x", Regexp: `^X`, Severity: SeverityCritical})
	other := anyLine(filepath.Join(filepath.Dir(path), "*.other"))
	other.Item = "other"
	if err := h.w.Reconfigure([]Config{cfg, other}); err != nil {
		t.Fatal(err)
	}
	write(t, path, "L3\nX4\n")
	h.expect("L3", "X4")
	want := []Counter{
		{Item: "app", Pattern: "any", Severity: SeverityInfo, Value: 3},
		{Item: "app", Pattern: "x", Severity: SeverityCritical, Value: 1},
		{Item: "other", Pattern: "any", Severity: SeverityInfo},
	}
	if got := h.w.Counters(); !slices.Equal(got, want) {
		t.Fatalf("Counters = %+v, want %+v", got, want)
	}

	if err := h.w.Reconfigure([]Config{other}); err != nil {
		t.Fatal(err)
	}
	if got := h.w.LineCounters(); len(got) != 0 {
		t.Fatalf("LineCounters after removing the item = %+v", got)
	}
}

func TestClosedWatcher(t *testing.T) {
	_, path := tempLog(t)
	h := start(t, []Config{anyLine(path)}, "")
	h.close()
	if err := h.w.Poll(t.Context()); err != ErrClosed {
		t.Fatalf("Poll after Close = %v, want ErrClosed", err)
	}
}

func TestFileUnreadableAtFirstStartStillStartsAtEnd(t *testing.T) {
	if asUnprivileged(t) {
		return
	}
	_, path := tempLog(t)
	write(t, path, "L0 history\n")
	if err := os.Chmod(path, 0); err != nil {
		t.Fatal(err)
	}
	h := start(t, []Config{anyLine(path)}, "")
	h.expect()
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	write(t, path, "L1\n")
	h.expect("L1") // not L0: the file was there at the first start
}

// TestAllowSkipsSymlinkOut: under a glob the allow function accepts, a
// symbolic link to a file outside it is not read, while a real file is.
func TestAllowSkipsSymlinkOut(t *testing.T) {
	dir, private := t.TempDir(), filepath.Join(t.TempDir(), "shadow")
	write(t, private, "")
	if err := os.Symlink(private, filepath.Join(dir, "link.log")); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "app.log"), "")
	allow := func(path string) bool { return filepath.Dir(path) == dir }
	h := start(t, []Config{anyLine(filepath.Join(dir, "*.log"))}, "", WithAllow(allow))
	h.expect()
	write(t, private, "L root:secret\n")
	write(t, filepath.Join(dir, "app.log"), "L app line\n")
	h.expect("L app line")
}

// asUnprivileged runs the calling test again as the user nobody when the tests
// run as root (as CI does), since root reads files whatever their mode. It
// reports true in the parent, which then has nothing left to do: the child's
// result is the test's.
func asUnprivileged(t *testing.T) bool {
	t.Helper()
	if os.Geteuid() != 0 {
		return false
	}
	// The test binary sits in a directory only root may enter: copy it out.
	dir, err := os.MkdirTemp("", "logwatch-nobody")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	bin, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "logwatch.test")
	if err := os.WriteFile(exe, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run", "^"+t.Name()+"$", "-test.count=1", "-test.v")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TMPDIR="+os.TempDir())
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("as nobody: %v\n%s", err, out)
	}
	return true
}
