package console

import (
	"context"
	"fmt"
	"net/http"
	"sort"

	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/servicenow"
	"github.com/unyo-ops/unyo/internal/storage"
)

// RequestDesk is the service desk's inquiries (問い合わせ), catalog
// requests and service catalog; *incident.Desk is one, so the ServiceNow
// sync and the audit log see the console's changes as they see the API's.
type RequestDesk interface {
	Incidents(ctx context.Context, tenant string, f incident.Filter) ([]*incident.Incident, error)
	Incident(ctx context.Context, tenant string, id int64) (*incident.Incident, error)
	Timeline(ctx context.Context, tenant string, id int64, withInternal bool) ([]incident.Entry, error)
	OpenRequest(ctx context.Context, tenant, actor string, in incident.RequestInput) (*incident.Incident, error)
	Transition(ctx context.Context, tenant string, id int64, actor string, sc incident.StateChange) (*incident.Incident, error)
	Decide(ctx context.Context, tenant string, id int64, actor string, approve bool, note string) (*incident.Incident, error)
	AddNote(ctx context.Context, tenant string, id int64, actor, text string, internal bool) (*incident.Incident, error)
	CatalogItems(ctx context.Context, tenant string) ([]*incident.CatalogItem, error)
	CatalogItem(ctx context.Context, tenant string, id int64) (*incident.CatalogItem, error)
	CreateCatalogItem(ctx context.Context, c *incident.CatalogItem) error
}

var requestKinds = []incident.Kind{incident.KindInquiry, incident.KindRequest}

// requestsData is a tenant's inquiries and requests, and the forms to open one.
type requestsData struct {
	Tenant  *model.Tenant
	List    []*incident.Incident
	Catalog []*incident.CatalogItem
	All     bool
	CanOpen bool
}

func (c *Console) listRequests(w http.ResponseWriter, r *http.Request, p *page) error {
	return c.renderRequests(w, r, p, http.StatusOK)
}

func (c *Console) renderRequests(w http.ResponseWriter, r *http.Request, p *page, status int) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	d := &requestsData{Tenant: t, All: r.URL.Query().Get("view") == "all", CanOpen: mayAsk(p, t.ID)}
	if d.List, err = c.opts.Requests.Incidents(r.Context(), t.ID, incident.Filter{Kinds: requestKinds, Open: !d.All, Limit: 500}); err != nil {
		return err
	}
	if d.Catalog, err = c.opts.Requests.CatalogItems(r.Context(), t.ID); err != nil {
		return err
	}
	p.Active, p.Title, p.Data = "nav.tenants", p.L.T("req.title", t.Name), d
	c.render(w, status, "requests", p)
	return nil
}

// requestData is one inquiry or request; a customer viewer's timeline has
// no work notes.
type requestData struct {
	Tenant   *model.Tenant
	I        *incident.Incident
	Item     *incident.CatalogItem
	Values   []fieldValue
	Timeline []incident.Entry
	Staff    bool
	CanAct   bool // MSP staff who may write: every form
	// Customer is the tenant's requester: it approves or rejects a
	// request waiting for approval and adds comments, nothing else.
	Customer bool
	Holds    []incident.HoldReason
	Targets  []incident.State // the states the record may move to from here
	Vendor   *vendorBlock     // an inquiry's vendor cases; nil for a request
	// ServiceNow is the record the inquiry or request is synced to, nil for none.
	ServiceNow *servicenow.Link
}

// fieldValue is one answer of a request, labelled by its catalog item.
type fieldValue struct{ Label, Value string }

func (c *Console) showRequest(w http.ResponseWriter, r *http.Request, p *page) error {
	return c.renderRequest(w, r, p, http.StatusOK)
}

// request reads {id} as an inquiry or request of the tenant; an incident's
// ID is 404 here, as it is under the API's /requests.
func (c *Console) request(r *http.Request, p *page) (*model.Tenant, *incident.Incident, error) {
	t, err := c.tenant(r, p)
	if err != nil {
		return nil, nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, nil, err
	}
	inc, err := c.opts.Requests.Incident(r.Context(), t.ID, id)
	if err != nil {
		return nil, nil, deskError(err)
	}
	if inc.Kind != incident.KindInquiry && inc.Kind != incident.KindRequest {
		return nil, nil, storage.ErrNotFound
	}
	return t, inc, nil
}

func (c *Console) renderRequest(w http.ResponseWriter, r *http.Request, p *page, status int) error {
	t, inc, err := c.request(r, p)
	if err != nil {
		return err
	}
	d := &requestData{Tenant: t, I: inc, Staff: staff(p), CanAct: staff(p) && p.P.Can(model.ScopeWrite), Customer: p.P.Requests(t.ID),
		Holds: []incident.HoldReason{incident.HoldAwaitingCaller, incident.HoldAwaitingChange, incident.HoldAwaitingProblem, incident.HoldAwaitingVendor}}
	for _, s := range []incident.State{incident.StateInProgress, incident.StateOnHold, incident.StateResolved} {
		if s != inc.State && inc.State.Open() && inc.Approval != incident.ApprovalPending {
			d.Targets = append(d.Targets, s)
		}
	}
	if d.Timeline, err = c.opts.Requests.Timeline(r.Context(), t.ID, inc.ID, d.Staff); err != nil {
		return err
	}
	if d.Vendor, err = c.vendorBlock(r.Context(), p, inc, fmt.Sprintf("/tenants/%s/requests/%d", t.ID, inc.ID)); err != nil {
		return err
	}
	if inc.CatalogItemID != 0 {
		item, err := c.opts.Requests.CatalogItem(r.Context(), t.ID, inc.CatalogItemID)
		if err == nil {
			d.Item = item
		}
	}
	d.ServiceNow = c.snowLink(r, t.ID, servicenow.Kind(inc.Kind), inc.ID)
	d.Values = requestValues(d.Item, inc.Values)
	p.Active, p.Title, p.Data = "nav.tenants", inc.Number+" "+inc.ShortDescription, d
	c.render(w, status, "request", p)
	return nil
}

// requestValues lists the answers in the item's field order, labelled; an
// answer to a field the item no longer has follows under its own name.
func requestValues(item *incident.CatalogItem, values map[string]any) []fieldValue {
	var out []fieldValue
	seen := map[string]bool{}
	if item != nil {
		for _, f := range item.Fields {
			if v, ok := values[f.Name]; ok {
				out = append(out, fieldValue{Label: f.Label, Value: fmt.Sprint(v)})
				seen[f.Name] = true
			}
		}
	}
	var rest []string
	for k := range values {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	for _, k := range rest {
		out = append(out, fieldValue{Label: k, Value: fmt.Sprint(values[k])})
	}
	return out
}
