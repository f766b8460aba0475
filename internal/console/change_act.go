package console

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/unyo-ops/unyo/internal/change"
)

// createChange stores the form as a draft; the change package validates
// it and names the field it refuses.
func (c *Console) createChange(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	if !changeStaff(p) {
		return errForbidden
	}
	f := changeForm{Type: r.PostFormValue("type"), Title: r.PostFormValue("title"), Description: r.PostFormValue("description"),
		Risk: r.PostFormValue("risk"), CatalogItem: strings.TrimSpace(r.PostFormValue("catalog_item_id")), Selector: r.PostFormValue("selector"),
		Plan: r.PostFormValue("implementation_plan"), Backout: r.PostFormValue("backout_plan"), Start: r.PostFormValue("start"), End: r.PostFormValue("end"),
		Resources: map[int64]bool{}}
	for _, v := range r.PostForm["resource_ids"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			f.Resources[id] = true
		}
	}
	fields, err := f.fields(p.L.Loc)
	var ch *change.Change
	if err == nil {
		ch, err = c.opts.Changes.Create(audited(r, p, t.ID, "create", "change", "", map[string]string{"title": fields.Title}), t.ID, p.P.Name, fields)
	}
	if err != nil {
		msg := refused(p, err)
		if msg == "" {
			return err
		}
		p.Error = msg
		return c.renderChangeForm(w, r, p, http.StatusBadRequest, f)
	}
	http.Redirect(w, r, fmt.Sprintf("/tenants/%s/changes/%d", t.ID, ch.ID), http.StatusSeeOther)
	return nil
}

// actOnChange submits, approves, rejects, moves or links an incident to a
// change, by the same rules as the API: the customer's viewer approves and
// rejects as the customer, staff only with a reference; an emergency
// change is submitted by an MSP admin only.
func (c *Console) actOnChange(action string) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, p *page) error {
		t, err := c.tenant(r, p)
		if err != nil {
			return err
		}
		id, err := pathID(r)
		if err != nil {
			return err
		}
		cur, err := c.opts.Changes.Get(r.Context(), t.ID, id)
		if err != nil {
			return err
		}
		audit := func(act string, detail any) context.Context {
			return audited(r, p, t.ID, act, "change", strconv.FormatInt(id, 10), detail)
		}
		staffer := changeStaff(p)
		switch action {
		case "submit":
			if !staffer || change.MaySubmit(p.P, cur.Type) != nil {
				return errForbidden
			}
			_, err = c.opts.Changes.Submit(audit("submit", map[string]any{"type": cur.Type}), t.ID, id, p.P.Name)
		case "approve", "reject":
			ref := strings.TrimSpace(r.PostFormValue("reference"))
			how, aerr := change.ApprovalBy(p.P, t.ID, ref)
			if aerr != nil {
				if ref == "" && staffer {
					err = refusedField("reference", p.L.T("chg.need_reference"))
					break
				}
				return errForbidden
			}
			detail := map[string]any{"approval": how, "reference": ref}
			if action == "approve" {
				_, err = c.opts.Changes.Approve(audit("approve", detail), t.ID, id, p.P.Name, how, ref)
			} else {
				reason := strings.TrimSpace(r.PostFormValue("reason"))
				if how == change.ApprovalDocumented && reason != "" {
					reason += " (" + ref + ")"
				}
				detail["reason"] = reason
				_, err = c.opts.Changes.Reject(audit("reject", detail), t.ID, id, p.P.Name, reason)
			}
		case "state":
			if !staffer {
				return errForbidden
			}
			to, result := change.State(r.PostFormValue("state")), strings.TrimSpace(r.PostFormValue("result"))
			_, err = c.opts.Changes.Move(audit("transition", map[string]any{"state": to, "result": result}), t.ID, id, to, result)
		case "incident":
			if !staffer {
				return errForbidden
			}
			inc, perr := strconv.ParseInt(strings.TrimSpace(r.PostFormValue("incident_id")), 10, 64)
			if perr != nil {
				err = refusedField("incident_id", p.L.T("chg.incident_number"))
				break
			}
			note := strings.TrimSpace(r.PostFormValue("note"))
			_, err = c.opts.Changes.LinkIncident(audit("link_incident", map[string]any{"incident_id": inc, "note": note}), t.ID, id, inc, note, p.P.Name)
		}
		if err != nil {
			msg := refused(p, err)
			if msg == "" {
				return err
			}
			p.Error = msg
			return c.renderChange(w, r, p, http.StatusBadRequest)
		}
		p.Notice = p.L.T("chg.done_" + action)
		return c.renderChange(w, r, p, http.StatusOK)
	}
}
