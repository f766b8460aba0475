//go:build unix

package datadir

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestPrepare starts from umask 0 and a data directory left 0755 with a
// world-readable file: after Prepare the directory is 0700, the old file
// 0600, and files and directories created afterwards are private too; the
// change is logged.
func TestPrepare(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "unyo.db"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	if err := Prepare(dir, slog.New(slog.NewTextHandler(&log, nil))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "later"), []byte("x"), 0o666); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "tsdb", "wal"), 0o777); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{
		"": 0o700, "unyo.db": 0o600, "later": 0o600, "tsdb": 0o700, "tsdb/wal": 0o700,
	} {
		info, err := os.Stat(filepath.Join(dir, path))
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Mode().Perm(); got != want {
			t.Errorf("%q: mode %v, want %v", path, got, want)
		}
	}
	if !strings.Contains(log.String(), "data directory was open to other accounts") {
		t.Errorf("no warning logged: %s", log.String())
	}
}

func TestCheckKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(path, []byte("k"), 0o600); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&log, nil))
	CheckKeyFile(path, logger)
	if log.Len() != 0 {
		t.Errorf("a 0600 key file is warned of: %s", log.String())
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	CheckKeyFile(path, logger)
	if !strings.Contains(log.String(), "secret key file is readable by group or others") || strings.Contains(log.String(), "=k") {
		t.Errorf("a 0644 key file: %s", log.String())
	}
}
