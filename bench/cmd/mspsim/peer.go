package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The peers -peer takes: Prometheus with the translated rules and an
// Alertmanager; VictoriaMetrics alone, as a store; and VictoriaMetrics with
// vmalert evaluating the same rules into an Alertmanager.
const (
	peerPrometheus      = "prometheus"
	peerVictoriaMetrics = "victoriametrics"
	peerVMAlert         = "vmalert"
)

// parsePeers reads -peer: a comma-separated list of peers, or none.
func parsePeers(s string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		switch p {
		case "":
		case peerPrometheus, peerVictoriaMetrics, peerVMAlert:
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		default:
			return nil, fmt.Errorf("-peer: %q is not a peer (prometheus, victoriametrics, vmalert)", p)
		}
	}
	return out, nil
}

// peerBinaries are the executables each peer needs, by Debian's names first.
var peerBinaries = map[string][][]string{
	peerPrometheus:      {{"prometheus"}, {"prometheus-alertmanager", "alertmanager"}},
	peerVictoriaMetrics: {{"victoria-metrics", "victoria-metrics-prod"}},
	peerVMAlert:         {{"victoria-metrics", "victoria-metrics-prod"}, {"vmalert", "vmalert-prod"}, {"prometheus-alertmanager", "alertmanager"}},
}

// lookPeer finds the executables of peer p, in peerBinaries' order.
func lookPeer(p string) ([]string, error) {
	var bins []string
	for _, names := range peerBinaries[p] {
		found := ""
		for _, n := range names {
			if path, err := exec.LookPath(n); err == nil {
				found = path
				break
			}
		}
		if found == "" {
			return nil, fmt.Errorf("-peer %s: %s not found (apt-get install prometheus prometheus-alertmanager victoria-metrics)", p, names[0])
		}
		bins = append(bins, found)
	}
	return bins, nil
}

// proc is one child process of a peer, on loopback with its own directory.
type proc struct {
	name    string
	cmd     *exec.Cmd
	log     *os.File
	metrics string        // its /metrics URL
	exited  chan struct{} // closed once it has exited and been waited for
}

// startProc starts bin with args, logging into dir, and waits until ready
// answers 200 (at most 60 s).
func startProc(ctx context.Context, dir, name, bin string, args []string, ready, metrics string) (*proc, error) {
	logf, err := os.Create(filepath.Join(dir, name+".log"))
	if err != nil {
		return nil, err
	}
	p := &proc{name: name, cmd: exec.Command(bin, args...), log: logf, metrics: metrics, exited: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = logf, logf
	if err := p.cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	go func() { p.cmd.Wait(); close(p.exited) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if resp, err := http.Get(ready); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		select {
		case <-p.exited:
			logf.Close()
			return nil, fmt.Errorf("%s exited at start (see %s)", name, logf.Name())
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			p.stop()
			return nil, fmt.Errorf("%s: not ready at %s after 60 s (see %s)", name, ready, logf.Name())
		}
	}
}

// stop ends the process politely, then for good after 30 s.
func (p *proc) stop() {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		<-p.exited
	}
	p.log.Close()
}

// statFields are the fields of /proc/PID/stat after the command's name,
// which may hold spaces: the process's state is the first.
func statFields(b []byte) []string {
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+1:]
	}
	return strings.Fields(s)
}

// userHZ is the unit of /proc's CPU times on Linux (USER_HZ).
const userHZ = 100

// cpuSeconds is the user and system CPU the process used so far, from
// /proc/PID/stat, as process_cpu_seconds_total reads it.
func (p *proc) cpuSeconds() (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("%s: %w", p.name, err)
	}
	f := statFields(b)
	if len(f) < 13 {
		return 0, fmt.Errorf("%s: /proc stat has %d fields", p.name, len(f))
	}
	ut, err1 := strconv.ParseFloat(f[11], 64)
	st, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("%s: /proc stat: utime %q stime %q", p.name, f[11], f[12])
	}
	return (ut + st) / userHZ, nil
}

// rssBytes is the process's resident set now (VmRSS), as
// process_resident_memory_bytes reads it.
func (p *proc) rssBytes() (float64, error) {
	v, err := vmRSS(p.cmd.Process.Pid)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", p.name, err)
	}
	return v, nil
}

