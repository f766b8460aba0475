package change

import (
	"testing"
)

// TestTransitions: the plain moves a change may make, and the ones it may
// not; approval and rejection are never plain moves.
func TestTransitions(t *testing.T) {
	f := func(from, to State, want bool) {
		t.Helper()
		if got := CanMove(from, to); got != want {
			t.Errorf("CanMove(%s, %s) = %v, want %v", from, to, got, want)
		}
	}
	f(StateApproved, StateScheduled, true)
	f(StateScheduled, StateInProgress, true)
	f(StateApproved, StateInProgress, true)
	f(StateInProgress, StateImplemented, true)
	f(StateInProgress, StateFailed, true)
	f(StateInProgress, StateBackedOut, true)
	f(StateFailed, StateBackedOut, true)
	f(StateImplemented, StateClosed, true)
	f(StateRejected, StateClosed, true)
	f(StateDraft, StateClosed, true)

	f(StateRequested, StateApproved, false) // only Approve
	f(StateRequested, StateRejected, false) // only Reject
	f(StateDraft, StateApproved, false)     // only Submit
	f(StateDraft, StateInProgress, false)
	f(StateRejected, StateInProgress, false)
	f(StateImplemented, StateInProgress, false)
	f(StateClosed, StateDraft, false)
	f(StateInProgress, StateClosed, false) // it ends implemented, failed or backed out first
	f(StateApproved, State("done"), false)
	for _, s := range States {
		f(StateClosed, s, false)
	}
}
