package console

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
)

// openRequest opens an inquiry, or a request of the catalog item the form
// names with the answers to its fields.
func (c *Console) openRequest(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	if !mayAsk(p, t.ID) {
		return errForbidden
	}
	short, desc := strings.TrimSpace(r.PostFormValue("short_description")), r.PostFormValue("description")
	in := incident.RequestInput{Kind: incident.Kind(r.PostFormValue("kind")), Fields: incident.Fields{Description: &desc}}
	if short != "" {
		in.ShortDescription = &short
	}
	if in.Kind == incident.KindInquiry && short == "" {
		// The store would take "" as "no title"; an inquiry needs one.
		return c.refuseRequest(w, r, p, refusedField("short_description", "is required"))
	}
	if in.Kind == incident.KindRequest {
		id, _ := strconv.ParseInt(r.PostFormValue("catalog_item_id"), 10, 64)
		in.CatalogItemID = id
		item, err := c.opts.Requests.CatalogItem(r.Context(), t.ID, id)
		if errors.Is(err, storage.ErrNotFound) {
			return c.refuseRequest(w, r, p, refusedField("catalog_item_id", "no such catalog item in this tenant"))
		}
		if err != nil {
			return err
		}
		if in.Values, err = formValues(r, item); err != nil {
			return c.refuseRequest(w, r, p, err)
		}
	}
	inc, err := c.opts.Requests.OpenRequest(audited(r, p, t.ID, "create", "", "", nil), t.ID, p.P.Name, in)
	if err != nil {
		return c.refuseRequest(w, r, p, err)
	}
	http.Redirect(w, r, "/tenants/"+t.ID+"/requests/"+strconv.FormatInt(inc.ID, 10), http.StatusSeeOther)
	return nil
}

// refuseRequest shows the list again with the reason, nothing stored.
func (c *Console) refuseRequest(w http.ResponseWriter, r *http.Request, p *page, err error) error {
	msg := refused(p, err)
	if msg == "" {
		return err
	}
	p.Error = msg
	return c.renderRequests(w, r, p, http.StatusBadRequest)
}

// formValues reads the answers to item's fields (inputs named v_<field>),
// typed as the item says; the store checks them against the item.
func formValues(r *http.Request, item *incident.CatalogItem) (map[string]any, error) {
	out := map[string]any{}
	for _, f := range item.Fields {
		raw := strings.TrimSpace(r.PostFormValue("v_" + f.Name))
		switch f.Type {
		case incident.FieldBoolean:
			out[f.Name] = raw == "on" || raw == "true"
		case incident.FieldNumber:
			if raw == "" {
				continue
			}
			n, err := strconv.ParseFloat(raw, 64)
			if err != nil {
				return nil, refusedField("values."+f.Name, "must be a number")
			}
			out[f.Name] = n
		default:
			if raw != "" {
				out[f.Name] = raw
			}
		}
	}
	return out, nil
}

// decideRequest approves or rejects a request waiting for approval: MSP
// staff, or the customer's requester.
func (c *Console) decideRequest(w http.ResponseWriter, r *http.Request, p *page) error {
	t, inc, err := c.requestToAsk(r, p)
	if err != nil {
		return err
	}
	approve := r.PostFormValue("decision") == "approve"
	action := "reject"
	if approve {
		action = "approve"
	}
	_, err = c.opts.Requests.Decide(audited(r, p, t.ID, action, "incident", strconv.FormatInt(inc.ID, 10), nil), t.ID, inc.ID, p.P.Name, approve,
		r.PostFormValue("note"))
	return c.afterRequestAct(w, r, p, t, inc, err)
}

// transitionRequest moves an inquiry or request to In Progress, On Hold
// with its reason, or Resolved with its close code and notes.
func (c *Console) transitionRequest(w http.ResponseWriter, r *http.Request, p *page) error {
	t, inc, err := c.requestToAct(r, p)
	if err != nil {
		return err
	}
	sc := incident.StateChange{State: incident.State(r.PostFormValue("state"))}
	switch sc.State {
	case incident.StateOnHold:
		sc.HoldReason = incident.HoldReason(r.PostFormValue("hold_reason"))
	case incident.StateResolved:
		sc.CloseCode, sc.CloseNotes = strings.TrimSpace(r.PostFormValue("close_code")), r.PostFormValue("close_notes")
	}
	_, err = c.opts.Requests.Transition(audited(r, p, t.ID, "transition", "incident", strconv.FormatInt(inc.ID, 10), nil), t.ID, inc.ID, p.P.Name, sc)
	return c.afterRequestAct(w, r, p, t, inc, err)
}

// addRequestNote adds a work note (internal) or a comment the customer
// sees; the customer's requester adds comments only.
func (c *Console) addRequestNote(w http.ResponseWriter, r *http.Request, p *page) error {
	t, inc, err := c.requestToAsk(r, p)
	if err != nil {
		return err
	}
	internal := r.PostFormValue("visibility") != "comment"
	if internal && !staff(p) {
		return errForbidden
	}
	action := "comment"
	if internal {
		action = "work_note"
	}
	// The note's text stays out of the audit log, as the API keeps it out.
	_, err = c.opts.Requests.AddNote(audited(r, p, t.ID, action, "incident", strconv.FormatInt(inc.ID, 10), map[string]any{"internal": internal}),
		t.ID, inc.ID, p.P.Name, r.PostFormValue("text"), internal)
	return c.afterRequestAct(w, r, p, t, inc, err)
}

// requestToAct is the request of the path for MSP staff who may write.
func (c *Console) requestToAct(r *http.Request, p *page) (*model.Tenant, *incident.Incident, error) {
	if !staff(p) {
		return nil, nil, errForbidden
	}
	if err := require(p, model.ScopeWrite); err != nil {
		return nil, nil, err
	}
	return c.request(r, p)
}

// requestToAsk is the request of the path for MSP staff who may write or
// the tenant's requester (see mayAsk).
func (c *Console) requestToAsk(r *http.Request, p *page) (*model.Tenant, *incident.Incident, error) {
	if !mayAsk(p, r.PathValue("tenant")) {
		return nil, nil, errForbidden
	}
	return c.request(r, p)
}

// mayAsk reports whether the user may do what the customer may as well as
// the MSP: open inquiries and requests, comment, decide an approval.
func mayAsk(p *page, tenant string) bool {
	return (staff(p) && p.P.Can(model.ScopeWrite)) || p.P.Requests(tenant)
}

func (c *Console) afterRequestAct(w http.ResponseWriter, r *http.Request, p *page, t *model.Tenant, inc *incident.Incident, err error) error {
	if err != nil {
		err = deskError(err)
		msg := refused(p, err)
		if msg == "" {
			return err
		}
		p.Error = msg
		return c.renderRequest(w, r, p, http.StatusBadRequest)
	}
	http.Redirect(w, r, "/tenants/"+t.ID+"/requests/"+strconv.FormatInt(inc.ID, 10), http.StatusSeeOther)
	return nil
}
