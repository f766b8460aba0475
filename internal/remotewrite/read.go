package remotewrite

import (
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/golang/snappy"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// MaxDecodedBytes bounds a body's size after snappy decoding, whatever its
// compressed limit. Remote-write bodies decode to 10 to 20 times their size
// (labels repeat), and snappy can expand about 21 times, so no multiple of
// the body limit both admits real requests and bounds memory; a default
// Prometheus request (2,000 samples) decodes to well under 1 MiB.
const MaxDecodedBytes = 64 << 20

// maxPooled is the largest buffer returned to the pool; rarer, larger ones
// are left to the garbage collector rather than pinned.
const maxPooled = 8 << 20

// buffers are the two buffers one body needs: as read, and snappy-decoded.
type buffers struct {
	compressed []byte
	decoded    []byte
}

// bufferPool holds buffers between requests. A sync.Pool is the one
// package-level variable here: it holds no state that a caller could see.
var bufferPool = sync.Pool{New: func() any { return new(buffers) }}

// ReadRequest reads a snappy block-compressed WriteRequest of at most maxBytes
// from body, and decodes it into r. The decoded size is limited to
// MaxDecodedBytes. On success the caller must call release once
// it is done with r, whose labels alias the pooled buffer; after release, r
// must not be read until it is decoded into again. On error, nothing is held
// and release is nil. Input that breaks a limit or does not decode returns an
// *invalid.Error; a failing body reader returns its error, wrapped.
func ReadRequest(body io.Reader, maxBytes int64, r *Request) (release func(), err error) {
	return readRequest(body, maxBytes, r, nil, false)
}

// admitFunc is asked, once the body's first bytes tell its decoded size and
// before the rest is read or anything is allocated for it, whether a body of
// that size may go on; done gives back what it took.
type admitFunc func(decoded int) (done func(), err error)

// readRequest is ReadRequest with admission (release also calls admit's
// done), and with the labels left undecoded when lazy (Request.lazy).
func readRequest(body io.Reader, maxBytes int64, r *Request, admit admitFunc, lazy bool) (release func(), err error) {
	b := bufferPool.Get().(*buffers)
	done, err := b.fill(body, maxBytes, r, admit, lazy)
	if err != nil {
		r.Reset()
		putBuffers(b)
		return nil, err
	}
	return func() {
		if b != nil {
			putBuffers(b)
			b = nil
			done()
		}
	}, nil
}

// fill reads, decompresses and decodes body into b and r, leaving the
// labels undecoded when lazy (Request.unmarshalLazy).
func (b *buffers) fill(body io.Reader, maxBytes int64, r *Request, admit admitFunc, lazy bool) (done func(), err error) {
	// The snappy block starts with the decoded length as a uvarint of at
	// most 5 bytes: read that much first, so a body is refused or admitted
	// before it is read whole.
	if b.compressed, err = readPrefix(b.compressed, body, binary.MaxVarintLen32); err != nil {
		return nil, err
	}
	n, err := snappy.DecodedLen(b.compressed)
	if err != nil {
		return nil, invalid.New("body", "snappy: %v", err)
	}
	if n > MaxDecodedBytes {
		return nil, invalid.New("body", "decodes to %d bytes, more than %d", n, MaxDecodedBytes)
	}
	admitted := func() {}
	if admit != nil {
		if admitted, err = admit(n); err != nil {
			return nil, err
		}
	}
	defer func() {
		if err != nil {
			admitted()
		}
	}()
	if b.compressed, err = readMore(b.compressed, body, maxBytes); err != nil {
		return nil, err
	}
	if cap(b.decoded) < n {
		b.decoded = make([]byte, n)
	}
	if b.decoded, err = snappy.Decode(b.decoded[:n], b.compressed); err != nil {
		return nil, invalid.New("body", "snappy: %v", err)
	}
	r.lazy = lazy
	if err = r.unmarshal(b.decoded); err != nil {
		return nil, err
	}
	return admitted, nil
}

// putBuffers returns b to the pool, dropping buffers too large to keep.
func putBuffers(b *buffers) {
	if cap(b.compressed) > maxPooled {
		b.compressed = nil
	}
	if cap(b.decoded) > maxPooled {
		b.decoded = nil
	}
	bufferPool.Put(b)
}

// readPrefix reads src into dst[:0] until it holds k bytes or src ends.
func readPrefix(dst []byte, src io.Reader, k int) ([]byte, error) {
	dst = slices.Grow(dst[:0], k)
	for len(dst) < k {
		n, err := src.Read(dst[len(dst):k])
		dst = dst[:len(dst)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return dst, fmt.Errorf("remotewrite: read body: %w", err)
		}
	}
	return dst, nil
}

// readMore reads the rest of src into dst after what dst holds, growing it
// as needed, and refuses to hold more than limit bytes in all.
func readMore(dst []byte, src io.Reader, limit int64) ([]byte, error) {
	for {
		if len(dst) == cap(dst) {
			dst = slices.Grow(dst, max(len(dst), 4096))
		}
		// Read at most one byte past the limit: enough to know it was broken.
		room := dst[len(dst):cap(dst)]
		if left := limit + 1 - int64(len(dst)); int64(len(room)) > left {
			room = room[:left]
		}
		n, err := src.Read(room)
		dst = dst[:len(dst)+n]
		if int64(len(dst)) > limit {
			return dst, invalid.New("body", "larger than %d bytes", limit)
		}
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return dst, fmt.Errorf("remotewrite: read body: %w", err)
		}
	}
}
