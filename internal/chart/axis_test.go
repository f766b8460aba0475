package chart

import (
	"testing"
	"time"
)

// placed records each text with its position and anchor.
type placed struct {
	recorder
	at []struct {
		x, y float64
		s    string
		a    Anchor
	}
	marks int
}

func (p *placed) Text(x, y float64, s string, _ float64, _ Color, a Anchor) {
	p.at = append(p.at, struct {
		x, y float64
		s    string
		a    Anchor
	}{x, y, s, a})
}

func (p *placed) Line(_, _, _, _ float64, c Color, _ float64, dashed bool) {
	if dashed && c == Amber {
		p.marks++
	}
}

// TestXLabelsInsideTheBox: the time labels sit under the axis even when
// the Y range does not start at zero, and the last one ends at the plot's
// right edge instead of running past the box (the clipped "15:04" seen on
// the host page); a mark is drawn when in range.
func TestXLabelsInsideTheBox(t *testing.T) {
	from := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	c := &Chart{Kind: Line, From: from, To: from.Add(time.Hour), YMin: 50, YMax: 100, Marks: []Mark{{V: 80, Color: Amber}, {V: 20, Color: Amber}},
		Series: []Series{{Name: "x", Points: []Point{{from, 60}, {from.Add(time.Hour), 90}}}}}
	var p placed
	const w, h = 520.0, 180.0
	Draw(&p, c, w, h)
	var labels int
	for _, tx := range p.at {
		if len(tx.s) != 5 || tx.s[2] != ':' {
			continue
		}
		labels++
		if tx.y < h-padBottom || tx.y > h {
			t.Errorf("label %q at y=%.1f, want under the axis (%.0f..%.0f)", tx.s, tx.y, h-padBottom, h)
		}
		if tx.s == "10:00" && tx.a != End {
			t.Errorf("the last label %q is anchored %v, want End so that it stays inside", tx.s, tx.a)
		}
	}
	if labels != xTickCount+1 {
		t.Errorf("%d time labels, want %d", labels, xTickCount+1)
	}
	if p.marks != 1 {
		t.Errorf("%d marks drawn, want the one in range (80), not 20", p.marks)
	}
}
