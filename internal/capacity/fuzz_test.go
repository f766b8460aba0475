package capacity

import (
	"encoding/json"
	"testing"
	"time"
)

// FuzzPlanDocument: whatever JSON a client sends as a plan, decoding and
// validation refuse it or accept it; an accepted plan compiles, and its
// segments over a week are contiguous and within the group's bounds.
func FuzzPlanDocument(f *testing.F) {
	f.Add([]byte(`{"baseline":{"default":2,"rules":[{"days":["mon","tue"],"start":"08:00","end":"23:00","count":6}]},"events":[]}`))
	f.Add([]byte(`{"baseline":{"default":1},"events":[{"name":"x","start":"2026-03-08T01:00:00-05:00","end":"2026-03-08T05:00:00-04:00","multiplier":2.5,"lead":"1h","cool_down":"30m"}]}`))
	f.Add([]byte(`{"baseline":{"default":-1}}`))
	f.Add([]byte(`{"baseline":{"default":2},"seasons":[{"from":"2026-03-01","until":"2026-03-08","baseline":{"default":3,"rules":[{"days":["sat","sun"],"start":"08:00","end":"24:00","count":9}]}},{"from":"2026-03-08","until":"2026-04-01","baseline":{"default":5}}],"events":[]}`))
	f.Add([]byte(`{"baseline":{"default":2},"seasons":[{"from":"2026-03-07","until":"2026-03-06","baseline":{"default":3}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var d Document
		if json.Unmarshal(b, &d) != nil || d.Validate() != nil {
			return
		}
		from := time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)
		to := from.Add(7 * 24 * time.Hour)
		for _, zone := range []string{"UTC", "America/New_York", "Asia/Tokyo"} {
			loc, _ := time.LoadLocation(zone)
			segs := Compile(&d, loc, 1, 50, nil).Segments(from, to)
			if len(segs) == 0 || !segs[0].Start.Equal(from) || !segs[len(segs)-1].End.Equal(to) {
				t.Fatalf("%s: segments do not cover the week: %+v", zone, segs)
			}
			for i, s := range segs {
				if s.Count < 1 || s.Count > 50 || !s.End.After(s.Start) || (i > 0 && !segs[i-1].End.Equal(s.Start)) {
					t.Fatalf("%s: segment %d: %+v", zone, i, s)
				}
			}
		}
	})
}