var versionRE = regexp.MustCompile(`^(?:prometheus_build_info|alertmanager_build_info|vm_app_version)\{.*version="([^"]*)"`)

// version is the version the process reports in its own metrics.
func (p *proc) version() string {
	resp, err := http.Get(p.metrics)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if m := versionRE.FindStringSubmatch(sc.Text()); m != nil {
			return m[1]
		}
	}
	return ""
}

// metric reads one unlabelled sample from the process's /metrics.
func (p *proc) metric(name string) (float64, error) {
	resp, err := http.Get(p.metrics)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	return 0, fmt.Errorf("%s: no %s in %s", p.name, name, p.metrics)
}

// peer is one peer's processes and where the load goes.
type peer struct {
	name     string // as the results name it
	procs    []*proc
	writeURL string // Prometheus remote write 1.0
	queryURL string // base of /api/v1/query_range
	data     string // its data directories' parent, for the disk growth
	series   func() (float64, error)
}

// startPeer starts peer kind in dir: Prometheus with the translated rules
// and an Alertmanager posting to hookURL, or VictoriaMetrics alone.
func startPeer(ctx context.Context, kind, dir, hookURL string) (*peer, error) {
	bins, err := lookPeer(kind)
	if err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		return nil, err
	}
	switch kind {
	case peerPrometheus:
		return startPrometheus(ctx, dir, data, bins[0], bins[1], hookURL)
	case peerVictoriaMetrics:
		return startVictoriaMetrics(ctx, dir, data, bins[0])
	case peerVMAlert:
		return startVMAlert(ctx, dir, data, bins, hookURL)
	}
	return nil, fmt.Errorf("-peer: %q is not a peer", kind)
}

func startPrometheus(ctx context.Context, dir, data, promBin, amBin, hookURL string) (*peer, error) {
	rules, err := peerRules()
	if err != nil {
		return nil, err
	}
	am, aaddr, err := startAlertmanager(ctx, dir, data, amBin, hookURL)
	if err != nil {
		return nil, err
	}
	paddr, err := freeAddr()
	if err != nil {
		am.stop()
		return nil, err
	}
	promCfg := fmt.Sprintf("global:\n  evaluation_interval: %s\nrule_files: [%q]\nalerting:\n  alertmanagers:\n    - static_configs:\n        - targets: [%q]\n",
		shortDur(ruleInterval), filepath.Join(dir, "rules.yml"), aaddr)
	for name, b := range map[string][]byte{"rules.yml": rules, "prometheus.yml": []byte(promCfg)} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			am.stop()
			return nil, err
		}
	}
	base := "http://" + paddr
	prom, err := startProc(ctx, dir, "prometheus", promBin, []string{"--config.file=" + filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path=" + filepath.Join(data, "prom"), "--web.listen-address=" + paddr, "--web.enable-remote-write-receiver",
		"--log.level=warn"}, base+"/-/ready", base+"/metrics")
	if err != nil {
		am.stop()
		return nil, err
	}
	p := &peer{name: namePrometheus, procs: []*proc{prom, am}, writeURL: base + "/api/v1/write", queryURL: base, data: data}
	p.series = func() (float64, error) { return prom.metric("prometheus_tsdb_head_series") }
	return p, nil
}

// startVictoriaMetrics starts VictoriaMetrics alone, with its defaults.
func startVictoriaMetrics(ctx context.Context, dir, data, bin string, flags ...string) (*peer, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	base := "http://" + addr
	vm, err := startProc(ctx, dir, "victoria-metrics", bin, append([]string{"-storageDataPath=" + filepath.Join(data, "vm"),
		"-httpListenAddr=" + addr, "-loggerLevel=WARN"}, flags...), base+"/health", base+"/metrics")
	if err != nil {
		return nil, err
	}
	p := &peer{name: nameVictoriaMetrics, procs: []*proc{vm}, writeURL: base + "/api/v1/write", queryURL: base, data: data}
	p.series = func() (float64, error) { return vmSeries(base) }
	return p, nil
}

