package outbox

import (
	"context"
	"fmt"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
)

// pruneEvery is how often the workers drop old finished notifications.
const pruneEvery = time.Hour

// Prune deletes the notifications created before cutoff whose deliveries
// are all finished (delivered or dead) and whose escalation is not running,
// with their deliveries. It returns how many notifications went.
func (o *Outbox) Prune(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := database.Writer(o.db).ExecContext(ctx, `DELETE FROM outbox_messages WHERE dispatched=1 AND created_at<?
		AND NOT EXISTS (SELECT 1 FROM outbox_deliveries d WHERE d.message_id=outbox_messages.id AND d.state IN (?,?))
		AND NOT EXISTS (SELECT 1 FROM escalation_runs r WHERE r.message_id=outbox_messages.id AND r.tenant_id=outbox_messages.tenant_id AND r.state='active')`,
		cutoff.UnixMilli(), StatePending, StateSending)
	if err != nil {
		return 0, fmt.Errorf("outbox: cannot prune: %w", err)
	}
	return res.RowsAffected()
}

// pruneIfDue runs Prune at most every pruneEvery, keeping Options.Retention.
func (o *Outbox) pruneIfDue(ctx context.Context) {
	now := o.now()
	if now.Sub(o.pruned) < pruneEvery {
		return
	}
	o.pruned = now
	n, err := o.Prune(ctx, now.Add(-o.opts.Retention))
	if err != nil {
		o.logger.Error("outbox: prune failed", "err", err)
	} else if n > 0 {
		o.logger.Info("outbox: pruned old notifications", "count", n)
	}
}
