package poll_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/zabbix/agentproto"
	"github.com/unyo-ops/unyo/internal/zabbix/poll"
	"github.com/unyo-ops/unyo/internal/zabbix/psk"
	"github.com/unyo-ops/unyo/internal/zabbix/zabbixtest"
)

// cpu returns the user+system CPU time of this process (who =
// RUSAGE_SELF) or of its waited-for children (RUSAGE_CHILDREN).
func cpu(who int) time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(who, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// report adds polls/s and the poller's CPU per poll, and from that the
// polls one core sustains, which is what sizes a poller.
func report(b *testing.B, start time.Time, cpuUsed time.Duration) {
	wall := time.Since(start)
	b.ReportMetric(float64(b.N)/wall.Seconds(), "polls/s")
	perPoll := cpuUsed / time.Duration(b.N)
	b.ReportMetric(float64(perPoll.Microseconds()), "cpu-µs/poll")
	if perPoll > 0 {
		b.ReportMetric(float64(time.Second/perPoll), "polls/core-s")
	}
}

// BenchmarkPollRealAgent is unyo's poller against Debian's zabbix_agent2
// on loopback: one connection per check, as the passive protocol has it.
// The CPU counted is unyo's only (the agent runs in another process).
func BenchmarkPollRealAgent(b *testing.B) {
	a := zabbixtest.StartAgent(b)
	c := &agentproto.Client{Timeout: 5 * time.Second}
	t := poll.Target{Item: "fs", Address: a.Address, Key: "vfs.fs.size[/,pused]"}
	b.ResetTimer()
	start, cpu0 := time.Now(), cpu(syscall.RUSAGE_SELF)
	for i := 0; i < b.N; i++ {
		if _, out := poll.Poll(context.Background(), c, t, time.Now()); !out.Stored {
			b.Fatal(out.Reason)
		}
	}
	report(b, start, cpu(syscall.RUSAGE_SELF)-cpu0)
}

// BenchmarkPollRealAgentPSK is BenchmarkPollRealAgent against an agent with
// TLSAccept=psk: a TLS-PSK handshake (OpenSSL, through cgo) per check, as
// the passive protocol has one connection per check.
func BenchmarkPollRealAgentPSK(b *testing.B) {
	const id, hexKey = "PSK bench", "1f87b595725ac58dd977beef14b97461a7c1045b9a1c963065002c5473194952"
	a := zabbixtest.StartAgentPSK(b, id, hexKey)
	key, _ := psk.ParseKey(hexKey)
	c := &agentproto.Client{Timeout: 5 * time.Second, PSK: &psk.Key{Identity: id, Secret: key}}
	t := poll.Target{Item: "fs", Address: a.Address, Key: "vfs.fs.size[/,pused]"}
	b.ResetTimer()
	start, cpu0 := time.Now(), cpu(syscall.RUSAGE_SELF)
	for i := 0; i < b.N; i++ {
		if _, out := poll.Poll(context.Background(), c, t, time.Now()); !out.Stored {
			b.Fatal(out.Reason)
		}
	}
	report(b, start, cpu(syscall.RUSAGE_SELF)-cpu0)
}

// BenchmarkPollRealAgentParallel runs checks from as many goroutines as
// GOMAXPROCS, as the server's poller does with many hosts.
func BenchmarkPollRealAgentParallel(b *testing.B) {
	a := zabbixtest.StartAgent(b)
	c := &agentproto.Client{Timeout: 5 * time.Second}
	t := poll.Target{Item: "fs", Address: a.Address, Key: "vfs.fs.size[/,pused]"}
	b.ResetTimer()
	start, cpu0 := time.Now(), cpu(syscall.RUSAGE_SELF)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, out := poll.Poll(context.Background(), c, t, time.Now()); !out.Stored {
				b.Error(out.Reason)
				return
			}
		}
	})
	report(b, start, cpu(syscall.RUSAGE_SELF)-cpu0)
}

// BenchmarkZabbixGet is the same check by zabbix_get, a process per call,
// as scripts that wrap it poll; the CPU counted is zabbix_get's.
func BenchmarkZabbixGet(b *testing.B) {
	bin, err := exec.LookPath("zabbix_get")
	if err != nil {
		b.Fatalf("zabbix_get is not installed: Debian ships it in the package zabbix-proxy-sqlite3 (apt-get install --no-install-recommends zabbix-proxy-sqlite3): %v", err)
	}
	a := zabbixtest.StartAgent(b)
	host, port, _ := strings.Cut(a.Address, ":")
	b.ResetTimer()
	start, cpu0 := time.Now(), cpu(syscall.RUSAGE_CHILDREN)
	for i := 0; i < b.N; i++ {
		out, err := exec.Command(bin, "-s", host, "-p", port, "-k", "vfs.fs.size[/,pused]").Output()
		if err != nil || len(out) == 0 {
			b.Fatalf("zabbix_get: %v %s", err, out)
		}
	}
	report(b, start, cpu(syscall.RUSAGE_CHILDREN)-cpu0)
}

// BenchmarkZabbixGetPSK is BenchmarkPollRealAgentPSK by zabbix_get
// --tls-connect psk, a process per call; the CPU counted is zabbix_get's.
func BenchmarkZabbixGetPSK(b *testing.B) {
	bin, err := exec.LookPath("zabbix_get")
	if err != nil {
		b.Fatalf("zabbix_get is not installed: Debian ships it in the package zabbix-proxy-sqlite3 (apt-get install --no-install-recommends zabbix-proxy-sqlite3): %v", err)
	}
	const id, hexKey = "PSK bench", "1f87b595725ac58dd977beef14b97461a7c1045b9a1c963065002c5473194952"
	a := zabbixtest.StartAgentPSK(b, id, hexKey)
	file := filepath.Join(b.TempDir(), "unyo.psk")
	if err := os.WriteFile(file, []byte(hexKey+"\n"), 0o600); err != nil {
		b.Fatal(err)
	}
	host, port, _ := strings.Cut(a.Address, ":")
	b.ResetTimer()
	start, cpu0 := time.Now(), cpu(syscall.RUSAGE_CHILDREN)
	for i := 0; i < b.N; i++ {
		out, err := exec.Command(bin, "-s", host, "-p", port, "-k", "vfs.fs.size[/,pused]",
			"--tls-connect", "psk", "--tls-psk-identity", id, "--tls-psk-file", file).Output()
		if err != nil || len(out) == 0 || strings.HasPrefix(string(out), "ZBX_") {
			b.Fatalf("zabbix_get: %v %s", err, out)
		}
	}
	report(b, start, cpu(syscall.RUSAGE_CHILDREN)-cpu0)
}
