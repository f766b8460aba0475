// Package backupitem runs the agent's backup items: a backup command run
// at the item's interval (exit code, duration, size, the tail of its
// output), or the result a backup tool leaves behind (a status file, the
// newest matching line of its log). A result becomes samples the server
// alerts on like any item (unyo_backup_success), and a job of the named
// backup policy, pushed with an external ID that makes a retry harmless.
package backupitem

import (
	"bufio"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/unyo-ops/unyo/internal/agent/sample"
)

// Status is how a run ended, in the backup API's words.
type Status string

// The statuses.
const (
	StatusOK      Status = "ok"
	StatusFailed  Status = "failed"
	StatusPartial Status = "partial"
)

// Result is one backup run as the item saw it.
type Result struct {
	Status     Status    `json:"status"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	SizeBytes  int64     `json:"size_bytes"`
	ExitCode   int       `json:"exit_code"` // a command's; -1 when it did not exit (timeout, not started)
	Message    string    `json:"message"`   // a command's output tail, a status file's message
	// Stale is set when the last good run is older than the item's
	// max_age: the item fails, but no new job is reported.
	Stale bool `json:"stale,omitempty"`
	// ID identifies the run: the same run read twice (a status file
	// unchanged) has the same ID, and is reported once.
	ID string `json:"id"`
}

// Good says whether the run left a backup to restore from.
func (r *Result) Good() bool { return r.Status == StatusOK && !r.Stale }

// Samples are the series of the result; lastGood is the end of the last
// good run known (zero: none).
func (r *Result) Samples(labels []sample.Label, lastGood time.Time, now time.Time) []sample.Sample {
	ms := now.UnixMilli()
	out := make([]sample.Sample, 0, 7)
	add := func(name string, v float64) {
		out = append(out, sample.Sample{Name: name, Labels: labels, Value: v, TimeMs: ms})
	}
	ok := 0.0
	if r.Good() {
		ok = 1
	}
	add("unyo_backup_success", ok)
	add("unyo_backup_last_run_timestamp_seconds", float64(r.FinishedAt.UnixMilli())/1000)
	add("unyo_backup_duration_seconds", r.FinishedAt.Sub(r.StartedAt).Seconds())
	add("unyo_backup_size_bytes", float64(r.SizeBytes))
	add("unyo_backup_exit_code", float64(r.ExitCode))
	if !lastGood.IsZero() {
		add("unyo_backup_last_success_timestamp_seconds", float64(lastGood.UnixMilli())/1000)
	}
	return out
}

// ParseStatus reads what a backup tool wrote in its status file: a first
// word (ok, success, completed, 0 / failed, error, 1... / partial,
// warning), and lines key=value among status, size, message, started,
// finished (RFC 3339 or unix seconds). Empty content is a good run (a
// file touched on success). Unknown words are a failure: a status nobody
// can read is not a good backup.
func ParseStatus(content string) (status Status, size int64, message string, started, finished time.Time) {
	status = StatusOK
	first := true
	sc := bufio.NewScanner(strings.NewReader(content))
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, kv := strings.Cut(line, "=")
		if !kv {
			if first {
				status = word(line)
			} else if message == "" {
				message = line
			}
			first = false
			continue
		}
		first = false
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.Trim(strings.TrimSpace(v), `"'`)
		switch k {
		case "status", "result", "state":
			status = word(v)
		case "size", "size_bytes", "bytes":
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
				size = n
			}
		case "message", "msg", "error":
			message = v
		case "started", "start", "started_at":
			started = parseTime(v)
		case "finished", "end", "finished_at":
			finished = parseTime(v)
		}
	}
	return status, size, clip(message, 1000), started, finished
}

func word(s string) Status {
	w := strings.ToLower(strings.Trim(strings.Fields(s + " x")[0], ".:!,;"))
	switch w {
	case "ok", "success", "succeeded", "successful", "completed", "complete", "done", "0", "true":
		return StatusOK
	case "partial", "warning", "warnings", "incomplete":
		return StatusPartial
	}
	return StatusFailed
}

func parseTime(v string) time.Time {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 && n < 1<<40 {
		return time.Unix(n, 0)
	}
	return time.Time{}
}

// clip keeps the last n bytes of s, on a character boundary, as valid text.
func clip(s string, n int) string {
	if len(s) > n {
		s = s[len(s)-n:]
		for len(s) > 0 && !utf8.RuneStart(s[0]) {
			s = s[1:]
		}
	}
	return strings.ToValidUTF8(s, "")
}
