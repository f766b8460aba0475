package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// memStatus is a process's resident set and its split, in bytes, from
// /proc/PID/status: VmRSS = RssAnon + RssFile + RssShmem. Anonymous pages
// (the Go heap, stacks, the runtime's and cgo's allocations) are what a
// leak grows; file-backed ones are pages of mapped files read (the TSDB's
// head chunk files and its blocks' index and chunks), which the kernel can
// reclaim and which grow with the blocks on disk.
type memStatus struct {
	VmRSS, RssAnon, RssFile, RssShmem float64
}

// readMemStatus is process pid's memStatus now.
func readMemStatus(pid int) (memStatus, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memStatus{}, err
	}
	defer f.Close()
	return parseMemStatus(f)
}

// parseMemStatus reads the four lines of a /proc/PID/status; a status
// without one of them (a zombie, or a kernel before 4.5) is an error.
func parseMemStatus(r io.Reader) (memStatus, error) {
	v, err := statusKB(r, "VmRSS", "RssAnon", "RssFile", "RssShmem")
	if err != nil {
		return memStatus{}, err
	}
	return memStatus{VmRSS: v[0], RssAnon: v[1], RssFile: v[2], RssShmem: v[3]}, nil
}

// vmRSS is process pid's resident set now, in bytes, from /proc/PID/status.
func vmRSS(pid int) (float64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return parseVmRSS(f)
}

// parseVmRSS reads the VmRSS line of a /proc/PID/status, in bytes.
func parseVmRSS(r io.Reader) (float64, error) {
	v, err := statusKB(r, "VmRSS")
	if err != nil {
		return 0, err
	}
	return v[0], nil
}

// statusKB reads the named "Key:  N kB" lines of a /proc/PID/status, in
// bytes, in the order named.
func statusKB(r io.Reader, keys ...string) ([]float64, error) {
	out := make([]float64, len(keys))
	found := make([]bool, len(keys))
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		key, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		for i, k := range keys {
			if k != key {
				continue
			}
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			if err != nil {
				return nil, fmt.Errorf("%s %q: %w", k, strings.TrimSpace(v), err)
			}
			out[i], found[i] = kb*1024, true
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	for i, k := range keys {
		if !found[i] {
			return nil, errors.New("no " + k + " (exited?)")
		}
	}
	return out, nil
}
