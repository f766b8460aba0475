package monitoring

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
)

//go:embed itemlist.html.tmpl
var itemListHTML string

// itemListTmpl is parsed once; a template that does not parse is a bug of
// this package, caught by its tests.
var itemListTmpl = template.Must(template.New("itemlist").Parse(itemListHTML))

// WriteHTML writes the list as a page that prints on A4 landscape, headings
// repeated on every page, with a sign-off box.
func (l *ItemList) WriteHTML(w io.Writer) error {
	if err := itemListTmpl.Execute(w, l); err != nil {
		return fmt.Errorf("monitoring: unable to write the item list page: %w", err)
	}
	return nil
}
