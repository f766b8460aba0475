package logwatch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"
)

// tailer reads one file, identified by fileID, from a committed offset.
// The file stays open between polls so that after a rename rotation the
// rest of the old file can still be read through the same handle.
type tailer struct {
	id   fileID
	path string // where the file matched the glob last; kept once rotated away
	f    *os.File

	offset  int64 // just past the last line handed out: what is saved
	readPos int64 // how far the file was read: offset plus the unfinished line
	split   lineSplitter
	head    head
	verify  bool // check the fingerprint at the next poll even if the size did not move

	lastGrow  time.Time // when readPos last moved, for the flush timeout
	rotatedAt time.Time // zero while the file matches the glob
	lines     *atomic.Uint64
}

func newTailer(f *os.File, id fileID, path string, lines *atomic.Uint64, now time.Time) *tailer {
	return &tailer{id: id, path: path, f: f, split: lineSplitter{max: maxLineBytes}, lastGrow: now, lines: lines}
}

// resume continues from a saved position; poll checks it against the file.
func (t *tailer) resume(r record) {
	t.offset, t.readPos = r.Offset, r.Offset
	t.head = head{N: r.HeadLen, Sum: r.HeadSum}
	// A deleted file's inode may be reused for its successor, which can
	// have exactly the saved size.
	t.verify = true
}

// tailWindow bounds how far back lastLineStart looks.
const tailWindow = 64 << 10

// lastLineStart is the end of f, less an unfinished last line: that line
// is being written now, so it belongs to what comes next.
func lastLineStart(f *os.File) (int64, error) {
	fi, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("stat: %w", err)
	}
	size := fi.Size()
	from := max(0, size-tailWindow)
	buf := make([]byte, size-from)
	if _, err := f.ReadAt(buf, from); err != nil && !errors.Is(err, io.EOF) {
		return 0, fmt.Errorf("read tail: %w", err)
	}
	if i := bytes.LastIndexByte(buf, '\n'); i >= 0 {
		return from + int64(i) + 1, nil
	}
	if from == 0 {
		return 0, nil
	}
	return size, nil
}

// startAtEnd skips what the file holds now, but for its unfinished last line.
func (t *tailer) startAtEnd() error {
	off, err := lastLineStart(t.f)
	if err != nil {
		return err
	}
	t.offset, t.readPos = off, off
	return t.extendHead()
}

// poll reads what was appended since the last poll, handing out complete
// lines, and the unfinished one once it has waited flushAfter.
func (t *tailer) poll(ctx context.Context, buf []byte, now time.Time, flushAfter time.Duration, onLine func([]byte)) error {
	fi, err := t.f.Stat()
	if err != nil {
		return fmt.Errorf("stat: %w", err)
	}
	size := fi.Size()
	if size != t.readPos || t.verify {
		t.verify = false
		replaced, err := t.replaced(size)
		if err != nil {
			return err
		}
		if replaced {
			t.restart(onLine)
		}
	}
	if size > t.readPos {
		t.lastGrow = now
		if err := t.readTo(ctx, size, buf, onLine); err != nil {
			return err
		}
		if err := t.extendHead(); err != nil {
			return err
		}
	}
	if t.split.pending > 0 && now.Sub(t.lastGrow) >= flushAfter {
		t.flush(onLine)
	}
	return nil
}

// replaced reports whether the file was truncated in place (copytruncate)
// or rewritten from its start, so that it must be read again from offset 0.
func (t *tailer) replaced(size int64) (bool, error) {
	if size < t.readPos {
		return true, nil
	}
	h, ok, err := readHead(t.f, t.head.N)
	if err != nil {
		return false, err
	}
	return !ok || h != t.head, nil
}

// restart reads the file again from its beginning. An unfinished line is
// handed out first: its end, if any, went into the truncated part.
func (t *tailer) restart(onLine func([]byte)) {
	t.flush(onLine)
	t.offset, t.readPos, t.head = 0, 0, head{}
}

func (t *tailer) readTo(ctx context.Context, size int64, buf []byte, onLine func([]byte)) error {
	for t.readPos < size {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := t.f.ReadAt(buf[:min(int64(len(buf)), size-t.readPos)], t.readPos)
		base := t.readPos
		t.split.feed(buf[:n], func(line []byte, end int) {
			t.offset = base + int64(end)
			onLine(line)
		})
		t.readPos += int64(n)
		if errors.Is(err, io.EOF) || (err == nil && n == 0) {
			return nil // truncated since the stat; the next poll sees it
		}
		if err != nil {
			return fmt.Errorf("read: %w", err)
		}
	}
	return nil
}

// extendHead grows the fingerprint over bytes read, up to headMax.
func (t *tailer) extendHead() error {
	n := min(t.readPos, headMax)
	if n <= t.head.N {
		return nil
	}
	h, ok, err := readHead(t.f, n)
	if err != nil || !ok {
		return err // a short file is caught as truncated by the next poll
	}
	t.head = h
	return nil
}

func (t *tailer) flush(onLine func([]byte)) {
	if line, ok := t.split.flush(); ok {
		t.offset = t.readPos
		onLine(line)
	}
}

// record is what the positions file keeps of the tailer.
func (t *tailer) record() record {
	return record{Path: t.path, Dev: t.id.Dev, Ino: t.id.Ino, Offset: t.offset, HeadLen: t.head.N, HeadSum: t.head.Sum}
}
