package console

import (
	"context"

	"github.com/unyo-ops/unyo/internal/blueprint"
)

// DriftSource lists a tenant's objects changed by hand since the last
// apply of its design (blueprint.Planner): the pages mark them, so that an
// operator knows the next apply will put them back.
type DriftSource interface {
	Drifted(ctx context.Context, tenant string) ([]blueprint.Ref, error)
}

// driftedResources names the tenant's resources changed by hand since the
// last apply; empty without a DriftSource.
func (c *Console) driftedResources(ctx context.Context, tenant string) (map[string]bool, error) {
	out := map[string]bool{}
	if c.opts.Drift == nil {
		return out, nil
	}
	refs, err := c.opts.Drift.Drifted(ctx, tenant)
	if err != nil {
		return nil, err
	}
	for _, r := range refs {
		if r.Kind == blueprint.KindResource {
			out[r.Key] = true
		}
	}
	return out, nil
}
