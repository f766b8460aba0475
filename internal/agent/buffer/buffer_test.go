package buffer

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func open(t *testing.T, dir string, maxBytes int64) *Buffer {
	t.Helper()
	b, err := Open(Options{Dir: dir, MaxBytes: maxBytes, SegmentBytes: 4096}, discard())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return b
}

func batch(i int) []byte {
	return []byte(fmt.Sprintf("batch-%06d-%s", i, bytes.Repeat([]byte("x"), 200)))
}

// drain reads and acknowledges everything, returning the batches in order.
func drain(t *testing.T, b *Buffer) [][]byte {
	t.Helper()
	var out [][]byte
	for range 100000 {
		seq, p, ok, err := b.Next()
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		if !ok {
			return out
		}
		out = append(out, p)
		b.Ack(seq)
	}
	t.Fatal("drain did not end")
	return nil
}

func appendN(t *testing.T, b *Buffer, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		if err := b.Append(batch(i)); err != nil {
			t.Fatalf("Append(%d): %v", i, err)
		}
	}
}

func wantBatches(t *testing.T, got [][]byte, from, to int) {
	t.Helper()
	if len(got) != to-from {
		t.Fatalf("got %d batches, want %d", len(got), to-from)
	}
	for i, p := range got {
		if !bytes.Equal(p, batch(from+i)) {
			t.Fatalf("batch %d = %.20q, want %.20q", i, p, batch(from+i))
		}
	}
}

func TestOrderAndRestart(t *testing.T) {
	dir := t.TempDir()
	b := open(t, dir, 1<<20)
	appendN(t, b, 0, 50) // spans several 4 KiB segments
	seq, p, ok, _ := b.Next()
	if !ok || !bytes.Equal(p, batch(0)) {
		t.Fatalf("Next = %q, %v", p, ok)
	}
	if _, again, _, _ := b.Next(); !bytes.Equal(again, p) {
		t.Fatal("Next without Ack moved on")
	}
	b.Ack(seq)
	for range 9 {
		s, _, _, _ := b.Next()
		b.Ack(s)
	}
	if st := b.Stats(); st.PendingBatches != 40 {
		t.Fatalf("pending = %d, want 40", st.PendingBatches)
	}
	b.Close()

	// A new process sends what was left, and only that.
	b = open(t, dir, 1<<20)
	appendN(t, b, 50, 60)
	wantBatches(t, drain(t, b), 10, 60)
	b.Close()

	b = open(t, dir, 1<<20)
	defer b.Close()
	if got := drain(t, b); len(got) != 0 {
		t.Fatalf("after everything was acknowledged, %d batches came back", len(got))
	}
	if segs, _ := filepath.Glob(filepath.Join(dir, "*.seg")); len(segs) != 1 {
		t.Fatalf("segments left = %v, want only the one being written", segs)
	}
}

func TestBoundDropsOldest(t *testing.T) {
	b := open(t, t.TempDir(), 32<<10)
	defer b.Close()
	const n = 1000
	appendN(t, b, 0, n)
	st := b.Stats()
	if st.PendingBytes > 32<<10 {
		t.Fatalf("pending bytes %d over the bound", st.PendingBytes)
	}
	if st.DroppedBatches == 0 || st.DroppedBytes == 0 {
		t.Fatalf("stats = %+v, want drops", st)
	}
	got := drain(t, b)
	// What is left is the newest batches, in order, and nothing is unaccounted for.
	wantBatches(t, got, n-len(got), n)
	if uint64(len(got))+st.DroppedBatches != n {
		t.Fatalf("kept %d + dropped %d != %d", len(got), st.DroppedBatches, n)
	}
}

func TestTooLarge(t *testing.T) {
	b := open(t, t.TempDir(), 64<<10)
	defer b.Close()
	if err := b.Append(make([]byte, 40<<10)); err == nil {
		t.Fatal("Append of a batch over half the bound succeeded")
	}
	if err := b.Append(nil); err == nil {
		t.Fatal("Append of an empty batch succeeded")
	}
	if st := b.Stats(); st.DroppedBatches != 2 {
		t.Fatalf("dropped = %d, want 2", st.DroppedBatches)
	}
}

func lastSegment(t *testing.T, dir string) string {
	t.Helper()
	segs, err := filepath.Glob(filepath.Join(dir, "*.seg"))
	if err != nil || len(segs) == 0 {
		t.Fatalf("no segments: %v", err)
	}
	return segs[len(segs)-1]
}

