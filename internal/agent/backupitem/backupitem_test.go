package backupitem

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/agentconfig"
)

func script(t *testing.T, body string) string {
	t.Helper()
	if _, err := exec.LookPath("sh"); err != nil {
		t.Fatal("the backup command tests need /bin/sh (Debian package dash)")
	}
	path := filepath.Join(t.TempDir(), "backup.sh")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestRunCommand: exit 0 is good with the size it printed; a failing
// command is failed with its exit code and output tail; a timeout kills
// the command and its children.
func TestRunCommand(t *testing.T) {
	ctx := context.Background()
	r := RunCommand(ctx, []string{script(t, "echo dumping\necho size=123456\n")}, "")
	if r.Status != StatusOK || r.ExitCode != 0 || r.SizeBytes != 123456 || !strings.Contains(r.Message, "dumping") || r.ID == "" {
		t.Errorf("good run %+v", r)
	}
	r = RunCommand(ctx, []string{script(t, "echo 'pg_dump: connection refused' >&2\nexit 3\n")}, "")
	if r.Status != StatusFailed || r.ExitCode != 3 || !strings.Contains(r.Message, "connection refused") {
		t.Errorf("failed run %+v", r)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a"), make([]byte, 1000), 0o600)
	os.WriteFile(filepath.Join(dir, "b"), make([]byte, 24), 0o600)
	if r = RunCommand(ctx, []string{script(t, "true\n")}, dir); r.SizeBytes != 1024 {
		t.Errorf("size of a directory %d, want 1024", r.SizeBytes)
	}
	marker := filepath.Join(t.TempDir(), "child-survived")
	tctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	r = RunCommand(tctx, []string{script(t, "(sleep 2; touch "+marker+") &\nsleep 30\n")}, "")
	if r.Status != StatusFailed || r.ExitCode != -1 || !strings.Contains(r.Message, "timed out") || time.Since(start) > 10*time.Second {
		t.Errorf("timed-out run %+v after %v", r, time.Since(start))
	}
	time.Sleep(2500 * time.Millisecond) // the child would have touched the marker by now
	if _, err := os.Stat(marker); err == nil {
		t.Error("a child of the timed-out command ran on")
	}
}

// TestStatusAndLogFiles: a status file's word or keys and its mtime are
// the result; an unchanged file is the same run (same ID); max_age makes
// an old good run stale; a log's newest matching line is the result.
func TestStatusAndLogFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "status")
	os.WriteFile(path, []byte("status=failed\nsize=42\nmessage=tape full\n"), 0o600)
	end := time.Now().Add(-time.Hour).Truncate(time.Second)
	os.Chtimes(path, end, end)
	r := ReadStatusFile(path)
	if r.Status != StatusFailed || r.SizeBytes != 42 || r.Message != "tape full" || !r.FinishedAt.Equal(end) {
		t.Errorf("status file %+v", r)
	}
	if again := ReadStatusFile(path); again.ID != r.ID {
		t.Errorf("the same file read twice: IDs %s and %s", r.ID, again.ID)
	}
	os.WriteFile(path, nil, 0o600)
	os.Chtimes(path, end, end)
	b := &agentconfig.Backup{StatusFile: path, MaxAge: agentconfig.Duration(30 * time.Minute)}
	if r := Check(context.Background(), b, time.Now()); r.Status != StatusOK || !r.Stale || r.Good() {
		t.Errorf("an hour-old touched file with max_age 30m: %+v, want ok but stale", r)
	}
	if r := ReadStatusFile(filepath.Join(dir, "missing")); r.Status != StatusFailed || r.ID != "" {
		t.Errorf("missing status file %+v: want failed, no run to report", r)
	}

	log := filepath.Join(dir, "bacula.log")
	os.WriteFile(log, []byte("06-Dec 02:00 Backup OK -- job shop\n06-Dec 12:00 unrelated\n07-Dec 02:00 Error: Backup Fatal Error of shop\n"), 0o600)
	r = ReadLog(log, `Backup OK`, `Fatal Error`)
	if r.Status != StatusFailed || !strings.Contains(r.Message, "07-Dec") {
		t.Errorf("log %+v: want the newest matching line, a failure", r)
	}
	os.WriteFile(log, []byte("07-Dec 02:00 Error: Backup Fatal Error of shop\n08-Dec 02:00 Backup OK -- job shop\n"), 0o600)
	if r2 := ReadLog(log, `Backup OK`, `Fatal Error`); r2.Status != StatusOK || r2.ID == r.ID {
		t.Errorf("log after a good run %+v", r2)
	}
}

func TestParseStatus(t *testing.T) {
	f := func(in string, want Status, size int64) {
		t.Helper()
		st, sz, _, _, _ := ParseStatus(in)
		if st != want || sz != size {
			t.Errorf("ParseStatus(%q) = %s %d, want %s %d", in, st, sz, want, size)
		}
	}
	f("", StatusOK, 0)
	f("OK\n", StatusOK, 0)
	f("SUCCESS: 12 files", StatusOK, 0)
	f("Failed\nbecause", StatusFailed, 0)
	f("warning", StatusPartial, 0)
	f("status=ok\nsize=99", StatusOK, 99)
	f("result=error\nsize=-5", StatusFailed, 0)
	f("¿qué?", StatusFailed, 0)
}
