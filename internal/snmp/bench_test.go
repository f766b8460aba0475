package snmp_test

import (
	"context"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/snmp"
	"github.com/unyo-ops/unyo/internal/snmp/snmptest"
)

// The OIDs of one poll in these benchmarks: sysUpTime.0 (always) and
// sysServices.0.
const oidsPerPoll = 2

func cpu(who int) time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(who, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// report adds OIDs/s and the CPU per OID of the poller, and from that the
// OIDs one core sustains, which is what sizes a poller. snmpd's own CPU is
// not counted: it runs in another process, as the device would.
func report(b *testing.B, start time.Time, cpuUsed time.Duration) {
	oids := float64(b.N * oidsPerPoll)
	b.ReportMetric(oids/time.Since(start).Seconds(), "oids/s")
	if cpuUsed > 0 {
		b.ReportMetric(oids/cpuUsed.Seconds(), "oids/core-s")
	}
}

func v2c(a *snmptest.Agent) snmp.Target {
	return snmp.Target{Item: "b", Address: a.Address, Version: snmp.V2c, Community: snmptest.Community,
		Get: []snmp.Value{{OID: "1.3.6.1.2.1.1.7.0", Series: "sys_services"}}}
}

func v3(a *snmptest.Agent) snmp.Target {
	return snmp.Target{Item: "b", Address: a.Address, Version: snmp.V3, User: snmptest.User,
		AuthProtocol: snmptest.AuthProto, AuthPassword: snmptest.AuthPass, PrivProtocol: snmptest.PrivProto, PrivPassword: snmptest.PrivPass,
		Get: []snmp.Value{{OID: "1.3.6.1.2.1.1.7.0", Series: "sys_services"}}}
}

func benchPoll(b *testing.B, t snmp.Target) {
	s, err := snmp.Open(context.Background(), t, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.ResetTimer()
	start, cpu0 := time.Now(), cpu(syscall.RUSAGE_SELF)
	for i := 0; i < b.N; i++ {
		if _, out := s.Poll(time.Now()); !out.Up || out.Errors != 0 {
			b.Fatal(out)
		}
	}
	report(b, start, cpu(syscall.RUSAGE_SELF)-cpu0)
}

// BenchmarkPollV2c is unyo's poller against Debian's snmpd on loopback:
// one GET of two OIDs per poll on a kept socket.
func BenchmarkPollV2c(b *testing.B) { benchPoll(b, v2c(snmptest.Start(b))) }

// BenchmarkPollV3 is the same over SNMPv3 authPriv (SHA-256, AES).
func BenchmarkPollV3(b *testing.B) { benchPoll(b, v3(snmptest.Start(b))) }

// BenchmarkPollV2cParallel runs polls of many devices at once (a session
// per goroutine), as the poller does.
func BenchmarkPollV2cParallel(b *testing.B) {
	t := v2c(snmptest.Start(b))
	b.SetParallelism(8)
	b.ResetTimer()
	start, cpu0 := time.Now(), cpu(syscall.RUSAGE_SELF)
	b.RunParallel(func(pb *testing.PB) {
		s, err := snmp.Open(context.Background(), t, nil)
		if err != nil {
			b.Error(err)
			return
		}
		defer s.Close()
		for pb.Next() {
			if _, out := s.Poll(time.Now()); !out.Up {
				b.Error(out)
				return
			}
		}
	})
	report(b, start, cpu(syscall.RUSAGE_SELF)-cpu0)
}

func benchSnmpget(b *testing.B, args ...string) {
	bin := snmptest.Need(b, "snmpget", "snmp")
	b.ResetTimer()
	start, cpu0 := time.Now(), cpu(syscall.RUSAGE_CHILDREN)
	for i := 0; i < b.N; i++ {
		cmd := exec.Command(bin, append(append([]string{"-M", "/dev/null", "-On"}, args...), ".1.3.6.1.2.1.1.3.0", ".1.3.6.1.2.1.1.7.0")...)
		cmd.Env = append(cmd.Environ(), "MIBS=")
		if out, err := cmd.Output(); err != nil || len(out) == 0 {
			b.Fatalf("snmpget: %v %s", err, out)
		}
	}
	report(b, start, cpu(syscall.RUSAGE_CHILDREN)-cpu0)
}

// BenchmarkSnmpgetV2c is the same two OIDs by snmpget, a process per call,
// as scripts that wrap it poll; the CPU counted is snmpget's.
func BenchmarkSnmpgetV2c(b *testing.B) {
	a := snmptest.Start(b)
	benchSnmpget(b, "-v", "2c", "-c", snmptest.Community, a.Address)
}

// BenchmarkSnmpgetV3 is snmpget over v3 authPriv.
func BenchmarkSnmpgetV3(b *testing.B) {
	a := snmptest.Start(b)
	benchSnmpget(b, "-v", "3", "-l", "authPriv", "-u", snmptest.User, "-a", "SHA-256", "-A", snmptest.AuthPass,
		"-x", "AES", "-X", snmptest.PrivPass, a.Address)
}
