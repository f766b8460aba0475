package flowlog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Flow is one flow tuple of a flow log, as counted.
type Flow struct {
	TimeMs    int64  // the tuple's own time
	Rule      string // the NSG rule (or the VNet flow log's rule) that decided it
	Direction string // inbound or outbound
	Decision  string // allowed or denied
	// Begins is true for the tuple that counts the flow once: the begin
	// (B) or deny (D) tuple of v2 and VNet logs, every tuple of a v1 log,
	// which has no states; a continuing or ending tuple only carries bytes.
	Begins bool
	Bytes  int64 // both ways since the flow's last tuple; v2 and VNet only
}

// Chunk is what Parse read from a piece of a blob.
type Chunk struct {
	Flows []Flow
	// Used is how many bytes of the piece the complete records take, up
	// to the end of the last one: where the next read starts. What
	// follows (the array's closing "]}", a record still being appended)
	// is read again later.
	Used       int
	Records    int
	BadTuples  int // tuples of neither format, skipped
	BadRecords int // records of the wrong shape, skipped
}

// record is one record of an NSG flow log (properties.flows, Version 1
// or 2) or of a VNet flow log (flowRecords, flowLogVersion 4).
type record struct {
	Time       string `json:"time"`
	Properties struct {
		Version int `json:"Version"`
		Flows   []struct {
			Rule  string `json:"rule"`
			Flows []struct {
				Mac        string   `json:"mac"`
				FlowTuples []string `json:"flowTuples"`
			} `json:"flows"`
		} `json:"flows"`
	} `json:"properties"`
	FlowRecords *struct {
		Flows []struct {
			ACLID      string `json:"aclID"`
			FlowGroups []struct {
				Rule       string   `json:"rule"`
				FlowTuples []string `json:"flowTuples"`
			} `json:"flowGroups"`
		} `json:"flows"`
	} `json:"flowRecords"`
}

// Parse reads the complete records in data, a piece of a flow log blob:
// from its start when atStart (where `{"records":[` opens it), else from
// the end of a record read before (the next record follows a comma). Azure
// appends a record as a block before the closing "]}", so a blob is
// valid JSON at every moment, but a read may stop inside a record, or
// meet the "]}" that the next append moves: Parse stops at the last
// complete record and says how far that is. A piece that is not a flow
// log is an error; a record or tuple of the wrong shape is skipped.
func Parse(data []byte, atStart bool) (Chunk, error) {
	var c Chunk
	var dec *json.Decoder
	shift := 0 // offset in data = the decoder's offset + shift
	if atStart {
		dec = json.NewDecoder(bytes.NewReader(data))
		for _, want := range []any{json.Delim('{'), "records", json.Delim('[')} {
			tok, err := dec.Token()
			if incomplete(err) {
				return c, nil
			}
			if err != nil || tok != want {
				return c, fmt.Errorf("flowlog: not a flow log: %v (%v) where %v was expected", tok, err, want)
			}
		}
		c.Used = int(dec.InputOffset())
	} else {
		p := 0
		for p < len(data) && isSpace(data[p]) {
			p++
		}
		switch {
		case p == len(data) || data[p] == ']':
			return c, nil // nothing appended since
		case data[p] == ',':
			p++
		case data[p] == '{':
			// the first record, right after the array opened
		default:
			return c, fmt.Errorf("flowlog: unexpected %q after a record", data[p])
		}
		// Read the rest as the remainder of an array.
		dec = json.NewDecoder(io.MultiReader(strings.NewReader("["), bytes.NewReader(data[p:])))
		if _, err := dec.Token(); err != nil {
			return c, fmt.Errorf("flowlog: %w", err)
		}
		shift = p - 1
	}
	for dec.More() {
		var r record
		err := dec.Decode(&r)
		var typeErr *json.UnmarshalTypeError
		switch {
		case incomplete(err):
			return c, nil
		case errors.As(err, &typeErr):
			// The value was read whole: skip it.
			c.BadRecords++
			c.Used = int(dec.InputOffset()) + shift
			continue
		case err != nil:
			return c, fmt.Errorf("flowlog: record at byte %d: %w", c.Used, err)
		}
		c.Used = int(dec.InputOffset()) + shift
		c.Records++
		r.flows(&c)
	}
	return c, nil
}

