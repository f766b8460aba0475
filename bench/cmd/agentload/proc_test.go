package main

import (
	"os"
	"testing"
)

func TestParseStat(t *testing.T) {
	f := func(line string, want cpuTimes) {
		t.Helper()
		got, err := parseStat([]byte(line))
		if err != nil {
			t.Fatalf("parseStat(%q): %v", line, err)
		}
		if got != want {
			t.Fatalf("parseStat(%q) = %+v, want %+v", line, got, want)
		}
	}
	f("4242 (unyo) S 1 4242 4242 0 -1 4194560 9000 0 0 0 1234 567 0 0 20 0 9 0 31337 1500000000 5000 18446744073709551615\n",
		cpuTimes{utime: 1234, stime: 567, start: 31337})
	// A name with spaces and a closing parenthesis must not shift the fields.
	f("7 (a) b (c)) R 1 7 7 0 -1 0 0 0 0 0 10 20 0 0 20 0 1 0 99 0 0 0",
		cpuTimes{utime: 10, stime: 20, start: 99})
}

func TestParseStatus(t *testing.T) {
	got, err := parseStatus([]byte("Name:\tunyo\nVmPeak:\t 900 kB\nVmHWM:\t   30000 kB\nVmRSS:\t   25000 kB\nThreads:\t9\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := (memory{rss: 25000 << 10, hwm: 30000 << 10}); got != want {
		t.Fatalf("parseStatus = %+v, want %+v", got, want)
	}
	if _, err := parseStatus([]byte("Name:\tkthreadd\n")); err == nil {
		t.Fatal("a kernel thread without VmRSS was accepted")
	}
}

// TestReadSelf reads this test's own process, as measure reads the others.
func TestReadSelf(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	if _, err := readStat(os.Getpid()); err != nil {
		t.Fatal(err)
	}
	m, err := readStatus(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if m.rss == 0 || m.hwm < m.rss {
		t.Fatalf("memory %+v: want 0 < rss <= hwm", m)
	}
}
