// Command alertlat measures alert latency: the time from the remote-write
// request that takes a host's CPU over a threshold to the webhook
// notification about that host.
//
// It runs a webhook receiver on 127.0.0.1 (unyo's signed webhook or
// Alertmanager's webhook_config payload, version 4), pushes an under-threshold
// value for every host for a warm-up, then takes one host at a time over the
// threshold at a steady pace. The latency of an alert is the arrival of the
// first firing notification naming its host minus the time the crossing
// request was sent. Every host's current value is pushed again every second,
// so systems that evaluate on a timer see it too. An alert not notified within
// -timeout of its crossing counts as undelivered, and percentiles count
// undelivered alerts as infinitely late.
//
// With -unyo, alertlat first provisions the unyo server through its API
// (tenant, ingest token, webhook channel, one host and CPU item per host, and
// a probe host created last) and waits until the probe's alert is notified,
// which proves the engine has loaded every item.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// config is what the flags set.
type config struct {
	target, listen, writeURL, bearer string
	metric, prefix                   string
	hosts                            int
	pace, warmup, timeout, resend    time.Duration
	threshold                        float64
	out                              string
	unyo                             unyoConfig
	replicas                         []string // other replicas of the unyo server, pushed to in turn
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "alertlat:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "alertlat:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (config, error) {
	var c config
	fs := flag.NewFlagSet("alertlat", flag.ContinueOnError)
	fs.StringVar(&c.target, "target", "", "name of the target in the result line")
	fs.StringVar(&c.listen, "listen", "127.0.0.1:0", "address of the webhook receiver (loopback only)")
	fs.StringVar(&c.writeURL, "write-url", "", "remote-write URL (with -unyo: taken from -unyo)")
	fs.StringVar(&c.bearer, "bearer", "", "bearer token for remote write (with -unyo: created)")
	fs.StringVar(&c.metric, "metric", "bench_cpu", "metric name pushed")
	fs.StringVar(&c.prefix, "prefix", "web-", "host name prefix; hosts are <prefix>000, <prefix>001, ...")
	fs.IntVar(&c.hosts, "hosts", 200, "hosts, one alert each")
	fs.DurationVar(&c.pace, "pace", 300*time.Millisecond, "time between two hosts crossing the threshold")
	fs.DurationVar(&c.warmup, "warmup", 10*time.Second, "time every host pushes an under-threshold value first")
	fs.DurationVar(&c.timeout, "timeout", 120*time.Second, "an alert not notified this long after its crossing is undelivered")
	fs.DurationVar(&c.resend, "resend", time.Second, "interval of the pushes of every host's current value")
	fs.Float64Var(&c.threshold, "threshold", 90, "the threshold the targets alert on (value > threshold)")
	fs.StringVar(&c.out, "out", "", "file to write one line per alert to (host, sent, arrived, latency)")
	fs.StringVar(&c.unyo.api, "unyo", "", "base URL of a fresh unyo server to provision, e.g. http://127.0.0.1:8080")
	fs.StringVar(&c.unyo.password, "unyo-admin-password", "", "admin password of that server")
	fs.Func("unyo-replica", "base URL of another replica of the -unyo server (repeatable): the pushes go to each in turn", func(s string) error {
		c.replicas = append(c.replicas, strings.TrimSuffix(s, "/"))
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if c.unyo.api != "" {
		c.writeURL = c.unyo.api + "/api/v1/write"
	}
	u, err := url.Parse(c.writeURL)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return c, fmt.Errorf("-write-url %q: want an http URL", c.writeURL)
	}
	if c.hosts < 1 || c.hosts > 10_000 || c.pace <= 0 || c.warmup < 0 || c.timeout <= 0 || c.resend <= 0 {
		return c, errors.New("-hosts must be 1 to 10000, -pace, -timeout and -resend positive, -warmup not negative")
	}
	if c.target == "" {
		c.target = u.Host
	}
	return c, nil
}

// hostName is the name of host i.
func (c config) hostName(i int) string { return fmt.Sprintf("%s%03d", c.prefix, i) }

func run(ctx context.Context, cfg config) error {
	rcv, err := startReceiver(cfg.listen)
	if err != nil {
		return err
	}
	defer rcv.Close()
	names := make([]string, cfg.hosts)
	for i := range names {
		names[i] = cfg.hostName(i)
	}
	probe := ""
	if cfg.unyo.api != "" {
		probe = cfg.prefix + "probe"
		token, err := provisionUnyo(ctx, cfg.unyo, rcv.URL()+"/unyo", cfg.metric, cfg.threshold, append(names, probe))
		if err != nil {
			return err
		}
		cfg.bearer = token
	}
	urls := []string{cfg.writeURL}
	for _, base := range cfg.replicas {
		urls = append(urls, base+"/api/v1/write")
	}
	p := newPusher(urls, cfg.bearer, cfg.metric, cfg.threshold, names)
	bg, stopBG := context.WithCancel(ctx)
	defer stopBG()
	go p.resendEvery(bg, cfg.resend)

	if probe != "" {
		if err := p.waitProbe(ctx, rcv, probe, 90*time.Second); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "alertlat: %s: warming up %d hosts for %v\n", cfg.target, cfg.hosts, cfg.warmup)
	if err := sleep(ctx, cfg.warmup); err != nil {
		return err
	}
	sent, err := p.crossAll(ctx, names, cfg.pace)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "alertlat: %s: %d hosts crossed; waiting up to %v for their notifications\n", cfg.target, len(sent), cfg.timeout)
	arrived := rcv.waitAll(ctx, names, sent[len(sent)-1].Add(cfg.timeout))
	stopBG()
	r := summarize(names, sent, arrived, cfg.timeout)
	r.target, r.duplicates, r.rejected, r.pushErrors = cfg.target, rcv.Duplicates(), rcv.Rejected(), p.Errors()
	fmt.Println(r)
	if cfg.out != "" {
		return writeDetail(cfg.out, names, sent, arrived)
	}
	return nil
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
