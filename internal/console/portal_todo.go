package console

import (
	"context"
	"time"

	"github.com/unyo-ops/unyo/internal/change"
	"github.com/unyo-ops/unyo/internal/incident"
)

// portalTodo is what waits for the customer on its board: the normal
// changes and the catalog requests it has to approve or reject.
type portalTodo struct {
	Tenant   string
	Changes  []*change.Change
	Requests []*incident.Incident
}

// todo gathers tenant's items awaiting the customer's approval.
func (c *Console) todo(ctx context.Context, tenant string) (*portalTodo, error) {
	t := &portalTodo{Tenant: tenant}
	if c.opts.Changes != nil {
		list, err := c.opts.Changes.List(ctx, tenant, time.Time{}, time.Time{})
		if err != nil {
			return nil, err
		}
		for _, ch := range list {
			if ch.State == change.StateRequested {
				t.Changes = append(t.Changes, ch)
			}
		}
	}
	if c.opts.Requests != nil {
		list, err := c.opts.Requests.Incidents(ctx, tenant, incident.Filter{Kinds: []incident.Kind{incident.KindRequest}, Open: true, Limit: 500})
		if err != nil {
			return nil, err
		}
		for _, r := range list {
			if r.Approval == incident.ApprovalPending {
				t.Requests = append(t.Requests, r)
			}
		}
	}
	return t, nil
}