// startVMAlert starts VictoriaMetrics, an Alertmanager and vmalert with the
// translated rules at unyo's interval, reading from VictoriaMetrics and
// writing the alerts' state (ALERTS, which the hysteresis reads) back to it.
// VictoriaMetrics answers queries without its default 30 s delay
// (-search.latencyOffset=0), as bench/alertlatency.sh runs it, or every
// alert would wait 30 s more.
func startVMAlert(ctx context.Context, dir, data string, bins []string, hookURL string) (*peer, error) {
	p, err := startVictoriaMetrics(ctx, dir, data, bins[0], "-search.latencyOffset=0")
	if err != nil {
		return nil, err
	}
	p.name = nameVMAlert
	am, aaddr, err := startAlertmanager(ctx, dir, data, bins[2], hookURL)
	if err != nil {
		p.stop()
		return nil, err
	}
	p.procs = append(p.procs, am)
	rules, err := peerRules()
	if err != nil {
		p.stop()
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "rules.yml"), rules, 0o644); err != nil {
		p.stop()
		return nil, err
	}
	vaddr, err := freeAddr()
	if err != nil {
		p.stop()
		return nil, err
	}
	va, err := startProc(ctx, dir, "vmalert", bins[1], []string{"-rule=" + filepath.Join(dir, "rules.yml"),
		"-datasource.url=" + p.queryURL, "-remoteWrite.url=" + p.queryURL, "-notifier.url=http://" + aaddr,
		"-evaluationInterval=" + shortDur(ruleInterval), "-httpListenAddr=" + vaddr, "-loggerLevel=WARN"},
		"http://"+vaddr+"/health", "http://"+vaddr+"/metrics")
	if err != nil {
		p.stop()
		return nil, err
	}
	p.procs = append(p.procs, va)
	return p, nil
}

// startAlertmanager starts an Alertmanager that posts to hookURL and returns
// it with its address.
func startAlertmanager(ctx context.Context, dir, data, bin, hookURL string) (*proc, string, error) {
	cfg, err := alertmanagerConfig(hookURL)
	if err != nil {
		return nil, "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "alertmanager.yml"), cfg, 0o644); err != nil {
		return nil, "", err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, "", err
	}
	am, err := startProc(ctx, dir, "alertmanager", bin, []string{"--config.file=" + filepath.Join(dir, "alertmanager.yml"),
		"--storage.path=" + filepath.Join(data, "am"), "--web.listen-address=" + addr, "--cluster.listen-address=", "--log.level=warn"},
		"http://"+addr+"/-/ready", "http://"+addr+"/metrics")
	return am, addr, err
}

// vmSeries is the number of series VictoriaMetrics holds.
func vmSeries(base string) (float64, error) {
	resp, err := http.Get(base + "/api/v1/series/count")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var v struct {
		Data []float64 `json:"data"`
	}
	if err := decodeJSON(resp, &v); err != nil || len(v.Data) != 1 {
		return 0, fmt.Errorf("victoria-metrics: series count: %v", err)
	}
	return v.Data[0], nil
}

// decodeJSON decodes a 200 answer's body into v.
func decodeJSON(resp *http.Response, v any) error {
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("answered %d", resp.StatusCode)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(v)
}

// stop stops the peer's processes, the last started first.
func (p *peer) stop() {
	for i := len(p.procs) - 1; i >= 0; i-- {
		p.procs[i].stop()
	}
}

// cpuSeconds is the CPU of every process of the peer, and of each.
func (p *peer) cpuSeconds() (float64, []float64, error) {
	var sum float64
	each := make([]float64, len(p.procs))
	for i, pr := range p.procs {
		v, err := pr.cpuSeconds()
		if err != nil {
			return 0, nil, err
		}
		sum, each[i] = sum+v, v
	}
	return sum, each, nil
}

// rssBytes is the resident set of every process of the peer, and of each.
func (p *peer) rssBytes() (float64, []float64, error) {
	var sum float64
	each := make([]float64, len(p.procs))
	for i, pr := range p.procs {
		v, err := pr.rssBytes()
		if err != nil {
			return 0, nil, err
		}
		sum, each[i] = sum+v, v
	}
	return sum, each, nil
}
