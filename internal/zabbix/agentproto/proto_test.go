package agentproto

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

func TestDecodeFrames(t *testing.T) {
	f := func(name string, frame []byte, want string) {
		t.Helper()
		got, err := Decode(bytes.NewReader(frame))
		if err != nil || string(got) != want {
			t.Errorf("%s: %q %v, want %q", name, got, err, want)
		}
	}
	f("plain", Encode([]byte("41.2")), "41.2")
	// agent2 writes the data length into reserved too.
	f("agent2", append([]byte("ZBXD\x01\x04\x00\x00\x00\x04\x00\x00\x00"), "1234"...), "1234")

	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write([]byte(strings.Repeat("x", 5000)))
	zw.Close()
	comp := []byte("ZBXD\x03")
	comp = binary.LittleEndian.AppendUint32(comp, uint32(z.Len()))
	comp = binary.LittleEndian.AppendUint32(comp, 5000)
	f("compressed", append(comp, z.Bytes()...), strings.Repeat("x", 5000))

	large := []byte("ZBXD\x05")
	large = binary.LittleEndian.AppendUint64(large, 2)
	large = binary.LittleEndian.AppendUint64(large, 0)
	f("large", append(large, "ok"...), "ok")
}

func TestDecodeRefuses(t *testing.T) {
	f := func(name string, frame []byte, want string) {
		t.Helper()
		_, err := Decode(bytes.NewReader(frame))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error with %q", name, err, want)
		}
	}
	f("not zabbix", []byte("HTTP/1.1 400 Bad Request\r\n"), "not a Zabbix frame")
	f("short header", []byte("ZBXD\x01\x02"), "lengths")
	f("short data", []byte("ZBXD\x01\x09\x00\x00\x00\x00\x00\x00\x00abc"), "shorter")
	f("flags", []byte("ZBXD\x09\x00\x00\x00\x00\x00\x00\x00\x00"), "flags")
	f("no protocol flag", []byte("ZBXD\x00\x00\x00\x00\x00\x00\x00\x00\x00"), "flags")
	f("huge", []byte("ZBXD\x01\xff\xff\xff\x7f\x00\x00\x00\x00"), "over the bound")
	f("bad zlib", []byte("ZBXD\x03\x03\x00\x00\x00\x10\x00\x00\x00abc"), "uncompress")
	if _, err := Decode(bytes.NewReader([]byte("24716132352"))); !errors.Is(err, ErrNotZabbix) {
		t.Errorf("a headerless value: %v, want ErrNotZabbix", err)
	}
}

func TestParseReply(t *testing.T) {
	f := func(data string, want Reply) {
		t.Helper()
		if got := ParseReply([]byte(data)); got != want {
			t.Errorf("%q: %+v, want %+v", data, got, want)
		}
	}
	f("41.206030", Reply{Value: "41.206030", Supported: true})
	f("ZBX_NOTSUPPORTED\x00Unknown metric nosuch.key", Reply{Error: "Unknown metric nosuch.key"})
	f("ZBX_NOTSUPPORTED", Reply{Error: "ZBX_NOTSUPPORTED"})
	f("ZBX_ERROR\x00Invalid item key format.", Reply{Error: "Invalid item key format."})
	f("ZBX_NOTSUPPORTEDX", Reply{Value: "ZBX_NOTSUPPORTEDX", Supported: true})
	f("line\n", Reply{Value: "line", Supported: true})
}

// FuzzDecode feeds any bytes to the frame decoder: it must return data or
// an error, never panic, and never hand back more than MaxReply bytes.
func FuzzDecode(f *testing.F) {
	f.Add(Encode([]byte("41.2")))
	f.Add([]byte("ZBXD\x01\x2a\x00\x00\x00\x2a\x00\x00\x00ZBX_NOTSUPPORTED\x00Unknown metric nosuch.key"))
	f.Add([]byte("ZBXD\x03\x03\x00\x00\x00\x10\x00\x00\x00abc"))
	f.Add([]byte("ZBXD\x05\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00ok"))
	f.Fuzz(func(t *testing.T, frame []byte) {
		data, err := Decode(bytes.NewReader(frame))
		if err != nil {
			return
		}
		if len(data) > MaxReply {
			t.Fatalf("%d bytes decoded", len(data))
		}
		r := ParseReply(data)
		if !r.Supported && r.Error == "" {
			t.Fatalf("unsupported reply without a reason: %q", data)
		}
	})
}
