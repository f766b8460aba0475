package console

import (
	"net/http"
	"strconv"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
)

// acknowledgeAlert records that the operator has seen the alert.
func (c *Console) acknowledgeAlert(w http.ResponseWriter, r *http.Request, p *page) error {
	return c.actOnAlert(w, r, p, "acknowledge", func(tenant string, id int64) error {
		_, err := c.opts.AlertDesk.Acknowledge(r.Context(), tenant, id, p.P.Name)
		return err
	})
}

// silenceAlert holds the alert's notifications until the time given in the
// user's own zone.
func (c *Console) silenceAlert(w http.ResponseWriter, r *http.Request, p *page) error {
	return c.actOnAlert(w, r, p, "silence", func(tenant string, id int64) error {
		v := r.PostFormValue("until")
		until, err := time.ParseInLocation("2006-01-02T15:04", v, p.L.Loc)
		if err != nil {
			return invalid.New("until", "is not a date and time (YYYY-MM-DDTHH:MM): %q", v)
		}
		_, err = c.opts.AlertDesk.Silence(r.Context(), tenant, id, until, p.P.Name)
		return err
	})
}

// actOnAlert runs an operator's action, audits it and goes back to where
// the form was (the list or the alert); a refused one shows the alert with
// the reason.
func (c *Console) actOnAlert(w http.ResponseWriter, r *http.Request, p *page, action string, do func(string, int64) error) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	if err := require(p, model.ScopeWrite); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := deskError(do(t.ID, id)); err != nil {
		if msg := refused(p, err); msg != "" {
			p.Error = msg
			return c.renderAlert(w, r, p, http.StatusBadRequest)
		}
		return err
	}
	c.opts.Store.Audit(r.Context(), storage.AuditEntry{TenantID: t.ID, Actor: p.P.Name, Action: action,
		ObjectType: "alert", ObjectID: strconv.FormatInt(id, 10)}, map[string]string{"until": r.PostFormValue("until")})
	back := "/tenants/" + t.ID + "/alerts/" + strconv.FormatInt(id, 10)
	http.Redirect(w, r, localPath(r.PostFormValue("back"), back), http.StatusSeeOther)
	return nil
}
