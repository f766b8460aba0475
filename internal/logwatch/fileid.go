package logwatch

import (
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// fileID identifies a file whatever its name: device and inode on Unix,
// volume serial number and file index on Windows. Positions are keyed by it
// so that a renamed file keeps its offset and a new file at the old name
// does not inherit it.
type fileID struct {
	Dev uint64
	Ino uint64
}

// headMax is how many leading bytes of a file are fingerprinted.
const headMax = 512

// head fingerprints the first n bytes of a file. Identity alone cannot tell
// a file truncated and rewritten past the old offset between two polls, or
// an inode reused after deletion, from the file that was read; the first
// bytes of a log (timestamps) can.
type head struct {
	N   int64
	Sum uint64
}

// readHead fingerprints the first n bytes of f; ok is false when f is
// shorter than n, which means it was truncated.
func readHead(f *os.File, n int64) (h head, ok bool, err error) {
	if n == 0 {
		return head{}, true, nil
	}
	buf := make([]byte, n)
	got, err := f.ReadAt(buf, 0)
	if int64(got) < n {
		if err == nil || errors.Is(err, io.EOF) {
			return head{}, false, nil
		}
		return head{}, false, fmt.Errorf("read head: %w", err)
	}
	sum := fnv.New64a()
	sum.Write(buf)
	return head{N: n, Sum: sum.Sum64()}, true, nil
}
