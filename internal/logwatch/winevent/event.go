// Package winevent reads Windows Event Log channels (Application, System,
// ...) through wevtapi.dll, and parses the XML that it renders events as.
// The reader is Windows-only; the parser runs, and is tested, everywhere.
package winevent

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Level is the event level of the System section.
type Level uint8

// The standard levels; 0 (LogAlways) is what classic events without a level carry.
const (
	LevelLogAlways   Level = 0
	LevelCritical    Level = 1
	LevelError       Level = 2
	LevelWarning     Level = 3
	LevelInformation Level = 4
	LevelVerbose     Level = 5
)

// String returns the level's name as Event Viewer shows it.
func (l Level) String() string {
	switch l {
	case LevelLogAlways:
		return "LogAlways"
	case LevelCritical:
		return "Critical"
	case LevelError:
		return "Error"
	case LevelWarning:
		return "Warning"
	case LevelInformation:
		return "Information"
	case LevelVerbose:
		return "Verbose"
	}
	return "Level" + strconv.Itoa(int(l))
}

// Data is one EventData value; Name is empty for classic events.
type Data struct {
	Name  string
	Value string
}

// Event is the useful part of one rendered event.
type Event struct {
	Provider   string
	EventID    uint32
	Qualifiers uint16
	Level      Level
	Time       time.Time
	RecordID   uint64
	Channel    string
	Computer   string
	Data       []Data
	Message    string // from RenderingInfo, present when the event was formatted
}

type xmlEvent struct {
	XMLName xml.Name `xml:"Event"`
	System  struct {
		Provider struct {
			Name            string `xml:"Name,attr"`
			EventSourceName string `xml:"EventSourceName,attr"`
		} `xml:"Provider"`
		EventID struct {
			Qualifiers string `xml:"Qualifiers,attr"`
			Value      string `xml:",chardata"`
		} `xml:"EventID"`
		Level       string `xml:"Level"`
		TimeCreated struct {
			SystemTime string `xml:"SystemTime,attr"`
		} `xml:"TimeCreated"`
		EventRecordID string `xml:"EventRecordID"`
		Channel       string `xml:"Channel"`
		Computer      string `xml:"Computer"`
	} `xml:"System"`
	EventData struct {
		Data []struct {
			Name  string `xml:"Name,attr"`
			Value string `xml:",chardata"`
		} `xml:"Data"`
	} `xml:"EventData"`
	RenderingInfo struct {
		Message string `xml:"Message"`
	} `xml:"RenderingInfo"`
}

// Parse decodes one event as rendered by EvtRender (EvtRenderEventXml) or
// EvtFormatMessage (EvtFormatMessageXml).
func Parse(b []byte) (Event, error) {
	var x xmlEvent
	d := xml.NewDecoder(bytes.NewReader(b))
	// The caller already turned the UTF-16 rendering into UTF-8; a
	// declaration saying utf-16 must not stop the decoder.
	d.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
		if l := strings.ToLower(label); l == "utf-16" || l == "unicode" {
			return r, nil
		}
		return nil, fmt.Errorf("unsupported charset %q", label)
	}
	if err := d.Decode(&x); err != nil {
		return Event{}, fmt.Errorf("winevent: parse event: %w", err)
	}
	return x.event()
}

func (x *xmlEvent) event() (Event, error) {
	s := &x.System
	e := Event{
		Provider: s.Provider.Name,
		Channel:  strings.TrimSpace(s.Channel),
		Computer: strings.TrimSpace(s.Computer),
		Message:  strings.TrimSpace(x.RenderingInfo.Message),
	}
	if e.Provider == "" {
		e.Provider = s.Provider.EventSourceName
	}
	var err error
	if e.EventID, err = parseUint[uint32](s.EventID.Value, 32, "EventID"); err != nil {
		return Event{}, err
	}
	if e.Qualifiers, err = parseUint[uint16](s.EventID.Qualifiers, 16, "Qualifiers"); err != nil {
		return Event{}, err
	}
	if e.Level, err = parseUint[Level](s.Level, 8, "Level"); err != nil {
		return Event{}, err
	}
	if e.RecordID, err = parseUint[uint64](s.EventRecordID, 64, "EventRecordID"); err != nil {
		return Event{}, err
	}
	if ts := strings.TrimSpace(s.TimeCreated.SystemTime); ts != "" {
		if e.Time, err = time.Parse(time.RFC3339Nano, ts); err != nil {
			return Event{}, fmt.Errorf("winevent: parse event: TimeCreated: %w", err)
		}
	}
	for _, d := range x.EventData.Data {
		e.Data = append(e.Data, Data{Name: d.Name, Value: strings.TrimSpace(d.Value)})
	}
	return e, nil
}

// parseUint parses an optional unsigned number; empty means zero.
func parseUint[T ~uint8 | ~uint16 | ~uint32 | ~uint64](s string, bits int, field string) (T, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(s, 10, bits)
	if err != nil {
		return 0, fmt.Errorf("winevent: parse event: %s: %w", field, err)
	}
	return T(n), nil
}

// Text renders the event as one line for log patterns to match:
// provider, event ID, level, then the message or else the data values.
func (e Event) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %d %s: ", e.Provider, e.EventID, e.Level)
	if e.Message != "" {
		b.WriteString(strings.Join(strings.Fields(e.Message), " "))
		return b.String()
	}
	for i, d := range e.Data {
		if i > 0 {
			b.WriteString(" ")
		}
		if d.Name != "" {
			b.WriteString(d.Name + "=")
		}
		b.WriteString(d.Value)
	}
	return b.String()
}
