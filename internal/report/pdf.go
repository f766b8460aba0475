package report

import (
	"bytes"
	"fmt"
	"os"

	"github.com/signintech/gopdf"

	"github.com/unyo-ops/unyo/internal/chart"
)

// A4 in points, and the print margins.
const (
	pageW, pageH = 595.28, 841.89
	marginX      = 40
	top          = 56
	bottom       = pageH - 50
	bodySize     = 9
	lineH        = 12
	cellPad      = 3
)

// PDF renders reports as A4 PDFs with an embedded Japanese font.
type PDF struct {
	font []byte
}

// NewPDF reads the font at fontPath, or the first one FindFont knows of
// when fontPath is empty.
func NewPDF(fontPath string) (*PDF, error) {
	path, err := FindFont(fontPath)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("report: cannot read font: %w", err)
	}
	return &PDF{font: b}, nil
}

// Render renders r: its sections in order, each page headed by the tenant
// and period and footed by its number of the total.
func (p *PDF) Render(r *Report) ([]byte, error) {
	return p.RenderDocument(Layout(r))
}

// RenderDocument renders d, in its language, as Render does a report.
func (p *PDF) RenderDocument(d *Document) ([]byte, error) {
	w := &pdfWriter{pdf: &gopdf.GoPdf{}}
	w.pdf.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4})
	w.pdf.SetInfo(gopdf.PdfInfo{Title: d.Title + " " + d.Tenant + " " + d.Period, Creator: "unyo"})
	if err := w.pdf.AddTTFFontData("ipaexg", p.font); err != nil {
		return nil, fmt.Errorf("report: cannot load font: %w", err)
	}
	if err := w.pdf.SetFont("ipaexg", "", bodySize); err != nil {
		return nil, fmt.Errorf("report: cannot set font: %w", err)
	}
	w.newPage()
	w.title(d)
	// The contents go under the title; their page numbers are known only
	// once the sections are laid out, so their room is kept first.
	tocY := w.y
	w.y += tocHeight(len(d.Sections))
	pages := make([]int, len(d.Sections))
	for i, s := range d.Sections {
		w.section(s)
		pages[i] = w.sectionPage
	}
	if w.err != nil {
		return nil, fmt.Errorf("report: cannot render PDF: %w", w.err)
	}
	w.contents(d, tocY, pages)
	w.frames(d, d.Lang)
	var b bytes.Buffer
	if err := w.pdf.Write(&b); err != nil {
		return nil, fmt.Errorf("report: cannot write PDF: %w", err)
	}
	return b.Bytes(), nil
}

// pdfWriter lays blocks down the page, breaking pages where they do not fit.
type pdfWriter struct {
	pdf         *gopdf.GoPdf
	y           float64
	err         error
	sectionPage int // the page the last section's title went on
}

// tocLine is the height of a line of the contents.
const tocLine = 14

// tocHeight is the room the contents of n sections take.
func tocHeight(n int) float64 { return 22 + float64(n)*tocLine + 12 }

// contents writes, at y on the first page, each section's title and the
// page it starts on.
func (w *pdfWriter) contents(d *Document, y float64, pages []int) {
	if w.err != nil {
		return
	}
	if err := w.pdf.SetPage(1); err != nil {
		w.err = err
		return
	}
	w.text(marginX, y+14, tr(d.Lang, "contents"), 12, chart.Black)
	y += 22
	for i, s := range d.Sections {
		num := fmt.Sprint(pages[i])
		right := pageW - marginX
		w.text(marginX+10, y+bodySize+1, s.Title, 10, chart.Black)
		w.text(right-w.measure(num, 10), y+bodySize+1, num, 10, chart.Black)
		w.pdf.SetStrokeColor(200, 200, 200)
		w.pdf.SetLineWidth(0.3)
		w.pdf.Line(marginX+10+w.measure(s.Title, 10)+4, y+bodySize+1, right-w.measure(num, 10)-4, y+bodySize+1)
		y += tocLine
	}
}

func (w *pdfWriter) newPage() {
	w.pdf.AddPage()
	w.y = top
}

// need breaks the page unless h more points fit on it.
func (w *pdfWriter) need(h float64) {
	if w.y+h > bottom {
		w.newPage()
	}
}

func (w *pdfWriter) text(x, y float64, s string, size float64, c chart.Color) {
	if s == "" || w.err != nil {
		return
	}
	if err := w.pdf.SetFontSize(size); err != nil {
		w.err = err
		return
	}
	w.pdf.SetTextColor(c.R, c.G, c.B)
	w.pdf.SetXY(x, y)
	if err := w.pdf.Text(s); err != nil {
		w.err = err
	}
}

// lines wraps s to width at size.
func (w *pdfWriter) lines(s string, width, size float64) []string {
	if s == "" {
		return []string{""}
	}
	_ = w.pdf.SetFontSize(size)
	ls, err := w.pdf.SplitText(s, width)
	if err != nil || len(ls) == 0 {
		return []string{s}
	}
	return ls
}