func incomplete(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

// flows adds the tuples of r to c.
func (r *record) flows(c *Chunk) {
	if r.FlowRecords != nil {
		for _, f := range r.FlowRecords.Flows {
			for _, g := range f.FlowGroups {
				for _, t := range g.FlowTuples {
					if fl, ok := vnetTuple(t, g.Rule); ok {
						c.Flows = append(c.Flows, fl)
					} else {
						c.BadTuples++
					}
				}
			}
		}
		return
	}
	for _, rule := range r.Properties.Flows {
		for _, f := range rule.Flows {
			for _, t := range f.FlowTuples {
				if fl, ok := nsgTuple(t, rule.Rule); ok {
					c.Flows = append(c.Flows, fl)
				} else {
					c.BadTuples++
				}
			}
		}
	}
}

// The bounds of a tuple's time: 2001 to 2286, in seconds.
const minSeconds, maxSeconds = 1_000_000_000, 9_999_999_999

// nsgTuple reads an NSG flow log tuple: v1
// "time,src,dst,sport,dport,proto,direction,decision" with time in
// seconds, proto T/U, direction I/O, decision A/D; v2 adds
// ",state,packets out,bytes out,packets in,bytes in", state B/C/E, the
// counts empty on a begin tuple.
func nsgTuple(s, rule string) (Flow, bool) {
	f := strings.Split(s, ",")
	if len(f) != 8 && len(f) != 13 {
		return Flow{}, false
	}
	sec, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil || sec < minSeconds || sec > maxSeconds {
		return Flow{}, false
	}
	fl := Flow{TimeMs: sec * 1000, Rule: rule, Begins: true}
	var ok bool
	if fl.Direction, ok = direction(f[6]); !ok {
		return Flow{}, false
	}
	switch f[7] {
	case "A":
		fl.Decision = Allowed
	case "D":
		fl.Decision = Denied
	default:
		return Flow{}, false
	}
	if len(f) == 8 {
		return fl, true
	}
	switch f[8] {
	case "B":
	case "C", "E":
		fl.Begins = false
	default:
		return Flow{}, false
	}
	if fl.Bytes, ok = byteCounts(f[10], f[12]); !ok {
		return Flow{}, false
	}
	return fl, true
}

// vnetTuple reads a VNet flow log tuple: "time,src,dst,sport,dport,proto,
// direction,state,encryption,packets out,bytes out,packets in,bytes in"
// with time in milliseconds, proto a number, state B/C/E or D (denied).
func vnetTuple(s, rule string) (Flow, bool) {
	f := strings.Split(s, ",")
	if len(f) != 13 {
		return Flow{}, false
	}
	ms, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil || ms < minSeconds*1000 || ms > maxSeconds*1000 {
		return Flow{}, false
	}
	fl := Flow{TimeMs: ms, Rule: rule, Decision: Allowed}
	var ok bool
	if fl.Direction, ok = direction(f[6]); !ok {
		return Flow{}, false
	}
	switch f[7] {
	case "B":
		fl.Begins = true
	case "C", "E":
	case "D":
		fl.Begins, fl.Decision = true, Denied
	default:
		return Flow{}, false
	}
	if fl.Bytes, ok = byteCounts(f[10], f[12]); !ok {
		return Flow{}, false
	}
	return fl, true
}

// The values of the direction and decision labels.
const (
	Inbound  = "inbound"
	Outbound = "outbound"
	Allowed  = "allowed"
	Denied   = "denied"
)

func direction(s string) (string, bool) {
	switch s {
	case "I":
		return Inbound, true
	case "O":
		return Outbound, true
	}
	return "", false
}

// byteCounts adds the two ways' bytes; an empty field is none.
func byteCounts(out, in string) (int64, bool) {
	var sum int64
	for _, s := range []string{out, in} {
		if s == "" {
			continue
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 || n > 1<<50 {
			return 0, false
		}
		sum += n
	}
	return sum, true
}
