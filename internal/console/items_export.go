package console

import (
	"bytes"
	"net/http"
	"net/url"

	"github.com/unyo-ops/unyo/internal/storage"
)

// exportItems serves the tenant's monitoring item list as CSV or printable
// HTML for a logged-in user. It writes the same document as the API's
// /api/v1/tenants/{tenant}/monitoring/items.csv|.html, which a browser
// session cannot call: the API takes tokens, not session cookies.
func (c *Console) exportItems(format string) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, p *page) error {
		if c.opts.Design == nil {
			return storage.ErrNotFound
		}
		t, err := c.tenant(r, p)
		if err != nil {
			return err
		}
		list, err := c.opts.Design.ItemList(r.Context(), t.ID, p.L.Lang, c.now())
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if format == "csv" {
			err = list.WriteCSV(&buf)
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
			w.Header().Set("Content-Disposition", `attachment; filename*=UTF-8''`+url.PathEscape(t.ID+"-monitoring-items.csv"))
		} else {
			err = list.WriteHTML(&buf)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
		}
		if err != nil {
			return err
		}
		w.Write(buf.Bytes())
		return nil
	}
}
