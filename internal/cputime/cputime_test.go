package cputime

import "testing"

// Work done shows in the process's CPU time.
func TestProcessCountsWork(t *testing.T) {
	before := Process()
	x := 0
	for Process()-before < 10_000_000 { // 10 ms of CPU
		for i := range 1_000_000 {
			x += i
		}
	}
	if x == 0 || Process() <= before {
		t.Fatalf("CPU time did not grow: %v then %v", before, Process())
	}
}
