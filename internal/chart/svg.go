package chart

import (
	"bytes"
	"fmt"
	"html"
	"strconv"
)

// SVG renders c as a standalone SVG image of w × h points.
func SVG(c *Chart, w, h float64) []byte {
	s := &svgCanvas{}
	fmt.Fprintf(&s.b, `<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %s %s" font-family="IPAexGothic, sans-serif">`,
		num(w), num(h), num(w), num(h))
	Draw(s, c, w, h)
	s.b.WriteString("</svg>")
	return s.b.Bytes()
}

type svgCanvas struct{ b bytes.Buffer }

func (s *svgCanvas) Rect(x, y, w, h float64, fill Color) {
	fmt.Fprintf(&s.b, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s"/>`, num(x), num(y), num(w), num(h), hex(fill))
}

func (s *svgCanvas) Line(x1, y1, x2, y2 float64, c Color, w float64, dashed bool) {
	dash := ""
	if dashed {
		dash = ` stroke-dasharray="4 3"`
	}
	fmt.Fprintf(&s.b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="%s"%s/>`,
		num(x1), num(y1), num(x2), num(y2), hex(c), num(w), dash)
}

func (s *svgCanvas) Polyline(pts []XY, c Color, w float64) {
	s.b.WriteString(`<polyline fill="none" points="`)
	for i, p := range pts {
		if i > 0 {
			s.b.WriteByte(' ')
		}
		s.b.WriteString(num(p.X) + "," + num(p.Y))
	}
	fmt.Fprintf(&s.b, `" stroke="%s" stroke-width="%s"/>`, hex(c), num(w))
}

func (s *svgCanvas) Text(x, y float64, t string, size float64, c Color, a Anchor) {
	anchor := [...]string{"start", "middle", "end"}[a]
	fmt.Fprintf(&s.b, `<text x="%s" y="%s" font-size="%s" fill="%s" text-anchor="%s">%s</text>`,
		num(x), num(y), num(size), hex(c), anchor, html.EscapeString(t))
}

// num prints coordinates with one decimal: enough for print, and it keeps
// golden files stable and the SVG small.
func num(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

func hex(c Color) string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }
