package agent

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sync"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/backupitem"
	"github.com/unyo-ops/unyo/internal/agent/sample"
	"github.com/unyo-ops/unyo/internal/agentconfig"
)

// BackupSource runs the backup items: each checks (runs its command, reads
// its status file or log) at its interval, reports a new result as a job of
// its policy, and emits its last result at the configuration's interval, so
// that a daily backup's failure stays a firing series all day, across an
// agent restart too (the last result is kept beside the buffer).
type BackupSource struct {
	logger   *slog.Logger
	reporter *backupitem.Reporter

	mu      sync.Mutex
	cfg     *agentconfig.Config
	ctx     context.Context
	emit    sample.Emitter
	runners map[string]*backupRunner
	wg      sync.WaitGroup
}

type backupRunner struct {
	item   agentconfig.Item
	cancel context.CancelFunc
}

// NewBackupSource returns the source; add it to the agent with AddSource.
func NewBackupSource(logger *slog.Logger) *BackupSource {
	if logger == nil {
		logger = slog.Default()
	}
	return &BackupSource{logger: logger, reporter: backupitem.NewReporter(), runners: map[string]*backupRunner{}}
}

// ApplyConfig takes the backup items of cfg: new and changed ones start,
// removed ones stop; unchanged ones run on undisturbed.
func (s *BackupSource) ApplyConfig(cfg *agentconfig.Config) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg = cfg.Clone()
	if s.ctx != nil {
		s.sync()
	}
	return nil
}

// Run runs the items until ctx is done.
func (s *BackupSource) Run(ctx context.Context, emit sample.Emitter) error {
	s.mu.Lock()
	s.ctx, s.emit = ctx, emit
	s.sync()
	s.mu.Unlock()
	<-ctx.Done()
	s.wg.Wait()
	return nil
}

// sync starts and stops runners to match s.cfg; callers hold s.mu.
func (s *BackupSource) sync() {
	want := map[string]agentconfig.Item{}
	if s.cfg != nil {
		for _, it := range s.cfg.Items {
			if it.Kind == agentconfig.KindBackup && it.Backup != nil {
				want[it.Name] = it
			}
		}
	}
	for name, r := range s.runners {
		if it, ok := want[name]; !ok || !reflect.DeepEqual(it, r.item) {
			r.cancel()
			delete(s.runners, name)
		}
	}
	for name, it := range want {
		if _, ok := s.runners[name]; ok {
			continue
		}
		ctx, cancel := context.WithCancel(s.ctx)
		s.runners[name] = &backupRunner{item: it, cancel: cancel}
		cfg := *s.cfg
		s.wg.Go(func() { s.run(ctx, &cfg, it) })
	}
}

// backupState is what an item remembers across restarts.
type backupState struct {
	Last     *backupitem.Result `json:"last,omitempty"`
	LastGood time.Time          `json:"last_good,omitzero"`
	Reported string             `json:"reported,omitempty"` // the ID of the last result the server took
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]`)

func statePath(dir, item string) string {
	return filepath.Join(dir, "backup-"+unsafeName.ReplaceAllString(item, "_")+".json")
}

// run is one item's loop: checks in a goroutine of their own (a backup
// runs for hours), the last result emitted meanwhile.
func (s *BackupSource) run(ctx context.Context, cfg *agentconfig.Config, it agentconfig.Item) {
	b := it.Backup
	path := statePath(cfg.Buffer.Dir, it.Name)
	var st backupState
	if data, err := os.ReadFile(path); err == nil {
		json.Unmarshal(data, &st)
	}
	labels := sample.Labels("item", it.Name)
	if b.Policy != "" {
		labels = sample.Labels("item", it.Name, "policy", b.Policy)
	}
	var mu sync.Mutex
	emit := func() {
		mu.Lock()
		defer mu.Unlock()
		if st.Last != nil {
			s.emit.EmitSamples(st.Last.Samples(labels, st.LastGood, time.Now()))
		}
	}
	save := func() {
		data, _ := json.Marshal(&st)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			s.logger.Warn("agent: cannot keep the backup item's last result", "item", it.Name, "err", err)
		}
	}
	checked := make(chan struct{}, 1)
	var checks sync.WaitGroup
	defer checks.Wait()
	checks.Go(func() {
		// A command runs at the item's ticks only, never at start: an
		// agent restart must not start a backup. Files are read at once.
		wait := time.Duration(0)
		if len(b.Command) > 0 {
			wait = untilTick(it.Interval.D(), time.Now())
		}
		t := time.NewTimer(wait)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			cctx, cancel := context.WithTimeout(ctx, it.Timeout.D())
			r := backupitem.Check(cctx, b, time.Now())
			cancel()
			if ctx.Err() != nil {
				return
			}
			mu.Lock()
			st.Last = &r
			if r.Good() && r.FinishedAt.After(st.LastGood) {
				st.LastGood = r.FinishedAt
			}
			report := b.Policy != "" && cfg.Server != "" && r.ID != "" && r.ID != st.Reported && !r.Stale
			save()
			mu.Unlock()
			if !r.Good() {
				s.logger.Warn("agent: backup failed", "item", it.Name, "status", r.Status, "exit_code", r.ExitCode, "stale", r.Stale)
			}
			select {
			case checked <- struct{}{}:
			default:
			}
			if report {
				job := backupitem.JobOf(r, b.Policy, cfg.Host, it.Name)
				if err := s.reporter.Report(ctx, cfg.Server, cfg.Token, job); err != nil {
					s.logger.Error("agent: backup job not reported", "item", it.Name, "policy", b.Policy, "err", err)
				} else {
					mu.Lock()
					st.Reported = r.ID
					save()
					mu.Unlock()
				}
			}
			t.Reset(untilTick(it.Interval.D(), time.Now()))
		}
	})
	tick := time.NewTicker(cfg.Interval.D())
	defer tick.Stop()
	emit()
	for {
		select {
		case <-ctx.Done():
			return
		case <-checked:
		case <-tick.C:
		}
		emit()
	}
}
