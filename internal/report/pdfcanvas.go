package report

import (
	"github.com/signintech/gopdf"

	"github.com/unyo-ops/unyo/internal/chart"
)

// pdfCanvas draws a chart on a PDF page with its top left corner at (x, y).
type pdfCanvas struct {
	pdf  *gopdf.GoPdf
	x, y float64
}

var _ chart.Canvas = (*pdfCanvas)(nil)

func (c *pdfCanvas) Rect(x, y, w, h float64, fill chart.Color) {
	if w <= 0 || h <= 0 {
		return
	}
	c.pdf.SetFillColor(fill.R, fill.G, fill.B)
	c.pdf.RectFromUpperLeftWithStyle(c.x+x, c.y+y, w, h, "F")
}

func (c *pdfCanvas) Line(x1, y1, x2, y2 float64, stroke chart.Color, width float64, dashed bool) {
	c.pdf.SetStrokeColor(stroke.R, stroke.G, stroke.B)
	c.pdf.SetLineWidth(width)
	if dashed {
		c.pdf.SetCustomLineType([]float64{4, 3}, 0)
	}
	c.pdf.Line(c.x+x1, c.y+y1, c.x+x2, c.y+y2)
	if dashed {
		c.pdf.SetLineType("solid")
	}
}

func (c *pdfCanvas) Polyline(pts []chart.XY, stroke chart.Color, width float64) {
	c.pdf.SetStrokeColor(stroke.R, stroke.G, stroke.B)
	c.pdf.SetLineWidth(width)
	for i := 1; i < len(pts); i++ {
		c.pdf.Line(c.x+pts[i-1].X, c.y+pts[i-1].Y, c.x+pts[i].X, c.y+pts[i].Y)
	}
}

func (c *pdfCanvas) Text(x, y float64, s string, size float64, col chart.Color, a chart.Anchor) {
	if s == "" {
		return
	}
	_ = c.pdf.SetFontSize(size)
	if a != chart.Start {
		w, err := c.pdf.MeasureTextWidth(s)
		if err == nil {
			if a == chart.Middle {
				w /= 2
			}
			x -= w
		}
	}
	c.pdf.SetTextColor(col.R, col.G, col.B)
	c.pdf.SetXY(c.x+x, c.y+y)
	_ = c.pdf.Text(s)
}
