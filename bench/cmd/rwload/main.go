// Command rwload sends Prometheus remote-write 1.0 load to one target and
// prints the samples per second it accepted.
//
// Requests are encoded once at start-up; every round over the series only
// rewrites each sample's timestamp and value inside the compressed body, so
// the generator spends its CPU on sending, not on compressing, and the
// target gets in-order samples as from a fleet of Prometheus servers.
// Samples count only when their request was answered 2xx; nothing is retried.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// config is what the flags set.
type config struct {
	url, bearer, target string
	urls                []string // url split at commas: requests go to each in turn
	series, senders     int
	batch               int
	duration            time.Duration
	maxRequests         int64
	rounds              int
	interval            time.Duration // a round starts at most once per interval (0: at once)
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "rwload:", err)
		os.Exit(2)
	}
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "rwload:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (config, error) {
	var c config
	fs := flag.NewFlagSet("rwload", flag.ContinueOnError)
	fs.StringVar(&c.url, "url", "", "remote-write URL, e.g. http://127.0.0.1:9090/api/v1/write; several, comma-separated, take the requests in turn (replicas behind a round-robin balancer)")
	fs.StringVar(&c.bearer, "bearer", "", "bearer token to send, if any")
	fs.StringVar(&c.target, "target", "", "name of the target in the result line (default: the URL's host)")
	fs.IntVar(&c.series, "series", 200_000, "distinct series, one sample each per round")
	fs.IntVar(&c.senders, "senders", 4, "concurrent senders, each with its own share of the series")
	fs.IntVar(&c.batch, "batch", 2000, "series per request")
	fs.DurationVar(&c.duration, "duration", 30*time.Second, "stop sending after this long")
	fs.Int64Var(&c.maxRequests, "max-requests", 0, "stop after this many requests in all (0: no bound but -duration)")
	fs.IntVar(&c.rounds, "rounds", 0, "stop after this many rounds over the series (0: no bound); 1 warms a target up")
	fs.DurationVar(&c.interval, "interval", 0, "start each sender's rounds at most this often, e.g. 15s for one sample per series per 15 s as from agents scraping (0: back to back, as fast as the target takes them)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	var u *url.URL
	for _, raw := range strings.Split(c.url, ",") {
		var err error
		u, err = url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return c, fmt.Errorf("-url %q: want an http(s) URL", raw)
		}
		c.urls = append(c.urls, raw)
	}
	if c.target == "" {
		c.target = u.Host
	}
	if c.series < 1 || c.senders < 1 || c.batch < 1 || c.duration <= 0 || c.maxRequests < 0 || c.rounds < 0 || c.interval < 0 {
		return c, errors.New("-series, -senders, -batch and -duration must be positive, -max-requests, -rounds and -interval not negative")
	}
	c.senders = min(c.senders, c.series)
	return c, nil
}

// result is what one sender, or all of them, saw.
type result struct {
	samples   int64           // in requests answered 2xx
	requests  int64           // sent
	errors    int64           // not answered 2xx
	latencies []time.Duration // of requests answered 2xx
	firstErr  error
}

func run(cfg config) error {
	batches, err := buildBatches(cfg.series, cfg.senders, cfg.batch)
	if err != nil {
		return err
	}
	logEncoding(batches)
	if time.Now().UnixMilli() >= tsLimit {
		return errors.New("timestamps no longer fit the pre-encoded six bytes")
	}
	budget := atomic.Int64{}
	budget.Store(math.MaxInt64)
	if cfg.maxRequests > 0 {
		budget.Store(cfg.maxRequests)
	}
	client := &http.Client{
		Timeout:   time.Minute,
		Transport: &http.Transport{MaxIdleConnsPerHost: cfg.senders, DisableCompression: true},
	}
	s := sender{cfg: cfg, client: client, budget: &budget, deadline: time.Now().Add(cfg.duration), next: &atomic.Int64{}}
	results := make([]result, cfg.senders)
	start := time.Now()
	var wg sync.WaitGroup
	for k := range cfg.senders {
		wg.Go(func() { results[k] = s.run(batches[k]) })
	}
	wg.Wait()
	report(cfg.target, merge(results), time.Since(start))
	return nil
}

