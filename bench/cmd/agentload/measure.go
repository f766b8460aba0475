package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type measureConfig struct {
	procs    []proc
	scrape   string
	interval time.Duration
	duration time.Duration
	sample   time.Duration
	clkTck   float64
}

// proc is one measured process and its memory samples.
type proc struct {
	name string
	pid  int
	rss  []uint64
}

func parseMeasure(args []string) (measureConfig, error) {
	c := measureConfig{}
	var tck int
	fs := flag.NewFlagSet("agentload measure", flag.ContinueOnError)
	fs.Func("pid", "NAME=PID of a process to measure; give it twice or more, the first is compared with the second", func(s string) error {
		name, v, ok := strings.Cut(s, "=")
		pid, err := strconv.Atoi(v)
		if !ok || name == "" || err != nil || pid < 1 {
			return fmt.Errorf("want NAME=PID, not %q", s)
		}
		c.procs = append(c.procs, proc{name: name, pid: pid})
		return nil
	})
	fs.StringVar(&c.scrape, "scrape", "", "URL scraped every -interval, body discarded (node_exporter's /metrics)")
	fs.DurationVar(&c.interval, "interval", 15*time.Second, "scrape interval")
	fs.DurationVar(&c.duration, "duration", 5*time.Minute, "how long to measure")
	fs.DurationVar(&c.sample, "sample", 5*time.Second, "how often resident memory is sampled")
	fs.IntVar(&tck, "clk-tck", 100, "clock ticks a second of /proc/PID/stat (getconf CLK_TCK)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if len(c.procs) < 2 {
		return c, errors.New("give -pid at least twice")
	}
	if c.interval < time.Second || c.sample < 100*time.Millisecond || c.duration < c.sample || c.duration > 2*time.Hour || tck < 1 {
		return c, errors.New("want -interval >= 1s, -sample >= 100ms, -sample <= -duration <= 2h, -clk-tck >= 1")
	}
	c.clkTck = float64(tck)
	return c, nil
}

func measure(args []string) error {
	c, err := parseMeasure(args)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	sc := scraper{url: c.scrape, client: &http.Client{Timeout: c.interval}}
	deadline := time.NewTimer(c.duration)
	defer deadline.Stop()
	sampleTick := time.NewTicker(c.sample)
	defer sampleTick.Stop()
	scrapeTick := time.NewTicker(c.interval)
	defer scrapeTick.Stop()
	fmt.Fprintf(os.Stderr, "agentload: measuring for %s, memory every %s, scraping every %s\n", c.duration, c.sample, c.interval)
	sc.once() // a scraper's first scrape comes at once, then every interval
	for {
		select {
		case <-ctx.Done():
			return errors.New("interrupted")
		case <-scrapeTick.C:
			sc.once()
		case <-sampleTick.C:
			if err := c.sampleAll(); err != nil {
				return err
			}
		case <-deadline.C:
			if err := c.sampleAll(); err != nil {
				return err
			}
			if err := c.report(os.Stdout); err != nil {
				return err
			}
			sc.report(os.Stdout)
			return nil
		}
	}
}

// sampleAll records each process's resident memory; a process that has
// exited makes the run worthless.
func (c *measureConfig) sampleAll() error {
	for i := range c.procs {
		p := &c.procs[i]
		m, err := readStatus(p.pid)
		if err != nil {
			return fmt.Errorf("%s (pid %d) is gone: %w", p.name, p.pid, err)
		}
		p.rss = append(p.rss, m.rss)
	}
	return nil
}

// row is one process's figures at the end.
type row struct {
	name                     string
	cpu, elapsed, cpuPercent float64 // seconds, seconds, % of one core
	rssAvg, rssMax, hwm      float64 // MiB
}

func (c *measureConfig) rowOf(p proc) (row, error) {
	t, err := readStat(p.pid)
	if err != nil {
		return row{}, err
	}
	m, err := readStatus(p.pid)
	if err != nil {
		return row{}, err
	}
	up, err := uptime()
	if err != nil {
		return row{}, err
	}
	r := row{name: p.name, cpu: float64(t.utime+t.stime) / c.clkTck, hwm: mib(m.hwm)}
	r.elapsed = up - float64(t.start)/c.clkTck
	r.cpuPercent = 100 * r.cpu / r.elapsed
	var sum, top uint64
	for _, v := range p.rss {
		sum += v
		top = max(top, v)
	}
	r.rssAvg, r.rssMax = mib(sum)/float64(len(p.rss)), mib(top)
	return r, nil
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// report prints the table and the ratio of the first process to the second.
// CPU is compared as a share of one core, since the two did not start at
// the same instant.
func (c *measureConfig) report(w io.Writer) error {
	rows := make([]row, len(c.procs))
	for i, p := range c.procs {
		r, err := c.rowOf(p)
		if err != nil {
			return err
		}
		rows[i] = r
	}
	const format = "%-28s %9s %9s %8s %11s %11s %11s\n"
	fmt.Fprintf(w, format, "process", "elapsed_s", "cpu_s", "cpu_%", "rss_avg_MiB", "rss_max_MiB", "hwm_MiB")
	for _, r := range rows {
		fmt.Fprintf(w, format, r.name, f1(r.elapsed), f2(r.cpu), f2(r.cpuPercent), f1(r.rssAvg), f1(r.rssMax), f1(r.hwm))
	}
	a, b := rows[0], rows[1]
	fmt.Fprintf(w, format, a.name+" / "+b.name, "", "", ratio(a.cpuPercent, b.cpuPercent),
		ratio(a.rssAvg, b.rssAvg), ratio(a.rssMax, b.rssMax), ratio(a.hwm, b.hwm))
	fmt.Fprintf(w, "# memory sampled %d times, every %s\n", len(c.procs[0].rss), c.sample)
	return nil
}

func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
func f2(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

func ratio(a, b float64) string {
	if b == 0 {
		return "-"
	}
	return strconv.FormatFloat(a/b, 'f', 2, 64) + "x"
}

// scraper fetches a URL as Prometheus does and throws the body away.
type scraper struct {
	url          string
	client       *http.Client
	ok, failed   int
	bytes        int64
	took         time.Duration
	firstFailure error
}

func (s *scraper) once() {
	if s.url == "" {
		return
	}
	start := time.Now()
	n, err := s.get()
	if err != nil {
		s.failed++
		if s.firstFailure == nil {
			s.firstFailure = err
		}
		return
	}
	s.ok++
	s.bytes += n
	s.took += time.Since(start)
}

func (s *scraper) get() (int64, error) {
	req, err := http.NewRequest(http.MethodGet, s.url, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return n, err
}

func (s *scraper) report(w io.Writer) {
	if s.url == "" {
		return
	}
	fmt.Fprintf(w, "# %s scraped %d times", s.url, s.ok)
	if s.ok > 0 {
		fmt.Fprintf(w, ", %.0f bytes and %.1f ms a scrape on average", float64(s.bytes)/float64(s.ok),
			float64(s.took.Microseconds())/1000/float64(s.ok))
	}
	fmt.Fprintf(w, ", %d failed\n", s.failed)
	if s.firstFailure != nil {
		fmt.Fprintf(w, "# first failure: %v\n", s.firstFailure)
	}
}
