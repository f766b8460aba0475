package buffer

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
)

// ErrTooLarge is returned by Append for a batch that could never fit the bound.
var ErrTooLarge = errors.New("buffer: batch larger than the buffer allows")

// Options configure a Buffer.
type Options struct {
	Dir          string
	MaxBytes     int64 // bound on the segment files together
	SegmentBytes int64 // a segment is closed past this size; MaxBytes/8 (at most 8 MiB) when 0
}

// Stats are the buffer's counters; the agent reports them as metrics.
type Stats struct {
	AppendedBatches uint64 // appended since Open
	PendingBatches  uint64 // appended, not yet acknowledged
	PendingBytes    int64  // on disk, framing included
	DroppedBatches  uint64 // removed unsent to stay within MaxBytes
	DroppedBytes    uint64
	CorruptRecords  uint64 // torn or damaged records skipped
}

type segment struct {
	first uint64 // number of its first record
	size  int64  // bytes on disk
}

// Buffer is a bounded on-disk FIFO of byte batches with one reader. It is safe
// for concurrent use by one appender and one reader.
type Buffer struct {
	dir    string
	max    int64
	segMax int64
	logger *slog.Logger
	notify chan struct{}

	mu    sync.Mutex
	segs  []segment // oldest first; the last is the one appended to
	w     *os.File  // the last segment
	next  uint64    // number the next appended record gets
	r     *os.File  // segs[0], where the read position always is
	rOff  int64     // offset of the first unacknowledged record in segs[0]
	rSeq  uint64    // its number
	head  []byte    // that record once read, until acknowledged
	ack   *os.File  // the ack file, overwritten in place; opened at the first ack
	stats Stats
}

// Open opens or creates the buffer in opts.Dir, keeping what a previous
// process left unacknowledged.
func Open(opts Options, logger *slog.Logger) (*Buffer, error) {
	if opts.SegmentBytes <= 0 {
		opts.SegmentBytes = min(opts.MaxBytes/8, 8<<20)
	}
	b := &Buffer{
		dir: opts.Dir, max: opts.MaxBytes, segMax: max(opts.SegmentBytes, 4096),
		logger: logger, notify: make(chan struct{}, 1),
	}
	if err := os.MkdirAll(b.dir, 0o700); err != nil {
		return nil, fmt.Errorf("buffer: cannot create %q: %w", b.dir, err)
	}
	if err := b.load(); err != nil {
		b.Close()
		return nil, err
	}
	b.enforceBound()
	return b, nil
}

// load finds the segments, repairs the last one and moves to the first
// unacknowledged record.
func (b *Buffer) load() error {
	segs, err := listSegments(b.dir)
	if err != nil {
		return err
	}
	acked, found, err := readAck(b.dir)
	if err != nil {
		b.logger.Warn("agent buffer: acknowledgement file damaged; resending from the oldest batch", "dir", b.dir, "err", err)
		// It is overwritten in place from now on: cut it, so that no
		// trailing garbage outlives the next acknowledgement.
		os.Truncate(filepath.Join(b.dir, "ack"), 0)
	}
	os.Remove(filepath.Join(b.dir, "ack.tmp")) // left by versions that renamed it
	if !found && len(segs) > 0 {
		acked = segs[0].first
	}
	b.segs = segs
	if len(segs) == 0 {
		return b.newSegment(acked)
	}
	if err := b.repairLast(); err != nil {
		return err
	}
	// Segments wholly acknowledged before a crash are removed now.
	for len(b.segs) > 1 && b.segs[1].first <= acked {
		os.Remove(b.segPath(b.segs[0].first))
		b.segs = b.segs[1:]
	}
	if err := b.openReader(); err != nil {
		return err
	}
	return b.skipTo(acked)
}

// repairLast scans the last segment, truncates it before a torn record and
// opens it for appending.
func (b *Buffer) repairLast() error {
	last := &b.segs[len(b.segs)-1]
	path := b.segPath(last.first)
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("buffer: cannot open segment %q: %w", path, err)
	}
	end, count, err := scanSegment(f)
	if err != nil && !errors.Is(err, errTorn) {
		f.Close()
		return err
	}
	if errors.Is(err, errTorn) {
		b.stats.CorruptRecords++
		b.logger.Warn("agent buffer: torn record at the end of the buffer skipped", "segment", path, "offset", end)
	}
	if end < headerLen {
		// Cut short before its magic was written: start it again.
		end = 0
	}
	if err := f.Truncate(end); err != nil {
		f.Close()
		return fmt.Errorf("buffer: cannot repair segment %q: %w", path, err)
	}
	if end == 0 {
		if _, err := f.WriteAt([]byte(magic), 0); err != nil {
			f.Close()
			return fmt.Errorf("buffer: cannot repair segment %q: %w", path, err)
		}
		end = headerLen
	}
	if _, err := f.Seek(end, io.SeekStart); err != nil {
		f.Close()
		return fmt.Errorf("buffer: cannot repair segment %q: %w", path, err)
	}
	last.size, b.w, b.next = end, f, last.first+count
	return nil
}

// scanSegment returns the offset after the last good record and how many
// good records there are. The error is errTorn when a bad record stopped it.
func scanSegment(f *os.File) (end int64, count uint64, err error) {
	br := bufio.NewReaderSize(io.NewSectionReader(f, 0, 1<<62), 64<<10)
	var m [headerLen]byte
	if _, err := io.ReadFull(br, m[:]); err != nil || string(m[:]) != magic {
		return 0, 0, errTorn
	}
	end = headerLen
	for {
		p, err := readRecord(br)
		if err == io.EOF {
			return end, count, nil
		}
		if err != nil {
			return end, count, err
		}
		end += framedLen(p)
		count++
	}
}

// skipTo moves the read position past the records numbered below acked.
func (b *Buffer) skipTo(acked uint64) error {
	for b.rSeq < acked && b.rSeq < b.next {
		p, err := b.peek()
		if err != nil || p == nil {
			return err
		}
		b.advance()
	}
	return nil
}

func (b *Buffer) segPath(first uint64) string {
	return filepath.Join(b.dir, fmt.Sprintf("%020d.seg", first))
}

// Close closes the files; the buffer's content stays for the next Open.
func (b *Buffer) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	var errs []error
	if b.r != nil && b.r != b.w {
		errs = append(errs, b.r.Close())
	}
	b.r = nil
	if b.w != nil {
		errs = append(errs, b.w.Close())
		b.w = nil
	}
	if b.ack != nil {
		errs = append(errs, b.ack.Close())
		b.ack = nil
	}
	return errors.Join(errs...)
}

// Notify returns a channel that receives after an Append, so a reader that
// found the buffer empty knows when to look again.
func (b *Buffer) Notify() <-chan struct{} { return b.notify }

// Stats returns the current counters.
func (b *Buffer) Stats() Stats {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.stats
	s.PendingBatches = b.next - b.rSeq
	for _, seg := range b.segs {
		s.PendingBytes += seg.size
	}
	s.PendingBytes -= b.rOff
	return s
}