func (w *pdfWriter) measure(s string, size float64) float64 {
	_ = w.pdf.SetFontSize(size)
	v, err := w.pdf.MeasureTextWidth(s)
	if err != nil {
		return 0
	}
	return v
}

func (w *pdfWriter) title(d *Document) {
	w.text(marginX, w.y+14, d.Title, 20, chart.Black)
	w.text(marginX, w.y+36, d.Tenant+"  "+d.Period, 12, chart.Black)
	w.text(marginX, w.y+52, d.Generated, bodySize, chart.Grey)
	w.y += 70
}

func (w *pdfWriter) section(s Section) {
	w.need(60) // a section title never ends a page
	w.y += 8
	w.pdf.SetFillColor(31, 119, 180)
	w.pdf.RectFromUpperLeftWithStyle(marginX, w.y, 4, 16, "F")
	w.text(marginX+10, w.y+13, s.Title, 14, chart.Black)
	w.sectionPage = w.pdf.GetNumberOfPages()
	w.y += 24
	for _, b := range s.Blocks {
		w.block(b)
	}
}

func (w *pdfWriter) paragraph(s string, size float64, c chart.Color) {
	for _, l := range w.lines(s, pageW-2*marginX, size) {
		w.need(lineH)
		w.text(marginX, w.y+size, l, size, c)
		w.y += size + 3
	}
	w.y += 3
}

func (w *pdfWriter) block(b Block) {
	if b.Heading != "" {
		w.need(lineH*3 + 4)
		w.paragraph(b.Heading, 11, chart.Black)
	}
	if b.Text != "" {
		w.paragraph(b.Text, bodySize, chart.Black)
	}
	if b.Note != "" {
		w.paragraph(b.Note, bodySize, chart.Grey)
	}
	if b.Table != nil {
		w.table(b.Table)
	}
	if b.Chart != nil {
		w.need(chartH + 6)
		chart.Draw(&pdfCanvas{pdf: w.pdf, x: marginX, y: w.y}, b.Chart, chartW, chartH)
		w.y += chartH + 8
	}
}

// table draws t with columns as wide as their text, shrunk to the page.
func (w *pdfWriter) table(t *Table) {
	const size = 8.5
	widths := make([]float64, len(t.Head))
	for i, h := range t.Head {
		widths[i] = w.measure(h, size) + 2*cellPad
	}
	for _, row := range t.Rows {
		for i, c := range row {
			if i < len(widths) {
				widths[i] = max(widths[i], w.measure(c, size)+2*cellPad)
			}
		}
	}
	total := 0.0
	for _, v := range widths {
		total += v
	}
	if avail := pageW - 2*marginX; total > avail {
		for i := range widths {
			widths[i] *= avail / total
		}
	}
	w.row(t.Head, widths, size, true)
	for _, row := range t.Rows {
		w.row(row, widths, size, false)
	}
	w.y += 6
}

func (w *pdfWriter) row(cells []string, widths []float64, size float64, head bool) {
	wrapped := make([][]string, len(widths))
	n := 1
	for i := range widths {
		c := ""
		if i < len(cells) {
			c = cells[i]
		}
		wrapped[i] = w.lines(c, widths[i]-2*cellPad, size)
		n = max(n, len(wrapped[i]))
	}
	h := float64(n)*(size+2.5) + 2*cellPad
	w.need(h)
	x := float64(marginX)
	for i, ls := range wrapped {
		if head {
			w.pdf.SetFillColor(238, 243, 248)
			w.pdf.RectFromUpperLeftWithStyle(x, w.y, widths[i], h, "F")
		}
		w.pdf.SetStrokeColor(200, 200, 200)
		w.pdf.SetLineWidth(0.5)
		w.pdf.RectFromUpperLeftWithStyle(x, w.y, widths[i], h, "D")
		for j, l := range ls {
			w.text(x+cellPad, w.y+cellPad+size+float64(j)*(size+2.5), l, size, chart.Black)
		}
		x += widths[i]
	}
	w.y += h
}

// frames heads and foots every page now that the number of pages is known.
func (w *pdfWriter) frames(d *Document, lang string) {
	n := w.pdf.GetNumberOfPages()
	for i := 1; i <= n; i++ {
		if err := w.pdf.SetPage(i); err != nil {
			w.err = err
			return
		}
		w.text(marginX, 30, d.Title+" — "+d.Tenant+" — "+d.Period, 8, chart.Grey)
		w.pdf.SetStrokeColor(31, 119, 180)
		w.pdf.SetLineWidth(0.8)
		w.pdf.Line(marginX, 36, pageW-marginX, 36)
		footer := tr(lang, "page", i, n)
		w.text(pageW-marginX-w.measure(footer, 8), pageH-28, footer, 8, chart.Grey)
		w.text(marginX, pageH-28, d.Tenant+"  "+d.Period, 8, chart.Grey)
	}
}