func TestTornTail(t *testing.T) {
	f := func(name string, damage func(path string)) {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			b := open(t, dir, 1<<20)
			appendN(t, b, 0, 3)
			b.Close()
			damage(lastSegment(t, dir))

			b = open(t, dir, 1<<20)
			defer b.Close()
			if st := b.Stats(); st.CorruptRecords != 1 || st.PendingBatches != 2 {
				t.Fatalf("after a torn tail: %+v, want 1 corrupt and 2 pending", st)
			}
			appendN(t, b, 2, 4) // the torn batch's number is reused; it was never durable
			wantBatches(t, drain(t, b), 0, 4)
		})
	}
	f("cut payload", func(path string) {
		info, _ := os.Stat(path)
		os.Truncate(path, info.Size()-5)
	})
	f("cut header", func(path string) {
		info, _ := os.Stat(path)
		os.Truncate(path, info.Size()-framedLen(batch(2))+3)
	})
	f("bad crc", func(path string) {
		data, _ := os.ReadFile(path)
		data[len(data)-1] ^= 0xff
		os.WriteFile(path, data, 0o600)
	})
	f("zeros", func(path string) {
		info, _ := os.Stat(path)
		os.Truncate(path, info.Size()-framedLen(batch(2)))
		fh, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
		fh.Write(make([]byte, 300))
		fh.Close()
	})
}

func TestDamagedOlderSegment(t *testing.T) {
	dir := t.TempDir()
	b := open(t, dir, 1<<20)
	appendN(t, b, 0, 40)
	b.Close()
	segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	if len(segs) < 3 {
		t.Fatalf("want several segments, got %d", len(segs))
	}
	data, _ := os.ReadFile(segs[0])
	data[int(headerLen)+int(framedLen(batch(0)))+20] ^= 0xff // second record of the first segment
	os.WriteFile(segs[0], data, 0o600)

	b = open(t, dir, 1<<20)
	defer b.Close()
	got := drain(t, b)
	if !bytes.Equal(got[0], batch(0)) {
		t.Fatalf("first batch = %.20q", got[0])
	}
	st := b.Stats()
	if st.CorruptRecords == 0 || uint64(len(got))+st.CorruptRecords != 40 {
		t.Fatalf("read %d, corrupt %d; want them to add up to 40", len(got), st.CorruptRecords)
	}
	wantBatches(t, got[1:], 40-len(got)+1, 40)
}

func TestDamagedAckResends(t *testing.T) {
	dir := t.TempDir()
	b := open(t, dir, 1<<20)
	appendN(t, b, 0, 5)
	for range 3 {
		s, _, _, _ := b.Next()
		b.Ack(s)
	}
	b.Close()
	os.WriteFile(filepath.Join(dir, "ack"), []byte("garbage"), 0o600)
	b = open(t, dir, 1<<20)
	defer b.Close()
	// Repeating batches is the price of a lost acknowledgement; losing them is not.
	wantBatches(t, drain(t, b), 0, 5)
}

func TestConcurrentAppendAndRead(t *testing.T) {
	b := open(t, t.TempDir(), 1<<20)
	defer b.Close()
	const n = 300
	var wg sync.WaitGroup
	wg.Go(func() { appendN(t, b, 0, n) })
	var got [][]byte
	for len(got) < n {
		seq, p, ok, err := b.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			<-b.Notify()
			continue
		}
		got = append(got, p)
		b.Ack(seq)
	}
	wg.Wait()
	wantBatches(t, got, 0, n)
}

func TestAckWrittenInPlace(t *testing.T) {
	dir := t.TempDir()
	ack := filepath.Join(dir, "ack")
	// Longer garbage than an ack: what follows the first 12 bytes must not
	// outlive the first acknowledgement written in place.
	os.WriteFile(ack, bytes.Repeat([]byte("garbage!"), 4), 0o600)
	b := open(t, dir, 1<<20)
	appendN(t, b, 0, 5)
	s, _, _, _ := b.Next()
	b.Ack(s)
	before, err := os.Stat(ack)
	if err != nil || before.Size() != ackLen {
		t.Fatalf("ack file after an ack: %v, %v; want %d bytes", before, err, ackLen)
	}
	s, _, _, _ = b.Next()
	b.Ack(s)
	after, _ := os.Stat(ack)
	if !os.SameFile(before, after) {
		t.Fatal("the ack file was replaced, not overwritten")
	}
	if tmp, _ := filepath.Glob(filepath.Join(dir, "ack.*")); len(tmp) != 0 {
		t.Fatalf("temporary files left: %v", tmp)
	}
	// No Close: as after kill -9, the next process reads what was written.
	b2 := open(t, dir, 1<<20)
	defer b2.Close()
	wantBatches(t, drain(t, b2), 2, 5)
	b.Close()
}

func TestEmptyAckStartsFromOldest(t *testing.T) {
	dir := t.TempDir()
	b := open(t, dir, 1<<20)
	appendN(t, b, 0, 3)
	b.Close()
	os.WriteFile(filepath.Join(dir, "ack"), nil, 0o600) // created, killed before its first write
	b = open(t, dir, 1<<20)
	defer b.Close()
	if st := b.Stats(); st.PendingBatches != 3 {
		t.Fatalf("pending = %d, want 3", st.PendingBatches)
	}
	wantBatches(t, drain(t, b), 0, 3)
}
