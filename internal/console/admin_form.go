package console

import (
	"errors"
	"net/http"
	"strings"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/storage"
)

// fieldErrors are the reasons a form was refused, by the name of the form
// field they are shown next to.
type fieldErrors map[string]string

// refuseFields explains a refusal next to the field it concerns: fields
// maps the field names of the stores' *invalid.Error (and their prefixes,
// "service_level.calendar.holidays" for "…holidays[2]") to the form's
// field names; the longest match wins. The same words go to the top of the
// page for the screen reader's alert. conflict names the field a
// storage.ErrConflict (a name already taken) is about. It returns false
// for an error that is not about the input.
func refuseFields(p *page, err error, errs fieldErrors, fields map[string]string, conflict string) bool {
	field, reason := "", ""
	if e, ok := invalid.As(err); ok {
		field, reason = e.Field, e.Reason
	} else if errors.Is(err, storage.ErrConflict) && conflict != "" {
		field, reason = conflict, p.L.T("adm.taken")
	} else {
		return false
	}
	msg := p.L.T("err.field", field, reason)
	p.Error = msg
	best := ""
	for k := range fields {
		if (field == k || strings.HasPrefix(field, k+".") || strings.HasPrefix(field, k+"[")) && len(k) > len(best) {
			best = k
		}
	}
	if best != "" {
		errs[fields[best]] = msg
	} else if _, ok := fields[""]; ok {
		errs[fields[""]] = msg
	}
	return true
}

// lines splits a textarea into its trimmed, non-empty lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// seeOther sends the browser on after a successful write, so a reload
// does not post the form again.
func seeOther(w http.ResponseWriter, r *http.Request, path string) error {
	http.Redirect(w, r, path, http.StatusSeeOther)
	return nil
}
