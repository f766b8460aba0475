package console

import (
	"net/http"
	"strconv"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
)

func (c *Console) revokeToken(w http.ResponseWriter, r *http.Request, p *page) error {
	if err := require(p, model.ScopeAdmin); err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return storage.ErrNotFound
	}
	if err := c.opts.Store.RevokeToken(audited(r, p, p.P.Tenant, "revoke", "token", strconv.FormatInt(id, 10), nil), p.P.Tenant, id); err != nil {
		return err
	}
	c.opts.Auth.Forget(id)
	p.Notice = p.L.T("tok.revoked_ok")
	return c.renderTokens(w, r, p, http.StatusOK, "")
}
