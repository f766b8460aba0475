package agentcli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/facts"
	"github.com/unyo-ops/unyo/internal/agentconfig"
)

// credentialsFile is where an enrollment leaves the host's own token, in the
// buffer directory (the agent's state directory), readable by the agent's
// user alone.
const credentialsFile = "enrollment.json"

// credentials is what an enrollment stores for the agent's later starts.
type credentials struct {
	Server     string    `json:"server"`
	Tenant     string    `json:"tenant"`
	Host       string    `json:"host"`
	ResourceID int64     `json:"resource_id"`
	Token      string    `json:"token"`
	EnrolledAt time.Time `json:"enrolled_at"`
}

// useEnrollment fills the server, host and token of cfg from a stored
// enrollment, where the file and flags left them empty.
func useEnrollment(cfg *agentconfig.Config) error {
	dir := cfg.Buffer.Dir
	if dir == "" {
		dir = agentconfig.DefaultBufferDir()
	}
	b, err := os.ReadFile(filepath.Join(dir, credentialsFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("enrollment: %w", err)
	}
	var c credentials
	if err := json.Unmarshal(b, &c); err != nil {
		return fmt.Errorf("enrollment: %s: %w", filepath.Join(dir, credentialsFile), err)
	}
	if cfg.Server == "" {
		cfg.Server = c.Server
	}
	if cfg.Host == "" {
		cfg.Host = c.Host
	}
	cfg.Token = c.Token
	return nil
}

// enrollCommand enrolls the host and stores its token; the agent started
// afterwards (by its service) finds it.
func enrollCommand(ctx context.Context, f *flags, stderr io.Writer, logger *slog.Logger) int {
	if f.server == "" {
		fmt.Fprintln(stderr, "unyo-agent: --enroll needs --server URL")
		return 2
	}
	dir := f.bufferDir
	if dir == "" && f.file != "" {
		if c, err := agentconfig.Load(f.file); err == nil {
			dir = c.Buffer.Dir
		}
	}
	if dir == "" {
		dir = agentconfig.DefaultBufferDir()
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	fa := facts.Gather(ctx, imdsOptions())
	host := f.host
	if host == "" {
		host = fa.Hostname
	}
	res, err := enroll(ctx, f.server, f.enroll, facts.EnrollRequest{Host: host, Facts: fa})
	if err != nil {
		fmt.Fprintln(stderr, "unyo-agent:", err)
		return 1
	}
	c := credentials{Server: f.server, Tenant: res.Tenant, Host: res.Host, ResourceID: res.ResourceID, Token: res.Token, EnrolledAt: time.Now().UTC()}
	path, err := saveCredentials(dir, c)
	if err != nil {
		fmt.Fprintln(stderr, "unyo-agent: enrolled, but the host's token could not be stored:", err)
		return 1
	}
	verb := "enrolled again; it keeps its resource and gets a new token"
	if res.Created {
		verb = "enrolled"
	}
	logger.Info("agent: host "+verb, "host", res.Host, "tenant", res.Tenant, "resource", res.ResourceID, "credentials", path)
	return 0
}

// imdsOptions lets tests point the metadata services at fakes.
func imdsOptions() facts.Options {
	return facts.Options{AzureURL: os.Getenv("UNYO_IMDS_AZURE_URL"), AWSURL: os.Getenv("UNYO_IMDS_AWS_URL")}
}

// enroll posts the request; a refusal comes back as the server's own words.
func enroll(ctx context.Context, server, token string, in facts.EnrollRequest) (*facts.Enrolled, error) {
	body, _ := json.Marshal(in)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(server, "/")+facts.EnrollPath, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("enrollment: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "unyo-agent")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("enrollment: cannot reach the server: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("enrollment: %w", err)
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(b, &e) == nil && e.Error != "" {
			return nil, fmt.Errorf("enrollment refused (%s): %s", resp.Status, e.Error)
		}
		return nil, fmt.Errorf("enrollment refused: %s: %.200s", resp.Status, b)
	}
	var out facts.Enrolled
	if err := json.Unmarshal(b, &out); err != nil || out.Token == "" {
		return nil, fmt.Errorf("enrollment: the server's answer holds no token")
	}
	return &out, nil
}

// saveCredentials writes c into dir, 0600, atomically. Run as root (the
// package's `sudo unyo-agent --enroll`), the file is given to the owner of
// dir, the agent's own user, so that the service can read it; on Windows
// its ACL admits SYSTEM and Administrators only.
func saveCredentials(dir string, c credentials) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, credentialsFile)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return "", err
	}
	if err := os.Chmod(tmp, 0o600); err != nil { // whatever the umask or an old file
		return "", err
	}
	if err := chownLikeDir(tmp, dir); err != nil {
		os.Remove(tmp)
		return "", err
	}
	return path, os.Rename(tmp, path)
}
