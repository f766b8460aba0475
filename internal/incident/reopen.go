package incident

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/sla"
)

// ReopenWindow is how long after its resolution an incident may be reopened,
// as ServiceNow lets the caller reopen a resolved incident until it closes
// (seven days by its default auto-close). Past it the fault is a new incident:
// the old one's figures are settled and the report has counted them.
const ReopenWindow = 7 * 24 * time.Hour

// reopen moves a resolved incident back to In Progress. The clocks the
// resolution stopped count the resolved time as paused and run on from now,
// so the resolve clock measures the whole fault, not the first attempt.
func reopen(ctx context.Context, tx *sql.Tx, inc *Incident, ct *clockTx) (Change, error) {
	switch {
	case inc.Kind != KindIncident:
		return Change{}, invalid.New("state", "a resolved %s cannot be reopened: open a new one", inc.Kind)
	case inc.ResolvedAt == nil:
		return Change{}, invalid.New("state", "the incident has no resolution time to reopen from")
	case ct.at.Sub(*inc.ResolvedAt) > ReopenWindow:
		return Change{}, invalid.New("state", "resolved %s ago: an incident may be reopened within %s of its resolution; open a new one",
			ct.at.Sub(*inc.ResolvedAt).Round(time.Minute), ReopenWindow)
	}
	resolved := *inc.ResolvedAt
	for _, c := range inc.Kind.clocks() {
		// Only clocks the resolution stopped: an acknowledgement or an
		// identified cause stays what it was.
		if (c == ClockAcknowledge && inc.AcknowledgedAt != nil && inc.AcknowledgedAt.Before(resolved)) ||
			(c == ClockIdentify && inc.CauseAt != nil && inc.CauseAt.Before(resolved)) {
			continue
		}
		evs := ct.events[c]
		if len(evs) == 0 || evs[len(evs)-1].Kind != sla.EventStop || !evs[len(evs)-1].At.Equal(resolved) {
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE incident_clock_events SET kind=? WHERE incident_id=? AND clock=? AND kind=?`,
			sla.EventPause, inc.ID, c, sla.EventStop); err != nil {
			return Change{}, fmt.Errorf("incident: unable to reopen clock %s: %w", c, err)
		}
		evs[len(evs)-1].Kind = sla.EventPause
		if err := ct.add(ctx, c, sla.EventResume); err != nil {
			return Change{}, err
		}
	}
	inc.State, inc.HoldReason, inc.CloseCode, inc.CloseNotes, inc.ResolvedAt = StateInProgress, "", "", "", nil
	err := note(ctx, tx, inc.TenantID, inc.ID, Entry{At: ct.at, Author: ct.author, Kind: EntryState,
		Body: string(StateResolved) + " → " + string(StateInProgress) + " (reopened)"}, map[string]any{"state": StateInProgress, "reopened": true, "resolved_at": resolved})
	return Change{Kind: ChangeState, Fields: []string{"reopened"}}, err
}
