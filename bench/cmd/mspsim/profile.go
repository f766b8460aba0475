package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Profile rates the server is started with when -profile is set: 1 in 5
// mutex contention events, and blocking events of 1 ms on average.
const (
	profileMutexFraction = "5"
	profileBlockRate     = "1ms"
)

// profiler takes the server's profiles over the steady window from its
// --debug-listen address into dir: a CPU profile, the mutex and block
// profiles' growth over the window (?seconds=), and goroutine dumps at a
// quarter, a half and three quarters of it (where the goroutines wait).
type profiler struct {
	base   string // http://127.0.0.1:port of the profiler
	dir    string
	n      int    // hosts, in the file names
	prefix string // of the file names, after the hosts
	wg     sync.WaitGroup
	errs   chan error
}

// start begins the window's profiles; wait waits for them.
func (p *profiler) start(ctx context.Context, window time.Duration) {
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		p.errs = make(chan error, 1)
		p.errs <- err
		return
	}
	secs := int(window.Seconds())
	p.errs = make(chan error, 6)
	get := func(path, name string, after time.Duration) {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			if !sleepCtx(ctx, after) {
				return
			}
			if err := p.save(ctx, path, name); err != nil {
				p.errs <- err
			}
		}()
	}
	get(fmt.Sprintf("/debug/pprof/profile?seconds=%d", secs), "cpu.pb.gz", 0)
	get(fmt.Sprintf("/debug/pprof/mutex?seconds=%d", secs), "mutex.pb.gz", 0)
	get(fmt.Sprintf("/debug/pprof/block?seconds=%d", secs), "block.pb.gz", 0)
	for i := 1; i <= 3; i++ {
		get("/debug/pprof/goroutine?debug=1", fmt.Sprintf("goroutines-%d.txt", i), window*time.Duration(i)/4)
	}
}

func (p *profiler) wait() error {
	p.wg.Wait()
	close(p.errs)
	for err := range p.errs {
		return err
	}
	logf("profiles %d-%s* in %s", p.n, p.prefix, p.dir)
	return nil
}

// save writes the answer of path to <dir>/<hosts>-<name>.
func (p *profiler) save(ctx context.Context, path, name string) error {
	req, err := http.NewRequestWithContext(ctx, "GET", p.base+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("profile %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("profile %s: answered %d", path, resp.StatusCode)
	}
	f, err := os.Create(filepath.Join(p.dir, fmt.Sprintf("%d-%s%s", p.n, p.prefix, name)))
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return fmt.Errorf("profile %s: %w", path, err)
	}
	return f.Close()
}
