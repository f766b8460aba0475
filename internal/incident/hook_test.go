package incident

import (
	"context"
	"database/sql"
	"errors"
	"testing"
)

// TestHooksRunInTheChangesTransaction: a hook sees the incident as saved,
// and when it fails the change is not made, so what the ServiceNow outbox
// holds and what the incident says never disagree.
func TestHooksRunInTheChangesTransaction(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	fail := false
	var seen []Change
	fx.s.OnChange(func(ctx context.Context, tx *sql.Tx, c Change) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM incidents WHERE id=? AND state=?`, c.Incident.ID, c.Incident.State).Scan(&n); err != nil || n != 1 {
			t.Errorf("the hook does not see the change it is told of: %d %v", n, err)
		}
		seen = append(seen, c)
		if fail {
			return errors.New("outbox full")
		}
		return nil
	})
	inc, err := fx.s.Open(ctx, "acme", "user:sato", Fields{ShortDescription: ptr("x")})
	if err != nil {
		t.Fatal(err)
	}
	fail = true
	if _, err := fx.s.Transition(ctx, "acme", inc.ID, "user:sato", StateChange{State: StateInProgress}); err == nil {
		t.Fatal("a change whose hook failed was made")
	}
	if _, err := fx.s.Open(ctx, "acme", "user:sato", Fields{ShortDescription: ptr("y")}); err == nil {
		t.Fatal("an incident whose hook failed was opened")
	}
	got, _ := fx.s.Incident(ctx, "acme", inc.ID)
	list, _ := fx.s.Incidents(ctx, "acme", Filter{})
	tl, _ := fx.s.Timeline(ctx, "acme", inc.ID, true)
	if got.State != StateNew || got.AcknowledgedAt != nil || len(list) != 1 {
		t.Errorf("after failed hooks: %s, acknowledged %v, %d incidents", got.State, got.AcknowledgedAt, len(list))
	}
	for _, e := range tl {
		if e.Kind == EntryState || e.Kind == EntryAcknowledged {
			t.Errorf("the timeline holds a change that was not made: %+v", e)
		}
	}
	if len(seen) != 3 || seen[0].Kind != ChangeOpened || seen[1].Kind != ChangeState {
		t.Errorf("hooks saw %+v", seen)
	}
}
