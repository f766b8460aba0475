package buffer

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadRecord checks that the record decoder never panics, stops on any
// input, and only accepts records that encode back to the bytes it consumed.
func FuzzReadRecord(f *testing.F) {
	f.Add(appendRecord(appendRecord(nil, []byte("one")), []byte("two")))
	f.Add(appendRecord(nil, []byte("cut"))[:9])
	f.Add(make([]byte, 16))
	f.Add([]byte{0xff, 0xff, 0xff, 0x03, 0, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		consumed := 0
		for range len(data) + 1 {
			p, err := readRecord(r)
			if err == io.EOF {
				if consumed != len(data) {
					t.Fatalf("clean end after %d of %d bytes", consumed, len(data))
				}
				return
			}
			if errors.Is(err, errTorn) {
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			rec := appendRecord(nil, p)
			if !bytes.Equal(rec, data[consumed:consumed+len(rec)]) {
				t.Fatal("accepted record does not encode back to its bytes")
			}
			consumed += len(rec)
		}
		t.Fatal("decoder did not stop")
	})
}

// FuzzOpen writes arbitrary bytes as the last segment and checks that Open
// recovers: what it reads back is in order and new batches still go through.
func FuzzOpen(f *testing.F) {
	f.Add(append([]byte(magic), appendRecord(nil, []byte("a"))...))
	f.Add([]byte(magic[:5]))
	f.Add(append([]byte(magic), 1, 0, 0, 0, 9, 9, 9, 9))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "00000000000000000007.seg"), data, 0o600); err != nil {
			t.Fatal(err)
		}
		b, err := Open(Options{Dir: dir, MaxBytes: 1 << 20}, discard())
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		defer b.Close()
		if err := b.Append([]byte("after")); err != nil {
			t.Fatalf("Append: %v", err)
		}
		var last []byte
		for range len(data) + 2 {
			seq, p, ok, err := b.Next()
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			if !ok {
				break
			}
			last = p
			b.Ack(seq)
		}
		if string(last) != "after" {
			t.Fatalf("last batch = %q, want the one appended after Open", last)
		}
	})
}
