package console

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
)

// acknowledgeAlert records that the operator has seen the alert.
func (c *Console) acknowledgeAlert(w http.ResponseWriter, r *http.Request, p *page) error {
	return c.actOnAlert(w, r, p, "acknowledge", func(ctx context.Context, tenant string, id int64) error {
		_, err := c.opts.AlertDesk.Acknowledge(ctx, tenant, id, p.P.Name)
		return err
	})
}

// silenceAlert holds the alert's notifications until the time given in the
// user's own zone.
func (c *Console) silenceAlert(w http.ResponseWriter, r *http.Request, p *page) error {
	return c.actOnAlert(w, r, p, "silence", func(ctx context.Context, tenant string, id int64) error {
		v := r.PostFormValue("until")
		until, err := time.ParseInLocation("2006-01-02T15:04", v, p.L.Loc)
		if err != nil {
			return invalid.New("until", "is not a date and time (YYYY-MM-DDTHH:MM): %q", v)
		}
		_, err = c.opts.AlertDesk.Silence(ctx, tenant, id, until, p.P.Name)
		return err
	})
}

// actOnAlert runs an operator's action with its audit entry, written in the
// action's own transaction, and goes back to where the form was (the list
// or the alert); a refused one shows the alert with the reason.
func (c *Console) actOnAlert(w http.ResponseWriter, r *http.Request, p *page, action string, do func(context.Context, string, int64) error) error {
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
	ctx := audited(r, p, t.ID, action, "alert", strconv.FormatInt(id, 10), map[string]string{"until": r.PostFormValue("until")})
	if err := deskError(do(ctx, t.ID, id)); err != nil {
		if msg := refused(p, err); msg != "" {
			p.Error = msg
			return c.renderAlert(w, r, p, http.StatusBadRequest)
		}
		return err
	}
	back := "/tenants/" + t.ID + "/alerts/" + strconv.FormatInt(id, 10)
	http.Redirect(w, r, localPath(r.PostFormValue("back"), back), http.StatusSeeOther)
	return nil
}
