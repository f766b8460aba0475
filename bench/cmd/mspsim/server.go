package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// adminPassword is the bench server's admin password (12 characters or more).
const adminPassword = "mspsim-admin-secret"

// server is a real `unyo server` child process on loopback with its own data
// directory and embedded storage.
type server struct {
	cmd      *exec.Cmd
	url      string
	debugURL string // the profiler's, when started with one
	data     string
	log      *os.File
}

// freeAddr is a loopback address with a port free a moment ago.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func startServer(ctx context.Context, bin, dir string, profile bool, extra ...string) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return nil, err
	}
	s := &server{url: "http://" + addr, data: filepath.Join(dir, "data"), log: logf}
	args := []string{"server", "--listen", addr, "--data", s.data,
		"--monitor-self=false", "--log-level", "warn", "--outbound-allow", "127.0.0.0/8"}
	if profile {
		daddr, err := freeAddr()
		if err != nil {
			return nil, err
		}
		s.debugURL = "http://" + daddr
		args = append(args, "--debug-listen", daddr, "--debug-mutex-fraction", profileMutexFraction,
			"--debug-block-rate", profileBlockRate)
	}
	s.cmd = exec.Command(bin, append(args, extra...)...)
	s.cmd.Env = append(os.Environ(), "UNYO_ADMIN_PASSWORD="+adminPassword)
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	if err := s.cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("server: %w", err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(s.url + "/metrics")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s, nil
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			s.stop()
			return nil, fmt.Errorf("server: not answering on %s after 60 s (see %s)", addr, logf.Name())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// stop ends the server politely, then for good after 30 s.
func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
	s.log.Close()
}

// selfMetrics are the server's own figures read from its /metrics.
type selfMetrics struct {
	cpuSeconds, rss, heapInuse, heapSys      float64
	headSeries, headChunks, mmapChunkBytes   float64
	walBytes, goroutines, openFDs            float64
	compactions                              float64
	writeSum, writeCount, waitSum, waitCount float64
	hasDB                                    bool
}

// scrape reads the figures from the server's Prometheus exposition.
func (s *server) scrape() (selfMetrics, error) {
	resp, err := http.Get(s.url + "/metrics")
	if err != nil {
		return selfMetrics{}, err
	}
	defer resp.Body.Close()
	return parseMetrics(resp.Body)
}

// parseMetrics reads the figures from a Prometheus text exposition; a
// metric with labels counts under its name (the last such line wins).
func parseMetrics(r io.Reader) (selfMetrics, error) {
	var m selfMetrics
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			continue
		}
		name := line[:i]
		if j := strings.IndexByte(name, '{'); j >= 0 {
			name = name[:j]
		}
		switch name {
		case "process_cpu_seconds_total":
			m.cpuSeconds = v
		case "process_resident_memory_bytes":
			m.rss = v
		case "process_open_fds":
			m.openFDs = v
		case "go_memstats_heap_inuse_bytes":
			m.heapInuse = v
		case "go_memstats_heap_sys_bytes":
			m.heapSys = v
		case "prometheus_tsdb_head_series":
			m.headSeries = v
		case "prometheus_tsdb_head_chunks":
			m.headChunks = v
		case "prometheus_tsdb_head_chunks_storage_size_bytes":
			m.mmapChunkBytes = v
		case "prometheus_tsdb_wal_storage_size_bytes":
			m.walBytes = v
		case "prometheus_tsdb_compactions_total":
			m.compactions = v
		case "go_goroutines":
			m.goroutines = v
		case "unyo_database_write_seconds_sum":
			m.writeSum, m.hasDB = v, true
		case "unyo_database_write_seconds_count":
			m.writeCount = v
		case "unyo_database_write_wait_seconds_sum":
			m.waitSum = v
		case "unyo_database_write_wait_seconds_count":
			m.waitCount = v
		}
	}
	return m, sc.Err()
}

// diskBytes is the size of the files under the server's data directory.
func (s *server) diskBytes() int64 {
	var n int64
	filepath.WalkDir(s.data, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}
