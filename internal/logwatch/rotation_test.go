package logwatch

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestRenameRotation(t *testing.T) {
	_, path := tempLog(t)
	old := path + ".1"
	write(t, path, "")
	clk := newClock()
	h := start(t, []Config{anyLine(path)}, "", WithClock(clk.now), WithRotateWait(5*time.Second))
	h.expect()
	write(t, path, lines(1, 3))
	h.expect(names(1, 3)...)

	write(t, path, lines(4, 5)) // after the last poll, before the rotation
	rename(t, path, old)
	write(t, old, lines(6, 6)) // the application has not reopened yet
	write(t, path, lines(7, 8))
	h.expect(names(1, 8)[3:]...)
	for _, e := range h.events[3:6] {
		if e.Source != path {
			t.Fatalf("rotated file's event source = %q, want %q", e.Source, path)
		}
	}

	clk.advance(4 * time.Second)
	write(t, old, lines(9, 9)) // a late write, within the rotate wait
	h.expect("L9")
	clk.advance(5 * time.Second)
	write(t, path, lines(10, 10))
	h.expect("L10")
	want := []LineCounter{{Item: "app", Path: path, Value: 10}}
	if got := h.w.LineCounters(); !slices.Equal(got, want) {
		t.Fatalf("LineCounters = %+v, want %+v (old file closed)", got, want)
	}
}

// TestRotationCycles rotates many times and counts, like the end-to-end
// test: every line once, in order, for each rotation style and glob.
func TestRotationCycles(t *testing.T) {
	// copytruncate loses what is written between the last poll and the
	// truncation (it is only in the copy, which must not match the glob),
	// so that style polls right before rotating.
	f := func(name, glob string, pollFirst bool, rotate func(t *testing.T, path string, cycle int)) {
		t.Run(name, func(t *testing.T) {
			dir, path := tempLog(t)
			write(t, path, "")
			cfg := anyLine(filepath.Join(dir, glob))
			cfg.Exclude = []string{"*.gz"}
			h := start(t, []Config{cfg}, filepath.Join(dir, "pos.json"), WithRotateWait(0))
			h.expect()
			n := 0
			var want []string
			for cycle := range 6 {
				for range cycle + 2 { // some lines before the poll, some after
					n++
					write(t, path, lines(n, n))
					want = append(want, fmt.Sprintf("L%d", n))
				}
				if cycle%2 == 0 {
					h.poll()
				}
				n++
				write(t, path, lines(n, n))
				want = append(want, fmt.Sprintf("L%d", n))
				if pollFirst {
					h.poll()
				}
				rotate(t, path, cycle)
				h.poll()
			}
			n++
			write(t, path, lines(n, n))
			want = append(want, fmt.Sprintf("L%d", n))
			h.poll()
			var got []string
			for _, e := range h.events {
				got = append(got, e.Message)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("got  %q\nwant %q", got, want)
			}
		})
	}
	renameCreate := func(t *testing.T, path string, cycle int) {
		for i := cycle; i >= 1; i-- { // shift app.log.i to app.log.i+1, as logrotate does
			rename(t, fmt.Sprintf("%s.%d", path, i), fmt.Sprintf("%s.%d", path, i+1))
		}
		rename(t, path, path+".1")
		write(t, path, "")
	}
	copyTruncate := func(t *testing.T, path string, cycle int) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(fmt.Sprintf("%s.%d.gz", path, cycle), data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(path, 0); err != nil {
			t.Fatal(err)
		}
	}
	f("rename, exact glob", "app.log", false, renameCreate)
	f("rename, glob with rotated files", "app.log*", false, renameCreate)
	f("copytruncate", "app.log*", true, copyTruncate)
}

func TestCopyTruncate(t *testing.T) {
	_, path := tempLog(t)
	write(t, path, "")
	h := start(t, []Config{anyLine(path)}, "")
	h.expect()
	write(t, path, lines(1, 20))
	h.expect(names(1, 20)...)

	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	write(t, path, lines(21, 22)) // shorter than the offset: size < offset
	h.expect(names(21, 22)...)

	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	// Longer than the offset before the poll: only the fingerprint tells.
	write(t, path, lines(23, 60))
	h.expect(names(23, 60)...)
}

func TestRestartResumes(t *testing.T) {
	dir, path := tempLog(t)
	pos := filepath.Join(dir, "positions.json")
	write(t, path, "L0 before the first start\n")
	h := start(t, []Config{anyLine(path)}, pos)
	h.expect()
	write(t, path, lines(1, 3))
	h.expect(names(1, 3)...)
	h.close()

	write(t, path, lines(4, 5))
	h2 := start(t, []Config{anyLine(path)}, pos)
	h2.expect(names(4, 5)...)
	write(t, path, lines(6, 6))
	h2.expect("L6")

	// Without Close, as after kill -9: Poll saved the positions already.
	write(t, path, lines(7, 7))
	h3 := start(t, []Config{anyLine(path)}, pos)
	h3.expect("L7")
}

func TestRestartAfterRotationWhileStopped(t *testing.T) {
	f := func(name, glob string, keepOld bool, want []string) {
		t.Run(name, func(t *testing.T) {
			dir, path := tempLog(t)
			pos := filepath.Join(dir, "positions.json")
			cfg := anyLine(filepath.Join(dir, glob))
			write(t, path, "")
			h := start(t, []Config{cfg}, pos)
			h.expect()
			write(t, path, lines(1, 2))
			h.expect("L1", "L2")
			h.close()

			write(t, path, lines(3, 4)) // written while stopped, then rotated
			if keepOld {
				rename(t, path, path+".1")
			} else if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			write(t, path, lines(5, 6))
			h2 := start(t, []Config{cfg}, pos)
			h2.expect(want...)
			write(t, path, lines(7, 7))
			h2.expect("L7")
		})
	}
	f("rotated out of an exact glob", "app.log", true, names(3, 6))
	f("rotated within the glob", "app.log*", true, names(3, 6))
	f("rotated and deleted", "app.log", false, names(5, 6))
}

func TestRestartFileCreatedWhileStopped(t *testing.T) {
	dir, path := tempLog(t)
	pos := filepath.Join(dir, "positions.json")
	h := start(t, []Config{anyLine(path)}, pos)
	h.expect() // no file yet, but the item is now known
	h.close()
	write(t, path, lines(1, 2))
	start(t, []Config{anyLine(path)}, pos).expect("L1", "L2")
}

func TestTruncatedBeforeFirstPoll(t *testing.T) {
	_, path := tempLog(t)
	write(t, path, lines(1, 5))
	h := start(t, []Config{anyLine(path)}, "")
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	write(t, path, lines(6, 20)) // longer than the start offset taken by New
	h.expect(names(6, 20)...)
}
