package agentproto

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// TestAgentVersions decodes the replies of each Zabbix agent generation
// to the request unyo sends, as byte sequences:
//
//   - agent2 6.0: recorded from Debian's zabbix_agent2 6.0.14 on loopback
//     (the only agent that runs for real here; TestRealAgent asks it live);
//   - agentd 3.0 (and 2.x): built as its zbx_tcp_send_ext writes them,
//     "ZBXD\x01" and the data length as one 8-byte little-endian integer;
//   - agentd 4.0 to 7.x: "ZBXD\x01", a 4-byte length and a 4-byte reserved
//     field (0 when uncompressed); compressed and large frames are in
//     TestDecodeFrames.
//
// A 3.0 agent's 8-byte length reads as a 4.0 length and a zero reserved
// field, which is why one decoder serves both.
func TestAgentVersions(t *testing.T) {
	f := func(name string, frame []byte, want Reply) {
		t.Helper()
		data, err := Decode(bytes.NewReader(frame))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			return
		}
		if got := ParseReply(data); got != want {
			t.Errorf("%s: %+v, want %+v", name, got, want)
		}
	}
	// agent2 6.0.14, recorded.
	f("agent2 6.0 agent.version", []byte("ZBXD\x01\x06\x00\x00\x00\x06\x00\x00\x006.0.14"), Reply{Value: "6.0.14", Supported: true})
	f("agent2 6.0 system.cpu.num", []byte("ZBXD\x01\x01\x00\x00\x00\x01\x00\x00\x002"), Reply{Value: "2", Supported: true})
	f("agent2 6.0 nosuch.key", []byte("ZBXD\x01*\x00\x00\x00*\x00\x00\x00ZBX_NOTSUPPORTED\x00Unknown metric nosuch.key"),
		Reply{Error: "Unknown metric nosuch.key"})
	f("agent2 6.0 vfs.fs.size of no file system", []byte("ZBXD\x01*\x00\x00\x00*\x00\x00\x00ZBX_NOTSUPPORTED\x00no such file or directory"),
		Reply{Error: "no such file or directory"})

	// agentd 3.0: an 8-byte length.
	v30 := func(data string) []byte {
		return append(binary.LittleEndian.AppendUint64([]byte("ZBXD\x01"), uint64(len(data))), data...)
	}
	f("agentd 3.0 system.cpu.util", v30("41.206030"), Reply{Value: "41.206030", Supported: true})
	f("agentd 3.0 unsupported key", v30("ZBX_NOTSUPPORTED\x00Unsupported item key."), Reply{Error: "Unsupported item key."})
	f("agentd 2.0 unsupported key (no reason)", v30("ZBX_NOTSUPPORTED"), Reply{Error: "ZBX_NOTSUPPORTED"})
	f("agentd 3.0 system.run text", v30("line one\nline two\n"), Reply{Value: "line one\nline two", Supported: true})

	// agentd 4.0 to 7.x: a 4-byte length and a zero reserved field.
	v40 := func(data string) []byte {
		h := binary.LittleEndian.AppendUint32([]byte("ZBXD\x01"), uint32(len(data)))
		return append(binary.LittleEndian.AppendUint32(h, 0), data...)
	}
	f("agentd 4.0 vm.memory.size[available]", v40("1536217088"), Reply{Value: "1536217088", Supported: true})
	f("agentd 4.0 unsupported key", v40("ZBX_NOTSUPPORTED\x00Unsupported item key."), Reply{Error: "Unsupported item key."})
	f("agentd 5.0 ZBX_ERROR", v40("ZBX_ERROR\x00Invalid item key format."), Reply{Error: "Invalid item key format."})

	// What unyo sends, read as an agent of each generation reads it.
	req := Encode([]byte("agent.version"))
	if !bytes.HasPrefix(req, []byte("ZBXD\x01")) || binary.LittleEndian.Uint64(req[5:13]) != uint64(len("agent.version")) {
		t.Errorf("a 3.0 agent reads the request's length as %d: % x", binary.LittleEndian.Uint64(req[5:13]), req[:13])
	}
	if binary.LittleEndian.Uint32(req[5:9]) != uint32(len("agent.version")) || binary.LittleEndian.Uint32(req[9:13]) != 0 {
		t.Errorf("a 4.0+ agent reads the request's header as % x", req[:13])
	}
}
