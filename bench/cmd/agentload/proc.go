package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// cpuTimes is a process's CPU time and start from /proc/PID/stat, in clock
// ticks; all of its threads are counted.
type cpuTimes struct {
	utime, stime, start uint64
}

func readStat(pid int) (cpuTimes, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return cpuTimes{}, fmt.Errorf("cannot read stat of %d: %w", pid, err)
	}
	return parseStat(data)
}

// parseStat reads fields 14 (utime), 15 (stime) and 22 (starttime). The
// command name, field 2, may hold spaces and parentheses: fields are counted
// from its last closing parenthesis.
func parseStat(data []byte) (cpuTimes, error) {
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return cpuTimes{}, fmt.Errorf("stat %q: no command name", data)
	}
	f := strings.Fields(string(data[i+1:])) // f[0] is field 3
	if len(f) < 20 {
		return cpuTimes{}, fmt.Errorf("stat: %d fields after the name, want 20 or more", len(f))
	}
	var t cpuTimes
	var err error
	for _, p := range []struct {
		dst   *uint64
		field int
	}{{&t.utime, 14}, {&t.stime, 15}, {&t.start, 22}} {
		if *p.dst, err = strconv.ParseUint(f[p.field-3], 10, 64); err != nil {
			return cpuTimes{}, fmt.Errorf("stat field %d: %w", p.field, err)
		}
	}
	return t, nil
}

// memory is a process's resident set and its peak, in bytes.
type memory struct {
	rss, hwm uint64
}

func readStatus(pid int) (memory, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memory{}, fmt.Errorf("cannot read status of %d: %w", pid, err)
	}
	return parseStatus(data)
}

// parseStatus reads VmRSS and VmHWM, which the kernel gives in kB.
func parseStatus(data []byte) (memory, error) {
	var m memory
	var seen int
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		if err != nil {
			return memory{}, fmt.Errorf("status %s: %w", key, err)
		}
		if key == "VmRSS" {
			m.rss = kb << 10
		} else {
			m.hwm = kb << 10
		}
		seen++
	}
	if seen != 2 {
		return memory{}, fmt.Errorf("status: VmRSS or VmHWM missing")
	}
	return m, nil
}

// uptime returns the seconds since boot, the clock of the stat start time.
func uptime() (float64, error) {
	data, err := os.ReadFile("/proc/uptime")
	if err != nil {
		return 0, fmt.Errorf("cannot read uptime: %w", err)
	}
	s, _, _ := strings.Cut(string(data), " ")
	return strconv.ParseFloat(s, 64)
}
