// Command mspsim simulates a managed service provider's day against a real
// unyo server and measures what it costs at a given size in hosts.
//
// For each size it starts `unyo server` as a child process (loopback, a
// temporary data directory, embedded storage), creates tenants of
// -hosts-per-tenant hosts each with services, a webhook channel to a local
// receiver, a default escalation policy, and the built-in Linux template
// assigned by selector; then runs one simulated agent per host speaking the
// agent's protocol (configuration pull with If-None-Match, remote write of
// 300 OS series encoded by the agent's own encoder at the agent's interval,
// log events), with one host in ten misbehaving (CPU spike, failing check,
// log errors, silence) from a time inside the steady window. An operator reads
// the board, a tenant's alert list, a host page and a PromQL range query at a
// steady rate. After the warm-up, the steady window is measured; then the
// month's reports of some tenants are generated and timed.
//
// Each size adds a row to <out>/results.json and results.csv (a row of the
// same size is replaced) and redraws <out>/chart.svg from all rows.
//
// With -soak DURATION it runs one size for that long instead (issue 21: a
// day at 1,000 hosts, by hand), samples the server every -soak-every (RSS,
// Go heap, goroutines, open files, head series, WAL and data directory, the
// interval's p99s) into <out>/soak-<size>.json, .svg and .md as it goes,
// and judges each resource's least-squares slope after -soak-skip.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// config is what the flags set.
type config struct {
	sizes          []int
	bin, out       string
	hostsPerTenant int
	interval       time.Duration
	pullEvery      time.Duration
	warmup, steady time.Duration
	readEvery      time.Duration
	reports        int
	keep           bool
	profile        bool
	provisioners   int
	peers          []string      // measured after unyo at each size, under the same metric load
	peersOnly      bool          // the peers alone, added to an earlier run's row
	soak           time.Duration // a soak of one size instead of the steady window
	soakEvery      time.Duration
	soakSkip       time.Duration // 0: soakSkip's default
	soakReports    time.Duration // 0: no reports during a soak
	serverArgs     []string      // more flags for unyo's server
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "mspsim:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if cfg.soak > 0 {
		res, err := runSoak(ctx, cfg, cfg.sizes[0])
		if len(res.Samples) > 0 {
			fmt.Print(soakTable(res))
			if werr := os.WriteFile(soakPath(cfg, res.Hosts, ".md"), []byte(soakTable(res)), 0o644); werr != nil && err == nil {
				err = werr
			}
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "mspsim: soak at %d hosts: %v\n", cfg.sizes[0], err)
			os.Exit(1)
		}
		return
	}
	for _, n := range cfg.sizes {
		r := row{Hosts: n, peersOnly: true}
		if !cfg.peersOnly {
			var err error
			if r, err = runSize(ctx, cfg, n); err != nil {
				fmt.Fprintf(os.Stderr, "mspsim: %d hosts: %v\n", n, err)
				os.Exit(1)
			}
			fmt.Println(r.line())
		}
		for _, p := range cfg.peers {
			pr, err := runPeer(ctx, cfg, n, p)
			if err != nil {
				fmt.Fprintf(os.Stderr, "mspsim: %d hosts: %s: %v\n", n, p, err)
				os.Exit(1)
			}
			fmt.Println(pr.line(n))
			r.Peers = append(r.Peers, pr)
		}
		if err := record(cfg.out, r); err != nil {
			fmt.Fprintln(os.Stderr, "mspsim:", err)
			os.Exit(1)
		}
	}
}

