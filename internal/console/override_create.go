package console

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/storage"
)

// createOverride changes one item for this host only: its thresholds, or
// disables it, with the reason written down (the item list shows both).
func (c *Console) createOverride(w http.ResponseWriter, r *http.Request, p *page) error {
	if c.opts.Design == nil {
		return storage.ErrNotFound
	}
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
	res, err := c.opts.Store.Resource(r.Context(), t.ID, id)
	if err != nil {
		return err
	}
	o, err := overrideForm(r)
	if err == nil {
		o.TenantID, o.ResourceID = t.ID, res.ID
		err = c.opts.Design.CreateOverride(audited(r, p, t.ID, "create", "monitoring_override", "", o), o)
	}
	if err != nil {
		e, ok := invalid.As(err)
		switch {
		case ok:
			p.Error = p.L.T("err.field", e.Field, e.Reason)
		case errors.Is(err, storage.ErrConflict):
			p.Error = p.L.T("err.field", "item_id", "already has an override on this host")
		case errors.Is(err, storage.ErrNotFound):
			p.Error = p.L.T("err.field", "item_id", "no such item on this host")
		default:
			return err
		}
		return c.renderResource(w, r, p, t, res, http.StatusBadRequest)
	}
	p.Notice = p.L.T("res.overridden")
	return c.renderResource(w, r, p, t, res, http.StatusOK)
}

// overrideForm reads the form; an empty level keeps the item's own.
func overrideForm(r *http.Request) (*monitoring.Override, error) {
	item, err := strconv.ParseInt(r.PostFormValue("item_id"), 10, 64)
	if err != nil || item <= 0 {
		return nil, invalid.New("item_id", "choose an item")
	}
	o := &monitoring.Override{ItemID: item, Note: strings.TrimSpace(r.PostFormValue("note"))}
	for _, f := range []struct {
		name string
		dst  **float64
	}{{"warning", &o.Warning}, {"critical", &o.Critical}, {"recovery", &o.Recovery}} {
		v := strings.TrimSpace(r.PostFormValue(f.name))
		if v == "" {
			continue
		}
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, invalid.New(f.name, "must be a number, not %q", v)
		}
		*f.dst = &n
	}
	if r.PostFormValue("disabled") == "on" {
		yes := true
		o.Disabled = &yes
	}
	if o.Warning == nil && o.Critical == nil && o.Recovery == nil && o.Disabled == nil {
		return nil, invalid.New("warning", "give a level to change, or disable the item")
	}
	return o, nil
}
