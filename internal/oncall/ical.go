package oncall

import (
	"fmt"
	"strings"
	"time"
)

// icalEscape escapes TEXT per RFC 5545 3.3.11.
var icalEscape = strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\n", `\n`, "\r", "")

// icalLine folds a content line at 75 octets (RFC 5545 3.1), never inside
// a UTF-8 sequence.
func icalLine(b *strings.Builder, s string) {
	for len(s) > 75 {
		cut := 75
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		b.WriteString(s[:cut] + "\r\n ")
		s = s[cut:]
	}
	b.WriteString(s + "\r\n")
}

// FeedShift is a shift of one person in a named rotation.
type FeedShift struct {
	Rotation string
	Shift
}

// Calendar renders shifts as an iCalendar (RFC 5545) document; times are
// in UTC, which every client converts to its reader's zone.
func Calendar(tenant, contact string, shifts []FeedShift, stamp time.Time) string {
	var b strings.Builder
	const utc = "20060102T150405Z"
	for _, l := range []string{"BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//unyo//on-call//EN", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
		"X-WR-CALNAME:" + icalEscape.Replace("On call: "+contact)} {
		icalLine(&b, l)
	}
	for _, s := range shifts {
		icalLine(&b, "BEGIN:VEVENT")
		uid := fmt.Sprintf("%s-%s-%s-%d@unyo", tenant, s.Rotation, contact, s.Start.Unix())
		icalLine(&b, "UID:"+icalEscape.Replace(uid))
		icalLine(&b, "DTSTAMP:"+stamp.UTC().Format(utc))
		icalLine(&b, "DTSTART:"+s.Start.UTC().Format(utc))
		icalLine(&b, "DTEND:"+s.End.UTC().Format(utc))
		icalLine(&b, "SUMMARY:"+icalEscape.Replace("On call: "+s.Rotation+" ("+s.Layer+")"))
		icalLine(&b, "TRANSP:OPAQUE")
		icalLine(&b, "END:VEVENT")
	}
	icalLine(&b, "END:VCALENDAR")
	return b.String()
}
