package agentcli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/unyo-ops/unyo/internal/agentconfig"
)

// TestStoredEnrollmentIsUsed: the token an enrollment stored (0600, even
// over an older file with looser rights) is what the agent runs with when
// neither the file nor a flag gives one; a flag still wins.
func TestStoredEnrollmentIsUsed(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, credentialsFile+".tmp"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	path, err := saveCredentials(dir, credentials{Server: "https://unyo.example.com", Tenant: "acme", Host: "web-01", Token: "unyo_host"})
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file: %v %v, want 0600", st, err)
	}
	cfg, err := (&flags{bufferDir: dir}).load()
	if err == nil && (cfg.Server != "https://unyo.example.com" || cfg.Token != "unyo_host" || cfg.Host != "web-01") {
		t.Fatalf("loaded %+v", cfg)
	}
	if err != nil {
		t.Fatal(err)
	}
	cfg, err = (&flags{bufferDir: dir, token: "unyo_flag", host: "other"}).load()
	if err != nil || cfg.Token != "unyo_flag" || cfg.Host != "other" {
		t.Fatalf("flags over the enrollment: %+v %v", cfg, err)
	}
	// Without an enrollment nothing is invented.
	cfg = &agentconfig.Config{Buffer: agentconfig.Buffer{Dir: t.TempDir()}}
	if err := useEnrollment(cfg); err != nil || cfg.Token != "" {
		t.Fatalf("no enrollment: %+v %v", cfg, err)
	}
}
