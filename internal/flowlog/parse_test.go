package flowlog

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// summary is what a test checks of the flows read: the flows counted by
// rule/direction/decision, the bytes by direction, the tuples in all.
func summary(flows []Flow) string {
	counts := map[string]int{}
	bytes := map[string]int64{}
	for _, f := range flows {
		if f.Begins {
			counts[f.Rule+" "+f.Direction+" "+f.Decision]++
		}
		bytes[f.Direction] += f.Bytes
	}
	var parts []string
	for k, n := range counts {
		parts = append(parts, fmt.Sprintf("%s=%d", k, n))
	}
	sort.Strings(parts)
	return fmt.Sprintf("%d tuples; %s; bytes in %d out %d", len(flows), strings.Join(parts, ", "), bytes[Inbound], bytes[Outbound])
}

func readSample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestParseFormats reads Microsoft's documented samples of each format
// and checks every count a user would see on the series.
func TestParseFormats(t *testing.T) {
	f := func(name, want string, records, bad int, firstMs int64) {
		t.Helper()
		data := readSample(t, name)
		c, err := Parse(data, true)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := summary(c.Flows); got != want {
			t.Errorf("%s:\n got  %s\n want %s", name, got, want)
		}
		if c.Records != records || c.BadTuples != bad {
			t.Errorf("%s: %d records, %d bad tuples; want %d, %d", name, c.Records, c.BadTuples, records, bad)
		}
		// Everything but the closing "]}" (and the newline before it).
		if end := strings.LastIndex(string(data), "}}") + 2; c.Used != end {
			t.Errorf("%s: used %d bytes, want %d (up to the last record's end)", name, c.Used, end)
		}
		if c.Flows[0].TimeMs != firstMs {
			t.Errorf("%s: first tuple at %d ms, want %d", name, c.Flows[0].TimeMs, firstMs)
		}
	}
	// v1: no states, no bytes: every tuple a flow; the tuple that is not
	// one is skipped and counted.
	f("nsg-v1.json", "5 tuples; DefaultRule_DenyAllInBound inbound denied=3, UserRule_default-allow-rdp inbound allowed=2; bytes in 0 out 0", 2, 1, 1487282421000)
	// v2: the begin tuples are flows, continuing and ending ones carry the
	// bytes of both ways since the flow's last tuple.
	f("nsg-v2.json", "7 tuples; DefaultRule_AllowInternetOutBound outbound allowed=1, DefaultRule_DenyAllInBound inbound denied=3; bytes in 0 out 46661", 1, 0, 1542110402000)
	// VNet: milliseconds, numbered protocols, state D for denied.
	f("vnet.json", "5 tuples; DefaultRule_AllowInternetOutBound outbound allowed=2, DefaultRule_DenyAllInBound inbound denied=1; bytes in 0 out 7621", 1, 0, 1663146003599)
}

// blobOf builds a flow log blob as Azure does: an opening block, one
// block per record, a closing block.
func blobOf(records []string) []byte {
	return []byte(`{"records":[` + strings.Join(records, ",") + `]}`)
}

// recordsOf splits a sample's records out of it, byte for byte.
func recordsOf(t testing.TB, name string) []string {
	t.Helper()
	var blob struct {
		Records []json.RawMessage `json:"records"`
	}
	if err := json.Unmarshal(readSample(t, name), &blob); err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(blob.Records))
	for i, r := range blob.Records {
		out[i] = string(r)
	}
	return out
}

// TestParseGrowingBlob reads a blob cut at every byte, as a read may
// find it while Azure appends, then reads on from where the first read
// stopped once more records were appended: the two reads together count
// exactly what one read of the whole does, whatever the cut.
func TestParseGrowingBlob(t *testing.T) {
	recs := append(recordsOf(t, "nsg-v2.json"), recordsOf(t, "nsg-v1.json")...)
	if len(recs) != 3 {
		t.Fatalf("%d records in the samples", len(recs))
	}
	whole, err := Parse(blobOf(recs), true)
	if err != nil {
		t.Fatal(err)
	}
	want := summary(whole.Flows)
	checkCuts(t, recs, want)
}

