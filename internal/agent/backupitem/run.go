package backupitem

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/unyo-ops/unyo/internal/agentconfig"
)

// tailBytes is how much of a command's output is kept for the job's message.
const tailBytes = 2000

// Check runs or reads the item once.
func Check(ctx context.Context, b *agentconfig.Backup, now time.Time) Result {
	switch {
	case len(b.Command) > 0:
		return RunCommand(ctx, b.Command, b.SizeFile)
	case b.StatusFile != "":
		return stale(ReadStatusFile(b.StatusFile), b.MaxAge.D(), now)
	default:
		return stale(ReadLog(b.LogFile, b.OKPattern, b.FailPattern), b.MaxAge.D(), now)
	}
}

func stale(r Result, maxAge time.Duration, now time.Time) Result {
	if maxAge > 0 && r.Status == StatusOK && now.Sub(r.FinishedAt) > maxAge {
		r.Stale = true
		r.Message = fmt.Sprintf("the last good backup ended %s ago, longer than max_age %s", now.Sub(r.FinishedAt).Truncate(time.Second), maxAge)
	}
	return r
}

// tail keeps the last tailBytes written to it.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > 4*tailBytes {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-tailBytes:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return clip(string(bytes.TrimSpace(t.buf)), tailBytes)
}

var sizeLine = regexp.MustCompile(`(?mi)^\s*(?:backup_)?size(?:_bytes)?\s*[=:]\s*(\d+)\s*$`)

// RunCommand runs argv (no shell) until it ends or ctx does: exit 0 is a
// good backup. Its size is sizeFile's (a directory's files summed), or the
// last "size=<bytes>" line it printed.
func RunCommand(ctx context.Context, argv []string, sizeFile string) Result {
	start := time.Now()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	out := &tail{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = 5 * time.Second
	killGroup(cmd)
	err := cmd.Run()
	r := Result{Status: StatusOK, StartedAt: start, FinishedAt: time.Now(), ID: strconv.FormatInt(start.UnixMilli(), 10)}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case ctx.Err() != nil:
		r.Status, r.ExitCode = StatusFailed, -1
		err = fmt.Errorf("timed out after %s", r.FinishedAt.Sub(start).Truncate(time.Millisecond))
	case errors.As(err, &exit):
		r.Status, r.ExitCode = StatusFailed, exit.ExitCode()
	default:
		r.Status, r.ExitCode = StatusFailed, -1
	}
	r.Message = out.String()
	if err != nil {
		r.Message = clip(fmt.Sprintf("%s: %v\n%s", argv[0], err, r.Message), tailBytes)
	}
	if sizeFile != "" {
		r.SizeBytes = sizeOf(sizeFile)
	} else if m := sizeLine.FindAllStringSubmatch(out.String(), -1); len(m) > 0 {
		r.SizeBytes, _ = strconv.ParseInt(m[len(m)-1][1], 10, 64)
	}
	return r
}

// sizeOf is the size of a file, or of the files under a directory.
func sizeOf(path string) int64 {
	var n int64
	filepath.WalkDir(path, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

// statusLimit bounds what is read of a status file.
const statusLimit = 64 << 10

// ReadStatusFile reads the result a backup tool left in path: its
// modification time is when the run ended, unless the content says.
func ReadStatusFile(path string) Result {
	f, err := os.Open(path)
	if err != nil {
		return Result{Status: StatusFailed, ExitCode: -1, Message: fmt.Sprintf("status file: %v", err), StartedAt: time.Now(), FinishedAt: time.Now()}
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return Result{Status: StatusFailed, ExitCode: -1, Message: fmt.Sprintf("status file: %v", err), StartedAt: time.Now(), FinishedAt: time.Now()}
	}
	data, _ := io.ReadAll(io.LimitReader(f, statusLimit))
	status, size, msg, started, finished := ParseStatus(string(data))
	if finished.IsZero() || finished.After(info.ModTime()) {
		finished = info.ModTime()
	}
	if started.IsZero() || started.After(finished) {
		started = finished
	}
	return Result{Status: status, StartedAt: started, FinishedAt: finished, SizeBytes: size, Message: msg,
		ID: "status-" + strconv.FormatInt(info.ModTime().UnixNano(), 10) + "-" + hash(data)}
}

// logLimit is how much of a log's end is read for its newest result.
const logLimit = 1 << 20

// ReadLog finds the newest line of path's last MiB matching ok or fail (a
// line matching both is a failure); the file's modification time is taken
// as the run's end.
func ReadLog(path, ok, fail string) Result {
	now := time.Now()
	bad := func(format string, a ...any) Result {
		return Result{Status: StatusFailed, ExitCode: -1, Message: fmt.Sprintf(format, a...), StartedAt: now, FinishedAt: now}
	}
	okRE, err := regexp.Compile(ok)
	if err != nil {
		return bad("ok_pattern: %v", err)
	}
	var failRE *regexp.Regexp
	if fail != "" {
		if failRE, err = regexp.Compile(fail); err != nil {
			return bad("fail_pattern: %v", err)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return bad("log file: %v", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return bad("log file: %v", err)
	}
	if info.Size() > logLimit {
		f.Seek(info.Size()-logLimit, io.SeekStart)
	}
	data, _ := io.ReadAll(io.LimitReader(f, logLimit))
	lines := bytes.Split(data, []byte("\n"))
	for i := len(lines) - 1; i >= 0; i-- {
		line := bytes.TrimSpace(lines[i])
		st := Status("")
		switch {
		case failRE != nil && failRE.Match(line):
			st = StatusFailed
		case okRE.Match(line):
			st = StatusOK
		default:
			continue
		}
		return Result{Status: st, StartedAt: info.ModTime(), FinishedAt: info.ModTime(), Message: clip(string(line), 1000),
			ID: "log-" + hash(line)}
	}
	return bad("no line of %s matches ok_pattern or fail_pattern", path)
}

func hash(b []byte) string {
	h := fnv.New64a()
	h.Write(b)
	return strconv.FormatUint(h.Sum64(), 16)
}
