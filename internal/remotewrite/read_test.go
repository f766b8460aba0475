package remotewrite

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strconv"
	"testing"
	"testing/iotest"

	"github.com/golang/snappy"

	"github.com/unyo-ops/unyo/internal/invalid"
)

func TestReadRequest(t *testing.T) {
	want := nodeRequest(100, 2)
	raw, err := want.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	body := snappy.Encode(nil, raw)
	var r Request
	release, err := ReadRequest(bytes.NewReader(body), int64(len(body)), &r)
	if err != nil {
		t.Fatal(err)
	}
	if d := sameAsPrompb(&r, want); d != "" {
		t.Fatal(d)
	}
	release()
	release() // a second call must not put the buffers in the pool twice

	// Two requests in flight at once must not share buffers.
	var r1, r2 Request
	rel1, err1 := ReadRequest(bytes.NewReader(body), int64(len(body)), &r1)
	rel2, err2 := ReadRequest(bytes.NewReader(snappy.Encode(nil, raw[:0])), 100, &r2)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if d := sameAsPrompb(&r1, want); d != "" || len(r2.Series) != 0 {
		t.Fatalf("concurrent requests interfere: %s, %d series", d, len(r2.Series))
	}
	rel1()
	rel2()
}

func TestReadRequestRefuses(t *testing.T) {
	raw, err := nodeRequest(20, 1).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	body := snappy.Encode(nil, raw)
	// The decoded length comes first, and is checked before decoding.
	huge := binary.AppendUvarint(nil, MaxDecodedBytes+1)
	f := func(name string, body []byte, maxBytes int64, wantField, wantReason string) {
		t.Helper()
		var r Request
		release, err := ReadRequest(bytes.NewReader(body), maxBytes, &r)
		e, ok := invalid.As(err)
		if !ok || e.Field != wantField || e.Reason != wantReason {
			t.Errorf("%s: err = %v, want %s: %s", name, err, wantField, wantReason)
		}
		if release != nil || len(r.Series) != 0 {
			t.Errorf("%s: a refused request holds buffers or series", name)
		}
	}
	f("one byte over", body, int64(len(body)-1), "body", "larger than "+strconv.Itoa(len(body)-1)+" bytes")
	f("decodes too large", append(huge, 0, 0, 0), 100, "body", "decodes to 67108865 bytes, more than 67108864")
	f("not snappy", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 100, "body", "snappy: snappy: corrupt input")
	f("empty", nil, 100, "body", "snappy: snappy: corrupt input")
	f("bad protobuf", snappy.Encode(nil, []byte{0x0a, 0x05}), 100, "timeseries[0]", "length 5 past the end (0 bytes left)")
}

func TestReadRequestBodyError(t *testing.T) {
	boom := errors.New("connection reset")
	var r Request
	_, err := ReadRequest(iotest.ErrReader(boom), 100, &r)
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want it to wrap %v", err, boom)
	}
	if _, ok := invalid.As(err); ok {
		t.Fatal("a failing connection is not the client's bad input")
	}
}

func TestReadRequestAllocations(t *testing.T) {
	raw, err := nodeRequest(2000, 1).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	body := snappy.Encode(nil, raw)
	var r Request
	rd := bytes.NewReader(body)
	allocs := testing.AllocsPerRun(20, func() {
		rd.Reset(body)
		release, err := ReadRequest(rd, int64(len(body)), &r)
		if err != nil {
			t.Fatal(err)
		}
		release()
	})
	// The release closure and the variable it guards; nothing per series.
	if allocs > 2 {
		t.Errorf("ReadRequest of 2,000 series allocates %v times, want at most 2", allocs)
	}
}

func BenchmarkReadRequest(b *testing.B) {
	body := snappy.Encode(nil, benchRequest(b))
	var r Request
	if err := r.Unmarshal(benchRequest(b)); err != nil {
		b.Fatal(err)
	}
	rd := bytes.NewReader(body)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(body)
		release, err := ReadRequest(rd, int64(len(body)), &r)
		if err != nil {
			b.Fatal(err)
		}
		release()
	}
	reportSamples(b, 2000)
}
