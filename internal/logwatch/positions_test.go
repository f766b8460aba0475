package logwatch

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestPositionsFile(t *testing.T) {
	dir, path := tempLog(t)
	pos := filepath.Join(dir, "state", "positions.json")
	write(t, path, "")
	h := start(t, []Config{anyLine(path)}, pos)
	h.expect()
	write(t, path, lines(1, 2)+"L3 unfinished")
	h.expect("L1", "L2")

	var pf positionsFile
	data, err := os.ReadFile(pos)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &pf); err != nil {
		t.Fatal(err)
	}
	recs := pf.Items["app"]
	if pf.Version != 1 || len(recs) != 1 {
		t.Fatalf("positions = %s", data)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	id, err := statID(path, fi)
	if err != nil {
		t.Fatal(err)
	}
	r := recs[0]
	if r.Path != path || r.id() != id {
		t.Fatalf("record %+v does not name %s (%+v)", r, path, id)
	}
	if r.Offset != int64(len(lines(1, 2))) {
		t.Fatalf("offset = %d, want the end of the last complete line %d", r.Offset, len(lines(1, 2)))
	}
	if r.HeadLen != fi.Size() {
		t.Fatalf("head_len = %d, want %d", r.HeadLen, fi.Size())
	}
	if matches, _ := filepath.Glob(pos + ".tmp-*"); len(matches) != 0 {
		t.Fatalf("temp files left: %v", matches)
	}
}

func TestCorruptPositionsFileIsMovedAside(t *testing.T) {
	dir, path := tempLog(t)
	pos := filepath.Join(dir, "positions.json")
	write(t, path, "L1\n")
	if err := os.WriteFile(pos, []byte(`{"version":1,"items":`), 0o600); err != nil {
		t.Fatal(err)
	}
	h := start(t, []Config{anyLine(path)}, pos)
	h.expect() // a first start again: existing lines skipped
	write(t, path, "L2\n")
	h.expect("L2")
	if _, err := os.Stat(pos + ".corrupt"); err != nil {
		t.Fatalf("corrupt file not kept: %v", err)
	}
}

func TestDormantPositionKeptUntilFileReturns(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "mnt")
	path := filepath.Join(sub, "app.log")
	pos := filepath.Join(dir, "positions.json")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, path, "")
	h := start(t, []Config{anyLine(path)}, pos)
	h.expect()
	write(t, path, lines(1, 1))
	h.expect("L1")
	h.close()

	// The volume is not there at the next start, then comes back.
	hidden := filepath.Join(dir, "hidden")
	rename(t, sub, hidden)
	h2 := start(t, []Config{anyLine(path)}, pos)
	h2.expect()
	rename(t, hidden, sub)
	write(t, path, lines(2, 2))
	h2.expect("L2")
}

func savedOffset(t *testing.T, pos string) int64 {
	t.Helper()
	var pf positionsFile
	data, err := os.ReadFile(pos)
	if err != nil {
		return -1
	}
	if err := json.Unmarshal(data, &pf); err != nil || len(pf.Items["app"]) != 1 {
		t.Fatalf("positions = %s (%v)", data, err)
	}
	return pf.Items["app"][0].Offset
}

func TestSaveEveryAndFlushBeforeSave(t *testing.T) {
	dir, path := tempLog(t)
	pos := filepath.Join(dir, "positions.json")
	write(t, path, "")
	clock := newClock()
	var h *harness
	flushed, failFlush := 0, false
	flush := func() error {
		// Everything emitted so far must be handed over now, before the save.
		flushed = len(h.events)
		if failFlush {
			return errors.New("buffer full")
		}
		return nil
	}
	h = start(t, []Config{anyLine(path)}, pos, WithClock(clock.now), WithSaveEvery(5*time.Second), WithFlush(flush))
	h.expect() // the first save: the item is known from now on
	clock.advance(5 * time.Second)
	write(t, path, lines(1, 2))
	h.expect("L1", "L2")
	first := savedOffset(t, pos)
	if first != int64(len(lines(1, 2))) || flushed != 2 {
		t.Fatalf("first save: offset %d, flushed after %d events", first, flushed)
	}

	// Within the save interval the positions stay on disk as they were.
	clock.advance(time.Second)
	write(t, path, lines(3, 3))
	h.expect("L3")
	if got := savedOffset(t, pos); got != first || flushed != 2 {
		t.Fatalf("saved within the interval: offset %d, flushed %d", got, flushed)
	}

	// A failed flush saves nothing: the lines will be read again.
	clock.advance(5 * time.Second)
	failFlush = true
	write(t, path, lines(4, 4))
	if err := h.w.Poll(context.Background()); err == nil {
		t.Fatal("Poll hid the failed flush")
	}
	if got := savedOffset(t, pos); got != first {
		t.Fatalf("positions saved though their events were not stored: %d", got)
	}

	// Close saves whatever the interval, after a flush.
	failFlush = false
	h.close()
	if got := savedOffset(t, pos); got != int64(len(lines(1, 4))) || flushed != 4 {
		t.Fatalf("at Close: offset %d, flushed after %d events", got, flushed)
	}
}