func parseFlags(args []string) (config, error) {
	var c config
	var sizes, peers string
	fs := flag.NewFlagSet("mspsim", flag.ContinueOnError)
	fs.StringVar(&sizes, "sizes", "100", "sizes in hosts, comma-separated (e.g. 100,500,1000)")
	fs.StringVar(&c.bin, "bin", "bin/unyo", "the unyo binary")
	fs.StringVar(&c.out, "out", "bench/results/mspsim", "directory of results.json, results.csv and chart.svg")
	fs.IntVar(&c.hostsPerTenant, "hosts-per-tenant", 20, "hosts of each tenant")
	fs.DurationVar(&c.interval, "interval", 15*time.Second, "agents' collection interval (the agent's default)")
	fs.DurationVar(&c.pullEvery, "pull-every", time.Minute, "agents' configuration pull interval (the agent's default)")
	fs.DurationVar(&c.warmup, "warmup", 2*time.Minute, "time before the steady window")
	fs.DurationVar(&c.steady, "steady", 5*time.Minute, "the measured window")
	fs.DurationVar(&c.readEvery, "read-every", 250*time.Millisecond, "time between two operator reads")
	fs.IntVar(&c.reports, "reports", 10, "tenants whose month report is generated at the end")
	fs.BoolVar(&c.keep, "keep", false, "keep the server's data directory")
	fs.Func("server-arg", "one more flag for unyo's server, repeatable (e.g. -server-arg=--tsdb-block-duration=5m for a soak that sees compactions)", func(v string) error {
		c.serverArgs = append(c.serverArgs, v)
		return nil
	})
	fs.IntVar(&c.provisioners, "provisioners", 32, "tenants provisioned at once (each one's calls in turn)")
	fs.BoolVar(&c.profile, "profile", false, "take the server's CPU, mutex and block profiles and goroutine dumps over the steady window into <out>/profiles")
	fs.StringVar(&peers, "peer", "", "peers to measure after unyo at each size under the same metric load: prometheus (with Alertmanager and the translated rules), victoriametrics")
	fs.BoolVar(&c.peersOnly, "peers-only", false, "run the -peer peers alone and add them to the row of each size already in <out>/results.json (unyo's figures from that earlier run)")
	fs.DurationVar(&c.soak, "soak", 0, "run one size for this long after the warm-up (e.g. 24h) and sample the server every -soak-every into <out>/soak-<size>.json, .svg and .md, instead of the steady window")
	fs.DurationVar(&c.soakEvery, "soak-every", time.Minute, "a soak's sampling interval")
	fs.DurationVar(&c.soakReports, "soak-reports-every", 0, "during a soak, generate this month's report of -reports tenants every this often, the next ones in turn (the overnight report run, spread over the soak; 0: none)")
	fs.DurationVar(&c.soakSkip, "soak-skip", 0, "a soak's samples left out of the trends (default 30m, at most a fifth of -soak)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	for _, s := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || n > 20_000 {
			return c, fmt.Errorf("-sizes: %q is not a size in 1..20000", s)
		}
		c.sizes = append(c.sizes, n)
	}
	if c.hostsPerTenant < 1 || c.interval < time.Second || c.pullEvery < time.Second || c.warmup < 0 ||
		c.steady < 10*time.Second || c.readEvery <= 0 || c.reports < 0 || c.provisioners < 1 {
		return c, errors.New("-hosts-per-tenant must be positive, -interval and -pull-every 1s or more, -steady 10s or more, -provisioners positive")
	}
	var err error
	if c.peers, err = parsePeers(peers); err != nil {
		return c, err
	}
	if c.soak > 0 && (len(c.sizes) != 1 || len(c.peers) > 0 || c.peersOnly || c.profile) {
		return c, errors.New("-soak takes one size, and no -peer, -peers-only or -profile")
	}
	if c.soak < 0 || c.soakEvery < time.Second || c.soakSkip < 0 || c.soakReports < 0 || (c.soak > 0 && c.soak < minTrendPoints*c.soakEvery+soakSkip(c)) {
		return c, fmt.Errorf("-soak must leave %d samples of -soak-every (%v, 1s or more) after -soak-skip", minTrendPoints, c.soakEvery)
	}
	if c.peersOnly && len(c.peers) == 0 {
		return c, errors.New("-peers-only needs -peer")
	}
	for _, p := range c.peers {
		if _, err := lookPeer(p); err != nil {
			return c, err
		}
	}
	if _, err := os.Stat(c.bin); err != nil {
		return c, fmt.Errorf("-bin: %w (make build first)", err)
	}
	return c, nil
}

// tenantsFor spreads n hosts over tenants of per hosts (the last may have
// fewer), with their behaviours.
func tenantsFor(n, per int) []*tenant {
	var ts []*tenant
	for i := 0; i < n; i++ {
		if i%per == 0 {
			ts = append(ts, &tenant{id: fmt.Sprintf("c%04d", len(ts))})
		}
		t := ts[len(ts)-1]
		t.hosts = append(t.hosts, newHost(t.id, fmt.Sprintf("%s-web-%03d", t.id, len(t.hosts)), behaviourOf(i)))
	}
	return ts
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "mspsim: %s %s\n", time.Now().UTC().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// loadAverage is the machine's 1-minute load average, to say under what load
// a figure was taken.
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(b))
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}
