package console

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/storage"
)

// listScope is what a list page covers: the tenant named in the path, or
// every tenant the user sees, narrowed by ?tenant=.
type listScope struct {
	Tenants []*model.Tenant
	Only    string // the tenant the list is narrowed to, "" for all
	Base    string // the list's own path, for filter links and forms
}

func (c *Console) listScope(r *http.Request, p *page, noun string) (*listScope, error) {
	if r.PathValue("tenant") != "" {
		t, err := c.tenant(r, p)
		if err != nil {
			return nil, err
		}
		return &listScope{Tenants: []*model.Tenant{t}, Only: t.ID, Base: "/tenants/" + t.ID + "/" + noun}, nil
	}
	only := r.URL.Query().Get("tenant")
	if only != "" && !p.P.CanAccessTenant(only) {
		return nil, errForbidden
	}
	if only == "" {
		only = p.P.Tenant
	}
	ts, err := c.opts.Store.Tenants(r.Context(), only)
	if err != nil {
		return nil, err
	}
	return &listScope{Tenants: ts, Only: only, Base: "/" + noun}, nil
}

// pathID reads {id}; anything but a positive number is a page that does not exist.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, storage.ErrNotFound
	}
	return id, nil
}

// deskError turns another package's answer into one the error page knows:
// their "no such" is a 404 page, a refused change shows its reason.
func deskError(err error) error {
	var se *response.StatusError
	if errors.As(err, &se) {
		switch se.Status {
		case http.StatusNotFound:
			return storage.ErrNotFound
		case http.StatusForbidden:
			return errForbidden
		case http.StatusConflict, http.StatusBadRequest, http.StatusUnprocessableEntity:
			return invalid.New("state", "%s", se.Message)
		}
	}
	return err
}

// refused is the message of an input error, or "" when err is something else.
func refused(p *page, err error) string {
	if e, ok := invalid.As(err); ok {
		return p.L.T("err.field", e.Field, e.Reason)
	}
	return ""
}

// refusedField is an input error of the console's own forms.
func refusedField(field, reason string) error { return invalid.New(field, "%s", reason) }

// formatDuration shows a clock's business time as "2h05m" or "3d 4h", never
// negative: a breached clock has no time remaining.
func formatDuration(d model.Duration) string {
	t := d.Std()
	if t < 0 {
		t = 0
	}
	t = t.Round(time.Minute)
	days, h, m := int(t/(24*time.Hour)), int(t%(24*time.Hour)/time.Hour), int(t%time.Hour/time.Minute)
	if days > 0 {
		return fmt.Sprintf("%dd %dh", days, h)
	}
	return fmt.Sprintf("%dh%02dm", h, m)
}
