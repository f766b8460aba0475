package forecast

import (
	"encoding/binary"
	"math"
	"testing"
	"time"
)

// FuzzHourly feeds the cleaning arbitrary samples: it never panics, gives
// one bucket per hour of the range, and each bucket is NaN or lies between
// the least and the greatest finite sample in range.
func FuzzHourly(f *testing.F) {
	f.Add([]byte{0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x24, 0x40}, uint16(3))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f}, uint16(0))
	f.Fuzz(func(t *testing.T, data []byte, hours uint16) {
		from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		to := from.Add(time.Duration(hours%2000) * time.Hour)
		var pts []Point
		lo, hi := math.Inf(1), math.Inf(-1)
		for ; len(data) >= 12; data = data[12:] {
			p := Point{from.Add(time.Duration(int32(binary.LittleEndian.Uint32(data))) * time.Second),
				math.Float64frombits(binary.LittleEndian.Uint64(data[4:]))}
			pts = append(pts, p)
			if finite(p.V) && !p.T.Before(from) && p.T.Before(to) {
				lo, hi = min(lo, p.V), max(hi, p.V)
			}
		}
		got := Hourly(pts, from, to)
		if len(got) != int(hours%2000) {
			t.Fatalf("%d buckets for %d hours", len(got), hours%2000)
		}
		for i, v := range got {
			if math.IsNaN(v) {
				continue
			}
			if math.IsInf(v, 0) && !math.IsInf(hi-lo, 0) {
				t.Fatalf("bucket %d is %v", i, v)
			}
			if !math.IsInf(v, 0) && (v < lo-1e-9*math.Abs(lo) || v > hi+1e-9*math.Abs(hi)) {
				t.Fatalf("bucket %d = %v outside [%v, %v]", i, v, lo, hi)
			}
		}
	})
}

// FuzzHourlyGrid holds HourlyGrid to Hourly on the same samples: a regular
// series from any start and step gives the very same buckets.
func FuzzHourlyGrid(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0x24, 0x40, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f}, int32(-600), uint16(300), uint16(5))
	f.Fuzz(func(t *testing.T, data []byte, startSec int32, stepSec, hours uint16) {
		from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		to := from.Add(time.Duration(hours%500) * time.Hour)
		start := from.Add(time.Duration(startSec) * time.Second)
		step := time.Duration(stepSec%7200+1) * time.Second
		var vals []float64
		var pts []Point
		for ; len(data) >= 8; data = data[8:] {
			v := math.Float64frombits(binary.LittleEndian.Uint64(data))
			pts = append(pts, Point{start.Add(time.Duration(len(vals)) * step), v})
			vals = append(vals, v)
		}
		a, b := Hourly(pts, from, to), HourlyGrid(vals, start, step, from, to)
		if len(a) != len(b) {
			t.Fatalf("%d and %d buckets", len(a), len(b))
		}
		for i := range a {
			if a[i] != b[i] && !(math.IsNaN(a[i]) && math.IsNaN(b[i])) {
				t.Fatalf("bucket %d: Hourly %v, HourlyGrid %v", i, a[i], b[i])
			}
		}
	})
}
