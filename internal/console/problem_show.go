package console

import (
	"net/http"
	"strconv"

	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/problem"
	"github.com/unyo-ops/unyo/internal/servicenow"
)

// problemsData is a tenant's problem list with unyo's proposals.
type problemsData struct {
	Tenant    *model.Tenant
	Problems  []*problem.Problem
	Proposals []problem.Proposal
	Settings  problem.Settings
	CanAct    bool
}

// listProblems shows a tenant's problems and the problems unyo proposes
// from its recurring incidents.
func (c *Console) listProblems(w http.ResponseWriter, r *http.Request, p *page) error {
	return c.renderProblems(w, r, p, http.StatusOK)
}

func (c *Console) renderProblems(w http.ResponseWriter, r *http.Request, p *page, status int) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	ctx := r.Context()
	d := &problemsData{Tenant: t, CanAct: staff(p) && p.P.Can(model.ScopeWrite)}
	if d.Problems, err = c.opts.Problems.Problems(ctx, t.ID, false); err != nil {
		return err
	}
	if d.Proposals, err = c.opts.Problems.Proposals(ctx, t.ID); err != nil {
		return err
	}
	if d.Settings, err = c.opts.Problems.Settings(ctx, t.ID); err != nil {
		return err
	}
	p.Active, p.Title, p.Data = "nav.tenants", p.L.T("prb.title", t.Name), d
	c.render(w, status, "problems", p)
	return nil
}

// problemData is one problem with its incidents and state changes.
type problemData struct {
	Tenant    *model.Tenant
	Pr        *problem.Problem
	Incidents []*incident.Incident
	Events    []problem.Event
	CanAct    bool
	// ServiceNow is the record the problem is synced to, nil for none.
	ServiceNow *servicenow.Link
}

// showProblem shows one problem of a tenant.
func (c *Console) showProblem(w http.ResponseWriter, r *http.Request, p *page) error {
	return c.renderProblem(w, r, p, http.StatusOK)
}

func (c *Console) renderProblem(w http.ResponseWriter, r *http.Request, p *page, status int) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	d := &problemData{Tenant: t, CanAct: staff(p) && p.P.Can(model.ScopeWrite)}
	if d.Pr, err = c.opts.Problems.Problem(ctx, t.ID, id); err != nil {
		return err
	}
	if d.Events, err = c.opts.Problems.Events(ctx, t.ID, id); err != nil {
		return err
	}
	if c.opts.IncidentDesk != nil {
		for _, iid := range d.Pr.IncidentIDs {
			inc, err := c.opts.IncidentDesk.Incident(ctx, t.ID, iid)
			if err != nil {
				return err
			}
			d.Incidents = append(d.Incidents, inc)
		}
	}
	d.ServiceNow = c.snowLink(r, t.ID, servicenow.KindProblem, id)
	p.Active, p.Title, p.Data = "nav.tenants", d.Pr.Number+" "+d.Pr.Title, d
	c.render(w, status, "problem", p)
	return nil
}

// acceptProposal turns a proposal into a problem and shows it.
func (c *Console) acceptProposal(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.problemWriter(r, p)
	if err != nil {
		return err
	}
	key := r.PathValue("key")
	pr := &problem.Problem{Title: r.PostFormValue("title"), Owner: r.PostFormValue("owner"), CreatedBy: p.P.Name}
	if pr.Title == "" {
		// The title the form's placeholder showed, in the reader's language.
		if prop, err := c.opts.Problems.Proposal(r.Context(), t.ID, key); err == nil {
			pr.Title = p.L.T("prb.default_title", prop.Label)
		}
	}
	err = c.opts.Problems.Accept(audited(r, p, t.ID, "accept", "problem", "", map[string]string{"proposal": key}), t.ID, key, pr)
	if err != nil {
		if msg := refused(p, err); msg != "" {
			p.Error = msg
			return c.renderProblems(w, r, p, http.StatusBadRequest)
		}
		return err
	}
	http.Redirect(w, r, "/tenants/"+t.ID+"/problems/"+strconv.FormatInt(pr.ID, 10), http.StatusSeeOther)
	return nil
}

// dismissProposal declines a proposal for its incidents.
func (c *Console) dismissProposal(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.problemWriter(r, p)
	if err != nil {
		return err
	}
	key := r.PathValue("key")
	if err := c.opts.Problems.Dismiss(audited(r, p, t.ID, "dismiss", "problem_proposal", key, nil), t.ID, key); err != nil {
		if msg := refused(p, err); msg != "" {
			p.Error = msg
			return c.renderProblems(w, r, p, http.StatusBadRequest)
		}
		return err
	}
	http.Redirect(w, r, "/tenants/"+t.ID+"/problems", http.StatusSeeOther)
	return nil
}

// moveProblem changes a problem's state; the problem package enforces the
// lifecycle and names the field it refuses.
func (c *Console) moveProblem(w http.ResponseWriter, r *http.Request, p *page) error {
	return c.actOnProblem(w, r, p, "state", func(pr *problem.Problem) error {
		_, err := c.opts.Problems.Move(audited(r, p, pr.TenantID, "state", "problem", strconv.FormatInt(pr.ID, 10),
			map[string]string{"state": r.PostFormValue("state")}), pr.TenantID, pr.ID, problem.State(r.PostFormValue("state")), p.P.Name)
		return err
	})
}

// editProblem records the analysis: root cause, workaround, known error.
func (c *Console) editProblem(w http.ResponseWriter, r *http.Request, p *page) error {
	return c.actOnProblem(w, r, p, "update", func(pr *problem.Problem) error {
		pr.Owner, pr.RootCause, pr.Workaround = r.PostFormValue("owner"), r.PostFormValue("root_cause"), r.PostFormValue("workaround")
		pr.KnownError, pr.KnownErrorText = r.PostFormValue("known_error") == "on", r.PostFormValue("known_error_text")
		return c.opts.Problems.Update(audited(r, p, pr.TenantID, "update", "problem", strconv.FormatInt(pr.ID, 10),
			map[string]any{"known_error": pr.KnownError}), pr)
	})
}

// actOnProblem runs one change of a problem and shows it again: after a
// redirect when done, at once with the reason when refused.
func (c *Console) actOnProblem(w http.ResponseWriter, r *http.Request, p *page, action string, do func(*problem.Problem) error) error {
	t, err := c.problemWriter(r, p)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	pr, err := c.opts.Problems.Problem(r.Context(), t.ID, id)
	if err != nil {
		return err
	}
	if err := do(pr); err != nil {
		if msg := refused(p, err); msg != "" {
			p.Error = msg
			return c.renderProblem(w, r, p, http.StatusBadRequest)
		}
		return err
	}
	http.Redirect(w, r, "/tenants/"+t.ID+"/problems/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

// problemWriter is the tenant of a change to its problems: the MSP's staff
// with the write scope only.
func (c *Console) problemWriter(r *http.Request, p *page) (*model.Tenant, error) {
	t, err := c.tenant(r, p)
	if err != nil {
		return nil, err
	}
	if !staff(p) {
		return nil, errForbidden
	}
	return t, require(p, model.ScopeWrite)
}