// sender sends rounds over its batches, one request at a time.
type sender struct {
	cfg      config
	client   *http.Client
	budget   *atomic.Int64 // requests left to all senders
	deadline time.Time
	next     *atomic.Int64 // the requests sent so far, to pick the next URL
}

func (s sender) run(batches []*batch) result {
	var res result
	var ts int64
	for round := 0; s.cfg.rounds == 0 || round < s.cfg.rounds; round++ {
		if round > 0 && !s.pace(ts) {
			return res
		}
		// One timestamp a round, always later than the last, so every
		// series' samples arrive in order.
		ts = max(ts+1, time.Now().UnixMilli())
		for _, b := range batches {
			if !time.Now().Before(s.deadline) || s.budget.Add(-1) < 0 {
				return res
			}
			b.wait()
			b.patch(ts, round)
			took, err := s.post(b)
			res.requests++
			if err != nil {
				res.errors++
				if res.firstErr == nil {
					res.firstErr = err
				}
				continue
			}
			res.samples += int64(len(b.enc.at))
			res.latencies = append(res.latencies, took)
		}
	}
	return res
}

// pace waits until -interval has passed since the round that started at
// last (Unix milliseconds), and says false if the deadline comes first.
func (s sender) pace(last int64) bool {
	if s.cfg.interval <= 0 {
		return true
	}
	next := time.UnixMilli(last).Add(s.cfg.interval)
	if !next.Before(s.deadline) {
		time.Sleep(time.Until(s.deadline))
		return false
	}
	time.Sleep(time.Until(next))
	return true
}

// post sends b once and returns how long the answer took.
func (s sender) post(b *batch) (time.Duration, error) {
	body := b.newBody()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, s.cfg.urls[int(s.next.Add(1))%len(s.cfg.urls)], body)
	if err != nil {
		body.Close()
		return 0, err
	}
	req.ContentLength = int64(len(b.enc.block))
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("Content-Encoding", "snappy")
	req.Header.Set("X-Prometheus-Remote-Write-Version", "0.1.0")
	req.Header.Set("User-Agent", "unyo-rwload")
	if s.cfg.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+s.cfg.bearer)
	}
	start := time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, resp.Body) // so that the connection is reused
	resp.Body.Close()
	took := time.Since(start)
	if resp.StatusCode/100 != 2 {
		return took, fmt.Errorf("HTTP %d: %s", resp.StatusCode, msg)
	}
	return took, nil
}

func merge(results []result) result {
	var all result
	for _, r := range results {
		all.samples += r.samples
		all.requests += r.requests
		all.errors += r.errors
		all.latencies = append(all.latencies, r.latencies...)
		if all.firstErr == nil {
			all.firstErr = r.firstErr
		}
	}
	return all
}

// report prints the one result line, and the first error to stderr.
func report(target string, r result, elapsed time.Duration) {
	slices.Sort(r.latencies)
	fmt.Printf("target=%s samples_per_sec=%.0f requests=%d errors=%d p50_ms=%.1f p99_ms=%.1f\n",
		target, float64(r.samples)/elapsed.Seconds(), r.requests, r.errors,
		millis(percentile(r.latencies, 50)), millis(percentile(r.latencies, 99)))
	if r.firstErr != nil {
		fmt.Fprintf(os.Stderr, "rwload: %s: first error: %v\n", target, r.firstErr)
	}
	// The generator shares the machine's CPUs with the target: say how much
	// it took, to read the figure with.
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		fmt.Fprintf(os.Stderr, "rwload: %s: %.1f CPU-seconds used in all, encoding included, %.1f s of sending\n", target, cpu.Seconds(), elapsed.Seconds())
	}
}

// percentile returns the p-th percentile of sorted, or 0 if it is empty.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, len(sorted)*p/100)]
}

func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// logEncoding says on stderr what was pre-encoded.
func logEncoding(batches [][]*batch) {
	var n, raw, compressed int
	for _, bs := range batches {
		for _, b := range bs {
			n++
			raw += b.raw
			compressed += len(b.enc.block)
		}
	}
	fmt.Fprintf(os.Stderr, "rwload: %d requests pre-encoded: %.1f MB of protobuf, %.1f MB compressed\n",
		n, float64(raw)/1e6, float64(compressed)/1e6)
}
