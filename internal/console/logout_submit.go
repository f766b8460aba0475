package console

import "net/http"

func (c *Console) submitLogout(w http.ResponseWriter, r *http.Request, p *page) error {
	if err := c.opts.Sessions.End(w, r); err != nil {
		return err
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}
