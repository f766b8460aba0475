package buffer

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
)

// Append stores payload durably at the end of the queue; when that takes the
// buffer over its bound, the oldest segments are dropped and counted.
func (b *Buffer) Append(payload []byte) error {
	n := framedLen(payload)
	if len(payload) == 0 || len(payload) > maxRecord || n+headerLen > b.max/2 {
		b.mu.Lock()
		b.stats.DroppedBatches++
		b.stats.DroppedBytes += uint64(n)
		b.mu.Unlock()
		return fmt.Errorf("%w: %d bytes", ErrTooLarge, len(payload))
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.w == nil {
		return errors.New("buffer: closed")
	}
	last := &b.segs[len(b.segs)-1]
	if last.size > headerLen && last.size+n > b.segMax {
		if err := b.newSegment(b.next); err != nil {
			return err
		}
		last = &b.segs[len(b.segs)-1]
	}
	if err := b.write(last, payload); err != nil {
		return err
	}
	b.next++
	b.stats.AppendedBatches++
	b.enforceBound()
	select {
	case b.notify <- struct{}{}:
	default:
	}
	return nil
}

// write puts one record at the end of the last segment and fsyncs it. On
// failure the segment is cut back so that no half record stays behind it.
func (b *Buffer) write(last *segment, payload []byte) error {
	rec := appendRecord(make([]byte, 0, framedLen(payload)), payload)
	_, err := b.w.Write(rec)
	if err == nil {
		err = b.w.Sync()
	}
	if err != nil {
		if terr := b.w.Truncate(last.size); terr == nil {
			b.w.Seek(last.size, io.SeekStart)
		}
		return fmt.Errorf("buffer: cannot append to %q: %w", b.w.Name(), err)
	}
	last.size += int64(len(rec))
	return nil
}

// newSegment closes the segment being written and starts one numbered first.
func (b *Buffer) newSegment(first uint64) error {
	path := b.segPath(first)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("buffer: cannot create segment %q: %w", path, err)
	}
	if _, err := f.Write([]byte(magic)); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("buffer: cannot create segment %q: %w", path, err)
	}
	syncDir(b.dir)
	if b.w != nil && b.w != b.r {
		b.w.Close()
	}
	b.w = f
	b.segs = append(b.segs, segment{first: first, size: headerLen})
	b.next = first
	if b.r == nil {
		return b.openReader()
	}
	return nil
}

// enforceBound drops the oldest segments, never the one being written, while
// the buffer is over its bound.
func (b *Buffer) enforceBound() {
	for len(b.segs) > 1 && b.total() > b.max {
		old := b.segs[0]
		lost := b.segs[1].first - b.rSeq
		b.stats.DroppedBatches += lost
		b.stats.DroppedBytes += uint64(old.size - b.rOff)
		b.logger.Warn("agent buffer: full, dropped the oldest unsent batches",
			"batches", lost, "bytes", old.size-b.rOff, "max_bytes", b.max)
		b.removeFirst()
	}
}

func (b *Buffer) total() int64 {
	var t int64
	for _, s := range b.segs {
		t += s.size
	}
	return t
}

// removeFirst deletes segs[0] and moves the read position to the next one.
func (b *Buffer) removeFirst() {
	b.r.Close()
	b.r = nil
	if err := os.Remove(b.segPath(b.segs[0].first)); err != nil {
		b.logger.Warn("agent buffer: cannot remove segment", "err", err)
	}
	b.segs = b.segs[1:]
	if err := b.openReader(); err != nil {
		b.logger.Error("agent buffer: cannot open the next segment", "err", err)
	}
	b.writeAck()
}

// openReader points the read position at the start of segs[0].
func (b *Buffer) openReader() error {
	b.head, b.rSeq, b.rOff = nil, b.segs[0].first, headerLen
	if len(b.segs) == 1 && b.w != nil {
		// Reading and writing the same file through two handles is fine, but
		// one handle is cheaper and Windows cannot remove a file held open.
		b.r = b.w
		return nil
	}
	f, err := os.Open(b.segPath(b.segs[0].first))
	if err != nil {
		return fmt.Errorf("buffer: cannot open segment: %w", err)
	}
	b.r = f
	return nil
}

// Next returns the oldest unacknowledged batch and its number; ok is false
// when there is none. It returns the same batch until Ack is called for it.
func (b *Buffer) Next() (seq uint64, payload []byte, ok bool, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.r == nil {
		return 0, nil, false, errors.New("buffer: closed")
	}
	p, err := b.peek()
	if err != nil || p == nil {
		return 0, nil, false, err
	}
	return b.rSeq, p, true, nil
}

// peek reads the record at the read position, moving past finished and
// damaged segments. It returns nil when the queue is empty.
func (b *Buffer) peek() ([]byte, error) {
	for b.head == nil {
		if b.rOff >= b.segs[0].size && len(b.segs) == 1 {
			return nil, nil
		}
		p, err := readRecord(io.NewSectionReader(b.r, b.rOff, b.segs[0].size-b.rOff))
		switch {
		case err == nil:
			b.head = p
		case err == io.EOF && len(b.segs) > 1:
			b.removeFirst() // read to its end: every record in it is acknowledged
		case errors.Is(err, errTorn):
			b.skipDamaged()
		default:
			return nil, err
		}
	}
	return b.head, nil
}

// skipDamaged gives up on the rest of segs[0] after a bad record in it.
func (b *Buffer) skipDamaged() {
	b.logger.Warn("agent buffer: damaged record; skipping the rest of its segment",
		"segment", b.segPath(b.segs[0].first), "offset", b.rOff)
	if len(b.segs) == 1 {
		// The segment being written: continue in a fresh one.
		if err := b.newSegment(b.next); err != nil {
			b.logger.Error("agent buffer: cannot start a new segment", "err", err)
			return
		}
	}
	b.stats.CorruptRecords += max(b.segs[1].first-b.rSeq, 1)
	b.removeFirst()
}

// advance moves the read position past the head record.
func (b *Buffer) advance() {
	b.rOff += framedLen(b.head)
	b.rSeq++
	b.head = nil
}

// Ack removes batch seq, returned by Next, from the queue. Acknowledging a
// batch that was dropped meanwhile does nothing.
func (b *Buffer) Ack(seq uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.head == nil || seq != b.rSeq {
		return
	}
	b.advance()
	b.writeAck()
}

// listSegments returns the segments in dir, oldest first.
func listSegments(dir string) ([]segment, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("buffer: cannot list %q: %w", dir, err)
	}
	var segs []segment
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".seg")
		first, err := strconv.ParseUint(name, 10, 64)
		if !ok || err != nil || !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			return nil, fmt.Errorf("buffer: cannot stat %q: %w", e.Name(), err)
		}
		segs = append(segs, segment{first: first, size: info.Size()})
	}
	slices.SortFunc(segs, func(a, b segment) int { return cmpUint(a.first, b.first) })
	return segs, nil
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// syncDir makes a new file's name durable. Windows cannot fsync a directory
// and NTFS journals names anyway, so there it is skipped.
func syncDir(dir string) {
	if runtime.GOOS == "windows" {
		return
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
