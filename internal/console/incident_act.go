package console

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/model"
)

// acknowledgeIncident stops the acknowledge clock.
func (c *Console) acknowledgeIncident(w http.ResponseWriter, r *http.Request, p *page) error {
	return c.actOnIncident(w, r, p, "acknowledge", func(ctx context.Context, tenant string, id int64) error {
		_, err := c.opts.IncidentDesk.Acknowledge(ctx, tenant, id, p.P.Name)
		return err
	})
}

// transitionIncident moves the incident to In Progress, On Hold (with its
// reason) or Resolved (with close code and notes); the incident package
// enforces the lifecycle and names the field it refuses.
func (c *Console) transitionIncident(w http.ResponseWriter, r *http.Request, p *page) error {
	return c.actOnIncident(w, r, p, "transition", func(ctx context.Context, tenant string, id int64) error {
		sc := incident.StateChange{State: incident.State(r.PostFormValue("state"))}
		switch sc.State {
		case incident.StateOnHold:
			sc.HoldReason = incident.HoldReason(r.PostFormValue("hold_reason"))
		case incident.StateResolved:
			sc.CloseCode, sc.CloseNotes = strings.TrimSpace(r.PostFormValue("close_code")), r.PostFormValue("close_notes")
		}
		_, err := c.opts.IncidentDesk.Transition(ctx, tenant, id, p.P.Name, sc)
		return err
	})
}

// recordCause records the identified cause, stopping the identify clock.
func (c *Console) recordCause(w http.ResponseWriter, r *http.Request, p *page) error {
	return c.actOnIncident(w, r, p, "cause", func(ctx context.Context, tenant string, id int64) error {
		_, err := c.opts.IncidentDesk.RecordCause(ctx, tenant, id, p.P.Name,
			incident.Cause{Cause: r.PostFormValue("cause"), Category: r.PostFormValue("category")})
		return err
	})
}

// addIncidentNote adds a work note (kind=work_note, internal) or a comment
// the customer sees (kind=comment).
func (c *Console) addIncidentNote(w http.ResponseWriter, r *http.Request, p *page) error {
	if !staff(p) {
		return c.addCustomerComment(w, r, p)
	}
	return c.actOnIncident(w, r, p, "note", func(ctx context.Context, tenant string, id int64) error {
		kind := r.PostFormValue("kind")
		if kind != "work_note" && kind != "comment" {
			return refusedField("kind", "must be work_note or comment")
		}
		_, err := c.opts.IncidentDesk.AddNote(ctx, tenant, id, p.P.Name, r.PostFormValue("text"), kind == "work_note")
		return err
	})
}

// actOnIncident runs one of the MSP's changes and shows the incident again:
// after a redirect when it was done, at once with the reason when refused.
// Customer viewers change nothing.
func (c *Console) actOnIncident(w http.ResponseWriter, r *http.Request, p *page, action string, do func(context.Context, string, int64) error) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	if !staff(p) {
		return errForbidden
	}
	if err := require(p, model.ScopeWrite); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	// The incident package keeps its own timeline; the audit log records
	// who did what from the console, without the text of notes.
	ctx := audited(r, p, t.ID, action, "incident", strconv.FormatInt(id, 10),
		map[string]string{"state": r.PostFormValue("state"), "kind": r.PostFormValue("kind")})
	if err := deskError(do(ctx, t.ID, id)); err != nil {
		if msg := refused(p, err); msg != "" {
			p.Error = msg
			return c.renderIncident(w, r, p, http.StatusBadRequest)
		}
		return err
	}
	http.Redirect(w, r, "/tenants/"+t.ID+"/incidents/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

// addCustomerComment is a customer requester's comment on its incident:
// visible to both sides, never a work note. A viewer only reads.
func (c *Console) addCustomerComment(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	if !p.P.Requests(t.ID) {
		return errForbidden
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if kind := r.PostFormValue("kind"); kind != "comment" {
		return errForbidden // a customer writes no work notes
	}
	ctx := audited(r, p, t.ID, "comment", "incident", strconv.FormatInt(id, 10), map[string]string{"kind": "comment"})
	if _, err := c.opts.IncidentDesk.AddNote(ctx, t.ID, id, p.P.Name, r.PostFormValue("text"), false); err != nil {
		err = deskError(err)
		if msg := refused(p, err); msg != "" {
			p.Error = msg
			return c.renderIncident(w, r, p, http.StatusBadRequest)
		}
		return err
	}
	http.Redirect(w, r, "/tenants/"+t.ID+"/incidents/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}
