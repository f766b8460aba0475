package console

import (
	"context"
	"time"

	"github.com/unyo-ops/unyo/internal/capacity"
	"github.com/unyo-ops/unyo/internal/change"
	"github.com/unyo-ops/unyo/internal/incident"
)

// portalTodo is what waits for the customer on its board: the normal
// changes, the operation plan versions and the catalog requests it has to
// approve or reject.
type portalTodo struct {
	Tenant   string
	Changes  []*change.Change
	Plans    []plannedVersion
	Requests []*incident.Incident
}

// plannedVersion is an operation plan version proposed to the customer,
// with the name of its group.
type plannedVersion struct {
	Group string
	*capacity.Version
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
	if c.opts.Capacity != nil {
		groups, err := c.opts.Capacity.Groups(ctx, tenant)
		if err != nil {
			return nil, err
		}
		for _, g := range groups {
			versions, err := c.opts.Capacity.Versions(ctx, tenant, g.ID)
			if err != nil {
				return nil, err
			}
			for _, v := range versions {
				if v.State == capacity.StateProposed {
					t.Plans = append(t.Plans, plannedVersion{g.Name, v})
				}
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
