package logwatch

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// splitAll feeds data in chunks of the given sizes (cycled) and returns the
// lines, the end offsets reported, and the unfinished rest.
func splitAll(data []byte, max int, sizes []int) (lines []string, ends []int, rest string) {
	s := lineSplitter{max: max}
	pos := 0
	for i := 0; pos < len(data); i++ {
		n := min(max1(sizes[i%len(sizes)]), len(data)-pos)
		base := pos
		s.feed(data[pos:pos+n], func(line []byte, end int) {
			lines = append(lines, string(line))
			ends = append(ends, base+end)
		})
		pos += n
	}
	if line, ok := s.flush(); ok {
		rest = string(line)
	}
	return lines, ends, rest
}

func max1(n int) int { return max(1, n) }

// reference splits data the obvious way.
func reference(data []byte, max int) (lines []string, ends []int, rest string) {
	pos := 0
	for {
		i := bytes.IndexByte(data[pos:], '\n')
		if i < 0 {
			rest = string(data[pos:min(len(data), pos+max)])
			return lines, ends, rest
		}
		lines = append(lines, string(data[pos:min(pos+i, pos+max)]))
		ends = append(ends, pos+i+1)
		pos += i + 1
	}
}

func TestLineSplitter(t *testing.T) {
	f := func(data string, max int, sizes ...int) {
		t.Helper()
		gl, ge, gr := splitAll([]byte(data), max, sizes)
		wl, we, wr := reference([]byte(data), max)
		if !slices.Equal(gl, wl) || !slices.Equal(ge, we) || gr != wr {
			t.Fatalf("split(%q, max %d, chunks %v) = %q %v %q, want %q %v %q", data, max, sizes, gl, ge, gr, wl, we, wr)
		}
	}
	f("a\nbb\n\nccc", 10, 1)
	f("a\nbb\n\nccc", 10, 100)
	f("abcdefgh\nij\n", 3, 2)
	f("abcdefgh\nij\n", 3, 100)
	f("\n\n\n", 1, 1)
	f(strings.Repeat("x", 100)+"\ny", 8, 7, 3)
}

func TestMessage(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		if got := message([]byte(in)); got != want {
			t.Fatalf("message(%q) = %q, want %q", in, got, want)
		}
	}
	f("plain", "plain")
	f("crlf\r", "crlf")
	f("bad \xff byte", "bad \uFFFD byte")
	long := strings.Repeat("あ", maxLineBytes/3+1)
	if got := message([]byte(long)); len(got) > maxLineBytes || !strings.HasPrefix(long, got) {
		t.Fatalf("long message: %d bytes, prefix %v", len(got), strings.HasPrefix(long, got))
	}
}

// FuzzLineSplitter checks that how the stream is cut into reads never
// changes the lines, their end offsets, or the unfinished rest.
func FuzzLineSplitter(f *testing.F) {
	f.Add([]byte("a\nbb\n\nccc"), uint8(4), uint8(1), uint8(3))
	f.Add([]byte("\r\n\xff\n"), uint8(1), uint8(2), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, max, a, b uint8) {
		m := int(max%64) + 1
		gl, ge, gr := splitAll(data, m, []int{int(a), int(b)})
		wl, we, wr := reference(data, m)
		if !slices.Equal(gl, wl) || !slices.Equal(ge, we) || gr != wr {
			t.Fatalf("chunks %d,%d max %d: got %q %v %q, want %q %v %q", a, b, m, gl, ge, gr, wl, we, wr)
		}
		for _, l := range gl {
			if msg := message([]byte(l)); len(msg) > maxLineBytes {
				t.Fatalf("message longer than the cap: %d", len(msg))
			}
		}
	})
}
