package monitoring

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
)

// utf8BOM makes Excel read the file as UTF-8; without it, Japanese text
// opens garbled in the Japanese edition.
const utf8BOM = "\ufeff"

// WriteCSV writes the list as CSV: UTF-8 with a byte order mark, CRLF line
// ends, one heading line.
func (l *ItemList) WriteCSV(w io.Writer) error {
	if _, err := io.WriteString(w, utf8BOM); err != nil {
		return fmt.Errorf("monitoring: unable to write CSV: %w", err)
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	cw.Write(l.Columns())
	for _, r := range l.Rows {
		cells := []string{r.Host, r.Target, r.Item, r.Kind, r.Warning, r.Critical, r.Recovery,
			r.Interval, r.For, r.Severity, r.Action, r.Runbook, r.SLR}
		for i, c := range cells {
			cells[i] = inert(c)
		}
		cw.Write(append([]string{strconv.Itoa(r.No)}, cells...))
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("monitoring: unable to write CSV: %w", err)
	}
	return nil
}

// inert keeps Excel from running a cell as a formula: titles and patterns
// are written by users, and the customer opens the file. A leading quote
// makes Excel show the text as it is; a lone "-" is already text.
func inert(cell string) string {
	if cell == "" || cell == "-" {
		return cell
	}
	switch cell[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + cell
	}
	return cell
}