// checkCuts checks every cut of the blob of recs[:1] (growing to recs)
// and of the blob of recs[:2].
func checkCuts(t *testing.T, recs []string, want string) {
	t.Helper()
	for k := 1; k < len(recs); k++ {
		early := blobOf(recs[:k])
		late := blobOf(recs)
		for cut := 0; cut <= len(early); cut++ {
			a, err := Parse(early[:cut], true)
			if err != nil {
				t.Fatalf("k=%d cut=%d: %v", k, cut, err)
			}
			if a.Used > cut {
				t.Fatalf("k=%d cut=%d: used %d", k, cut, a.Used)
			}
			b, err := Parse(late[a.Used:], a.Used == 0)
			if err != nil {
				t.Fatalf("k=%d cut=%d (used %d, then %q…): %v", k, cut, a.Used, late[a.Used:min(a.Used+20, len(late))], err)
			}
			if got := summary(append(a.Flows, b.Flows...)); got != want {
				t.Fatalf("k=%d cut=%d: %s, want %s", k, cut, got, want)
			}
			if a.Used+b.Used != len(late)-2 {
				t.Fatalf("k=%d cut=%d: read up to %d of %d", k, cut, a.Used+b.Used, len(late))
			}
		}
	}
}

// TestParseRefusesWhatIsNotAFlowLog: a blob of another shape is an
// error, not zero flows; a record of the wrong shape is skipped.
func TestParseRefusesWhatIsNotAFlowLog(t *testing.T) {
	for _, s := range []string{`{"value":[]}`, `[1,2]`, `<?xml version="1.0"?>`} {
		if _, err := Parse([]byte(s), true); err == nil {
			t.Errorf("%s: no error", s)
		}
	}
	if _, err := Parse([]byte(`x{"time":"t"}`), false); err == nil {
		t.Error("garbage after a record: no error")
	}
	c, err := Parse([]byte(`{"records":[{"time":5},{"time":"t","properties":{"flows":[{"rule":"r","flows":[{"flowTuples":["1542110402,1.2.3.4,10.0.0.4,1,443,T,I,D,B,,,,"]}]}]}}]}`), true)
	if err != nil || c.Records != 1 || c.BadRecords != 1 || len(c.Flows) != 1 || c.Flows[0].Decision != Denied {
		t.Errorf("a record of the wrong shape: %+v %v", c, err)
	}
}

func TestTuples(t *testing.T) {
	f := func(s string, vnet, ok bool, want Flow) {
		t.Helper()
		var got Flow
		var good bool
		if vnet {
			got, good = vnetTuple(s, "r")
		} else {
			got, good = nsgTuple(s, "r")
		}
		if good != ok || ok && got != want {
			t.Errorf("%q: %+v %v, want %+v %v", s, got, good, want, ok)
		}
	}
	f("1542110402,94.102.49.190,10.5.16.4,28746,443,U,I,D,B,,,,", false, true, Flow{TimeMs: 1542110402000, Rule: "r", Direction: Inbound, Decision: Denied, Begins: true})
	f("1542110379,10.5.16.4,13.67.143.115,44931,443,T,O,A,C,30,16978,24,14008", false, true, Flow{TimeMs: 1542110379000, Rule: "r", Direction: Outbound, Decision: Allowed, Bytes: 30986})
	f("1487282421,42.119.146.95,10.1.0.4,51529,5358,T,I,D", false, true, Flow{TimeMs: 1487282421000, Rule: "r", Direction: Inbound, Decision: Denied, Begins: true})
	f("1663146004002,198.51.100.20,10.0.0.6,44172,22,6,I,D,NX,0,0,0,0", true, true, Flow{TimeMs: 1663146004002, Rule: "r", Direction: Inbound, Decision: Denied, Begins: true})
	f("1542110402,94.102.49.190,10.5.16.4,28746,443,U,X,D,B,,,,", false, false, Flow{})      // no direction
	f("1542110402,94.102.49.190,10.5.16.4,28746,443,U,I,D,Q,,,,", false, false, Flow{})      // no state
	f("1542110402,94.102.49.190,10.5.16.4,28746,443,U,I,D,C,1,-5,1,1", false, false, Flow{}) // negative bytes
	f("99,94.102.49.190,10.5.16.4,28746,443,U,I,D", false, false, Flow{})                    // a time before 2001
	f("1663146004002,198.51.100.20,10.0.0.6,44172,22,6,I,D", true, false, Flow{})            // v1 shape in a VNet log
}
