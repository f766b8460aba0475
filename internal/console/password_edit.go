package console

import (
	"net/http"

	"github.com/unyo-ops/unyo/internal/model"
)

// passwordData is what the password form needs besides the page.
type passwordData struct {
	MinLength int // as model.ValidatePassword enforces
}

// editPassword shows the form where a user changes their own password.
func (c *Console) editPassword(w http.ResponseWriter, r *http.Request, p *page) error {
	if r.URL.Query().Get("changed") == "1" {
		p.Notice = p.L.T("pwd.changed")
	}
	c.renderPassword(w, p, http.StatusOK)
	return nil
}

func (c *Console) renderPassword(w http.ResponseWriter, p *page, status int) {
	p.Active, p.Title, p.Data = "pwd.link", p.L.T("pwd.title"), passwordData{MinLength: model.MinPasswordLength}
	c.render(w, status, "password", p)
}
