package cli

import (
	"context"
	"strconv"
	"strings"

	"github.com/unyo-ops/unyo/internal/incident"
)

// acknowledge is what a signed link in a notification acknowledges: an
// incident through the desk (which stops its escalation with the change),
// anything else (an alert) by stopping its escalation in the outbox.
func (a *app) acknowledge(ctx context.Context, tenant, ref, actor string) error {
	if rest, ok := strings.CutPrefix(ref, "incident:"); ok {
		if id, err := strconv.ParseInt(rest, 10, 64); err == nil && incident.Ref(id) == ref {
			_, err := a.desk.Acknowledge(ctx, tenant, id, actor)
			return err
		}
	}
	return a.outbox.Acknowledge(ctx, tenant, ref)
}
