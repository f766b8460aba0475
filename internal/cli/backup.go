package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

const backupUsage = `Usage:
  unyo backup report [flags]   report a backup job's result to the server (for scripts)
`

// runBackup is `unyo backup <subcommand>`.
func runBackup(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, backupUsage)
		return 2
	}
	switch args[0] {
	case "report":
		return runBackupReport(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "unyo backup: unknown subcommand %q\n\n%s", args[0], backupUsage)
	return 2
}

// backupJob is the body `unyo backup report` posts.
type backupJob struct {
	Policy        string     `json:"policy"`
	Status        string     `json:"status"`
	StartedAt     *time.Time `json:"started_at,omitempty"`
	FinishedAt    *time.Time `json:"finished_at,omitempty"`
	SizeBytes     int64      `json:"size_bytes"`
	RecoveryPoint *time.Time `json:"recovery_point,omitempty"`
	ExternalID    string     `json:"external_id,omitempty"`
	Message       string     `json:"message,omitempty"`
}

// runBackupReport is `unyo backup report`: a backup script tells the server
// how its run ended, through the push API, with an ingest token.
func runBackupReport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("unyo backup report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	server := fs.String("server", env("UNYO_SERVER", "http://127.0.0.1:8080"), "URL of the unyo server (env UNYO_SERVER)")
	token := fs.String("token", os.Getenv("UNYO_TOKEN"), "API token with the ingest scope (env UNYO_TOKEN)")
	tenant := fs.String("tenant", "", "tenant ID (default: the token's tenant)")
	var job backupJob
	fs.StringVar(&job.Policy, "policy", "", "the backup policy's name (required)")
	fs.StringVar(&job.Status, "status", "", "how the job ended: ok, failed or partial (required)")
	fs.Int64Var(&job.SizeBytes, "size", 0, "size of the backup in bytes")
	started := fs.String("started", "", "when the job started, RFC 3339 (default: --finished)")
	finished := fs.String("finished", "", "when the job finished, RFC 3339 (default: now)")
	point := fs.String("recovery-point", "", "the moment the backup restores to, RFC 3339 (default: --started)")
	fs.StringVar(&job.ExternalID, "external-id", "", "the backup tool's job ID: the same ID twice is stored once")
	fs.StringVar(&job.Message, "message", "", "a note, e.g. the error of a failed job")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := job.read(*started, *finished, *point); err != nil {
		fmt.Fprintln(stderr, "unyo backup report:", err)
		return 2
	}
	if *token == "" {
		fmt.Fprintln(stderr, "unyo backup report: --token: required (or set UNYO_TOKEN): an API token with the ingest scope")
		return 2
	}
	c := &apiClient{base: strings.TrimRight(*server, "/"), token: *token, http: &http.Client{Timeout: time.Minute}}
	if *tenant == "" {
		var who struct {
			Tenant string `json:"tenant"`
		}
		if err := c.do("GET", "/api/v1/whoami", nil, &who); err != nil {
			fmt.Fprintln(stderr, "unyo backup report:", err)
			return 1
		}
		if who.Tenant == "" {
			fmt.Fprintln(stderr, "unyo backup report: --tenant: required with a token of no single tenant")
			return 2
		}
		*tenant = who.Tenant
	}
	var out struct {
		ID int64 `json:"id"`
	}
	if err := c.do("POST", "/api/v1/tenants/"+url.PathEscape(*tenant)+"/backups/jobs", job, &out); err != nil {
		fmt.Fprintln(stderr, "unyo backup report:", err)
		return 1
	}
	fmt.Fprintf(stdout, "job %d of policy %s recorded: %s\n", out.ID, job.Policy, job.Status)
	return 0
}

// read checks the flags' values, naming the flag at fault.
func (j *backupJob) read(started, finished, point string) error {
	if j.Policy == "" {
		return errors.New("--policy: required: the backup policy's name")
	}
	switch j.Status {
	case "ok", "failed", "partial":
	case "":
		return errors.New("--status: required: ok, failed or partial")
	default:
		return fmt.Errorf("--status: must be ok, failed or partial, not %q", j.Status)
	}
	if j.SizeBytes < 0 {
		return fmt.Errorf("--size: must not be negative, not %d", j.SizeBytes)
	}
	for _, f := range []struct {
		name, v string
		dst     **time.Time
	}{{"--started", started, &j.StartedAt}, {"--finished", finished, &j.FinishedAt}, {"--recovery-point", point, &j.RecoveryPoint}} {
		if f.v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, f.v)
		if err != nil {
			return fmt.Errorf("%s: must be an RFC 3339 time such as 2026-12-01T02:00:00+09:00, not %q", f.name, f.v)
		}
		*f.dst = &t
	}
	return nil
}
