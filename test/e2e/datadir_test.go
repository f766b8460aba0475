package e2e

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/notify/webhook/webhooktest"
)

// TestDataDirPrivate starts the server with umask 0 on a data directory
// that already exists with mode 0755 and holds a world-readable file: once
// it serves (database, WAL, key, TSDB, the self agent's buffer all made),
// the directory is 0700, nothing in it is open to group or others, and the
// server warned of what it found.
func TestDataDirPrivate(t *testing.T) {
	old := syscall.Umask(0) // inherited by the server
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("left by an admin"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, dir, "--monitor-self=true")
	s.tenantWithTokens("acme") // writes to the database and its WAL
	eventually(t, 30*time.Second, func() string {
		if _, err := os.Stat(filepath.Join(dir, "agent")); err != nil {
			return "the self agent's buffer is not made yet"
		}
		return ""
	})
	seen := map[string]bool{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return nil // a TSDB or SQLite file gone meanwhile
		}
		rel, _ := filepath.Rel(dir, path)
		seen[rel] = true
		want := os.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if got := info.Mode().Perm(); got&0o077 != 0 || (rel != "notes.txt" && got != want) {
			t.Errorf("%s: mode %v, want %v", rel, got, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	made := []string{".", "secret.key", "tsdb", "tsdb/wal", "agent"}
	if dbtest.Dialect() == database.SQLite { // on PostgreSQL the state is in the database server
		made = append(made, "unyo.db", "unyo.db-wal", "unyo.db-shm")
	}
	for _, want := range made {
		if !seen[want] {
			t.Errorf("%s was not made; seen %v", want, seen)
		}
	}
	if !strings.Contains(s.stderr.String(), "data directory was open to other accounts") {
		t.Errorf("no warning of the open data directory:\n%s", s.stderr)
	}
}

// TestSecretKeyFromFile keeps the sealing key outside the data directory
// (--secret-key-file): no key is made in the data directory, a channel's
// stored secret still signs after a restart with the same file, a key file
// readable by others is warned of, and another key opens nothing.
func TestSecretKeyFromFile(t *testing.T) {
	dir, keys := t.TempDir(), t.TempDir()
	keyFile := filepath.Join(keys, "unyo.key")
	writeKey := func(path string, mode os.FileMode) {
		k := make([]byte, 32)
		rand.Read(k)
		if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(k)+"\n"), mode); err != nil {
			t.Fatal(err)
		}
	}
	writeKey(keyFile, 0o600)
	s := startServer(t, dir, "--secret-key-file", keyFile)
	s.tenantWithTokens("acme")
	hookSrv := webhooktest.NewServer(t)
	var hook e2eChannel
	base := "/api/v1/tenants/acme"
	s.mustJSON(201, "POST", base+"/channels", "", map[string]any{"name": "ops-hook", "type": "webhook",
		"config": map[string]string{"url": hookSrv.WebhookURL(), "secret": webhooktest.Secret}}, &hook)
	if _, err := os.Stat(filepath.Join(dir, "secret.key")); !os.IsNotExist(err) {
		t.Errorf("a key was made in the data directory though --secret-key-file was given: %v", err)
	}
	if strings.Contains(s.stderr.String(), "secret key file is readable") {
		t.Errorf("a 0600 key file was warned of:\n%s", s.stderr)
	}
	if err := s.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("stop: %v\n%s", err, s.stderr)
	}

	os.Chmod(keyFile, 0o644)
	s = startServer(t, dir, "--secret-key-file", keyFile)
	s.mustJSON(200, "POST", fmt.Sprintf("%s/channels/%d/test", base, hook.ID), "", nil, nil)
	if _, err := hookSrv.WaitFor(1, 10*time.Second); err != nil || len(hookSrv.Rejections()) != 0 {
		t.Fatalf("after restart with the same key file: %v, rejections %v", err, hookSrv.Rejections())
	}
	if !strings.Contains(s.stderr.String(), "secret key file is readable by group or others") {
		t.Errorf("a 0644 key file was not warned of:\n%s", s.stderr)
	}
	if err := s.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("stop: %v\n%s", err, s.stderr)
	}

	other := filepath.Join(keys, "other.key")
	writeKey(other, 0o600)
	s = startServer(t, dir, "--secret-key-file", other)
	if code, body := s.call("POST", fmt.Sprintf("%s/channels/%d/test", base, hook.ID), "", nil); code == 200 {
		t.Errorf("another key opened the stored secret: %d %s", code, body)
	}
	if n := len(hookSrv.Messages()); n != 1 {
		t.Errorf("webhook fake got %d messages, want only the one sent with the right key", n)
	}
}
