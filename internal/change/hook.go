package change

import (
	"context"
	"database/sql"
)

// What says what a Mutation did to a change.
type What string

// The mutations a hook sees.
const (
	Created What = "created"
	Updated What = "updated" // a draft's content
	Moved   What = "moved"   // the state: submitted, approved, rejected or moved on
)

// Mutation is one change of a request for change, with the change after it.
type Mutation struct {
	What   What
	Change *Change
	From   State // the state before a move
}

// Hook is told of every mutation inside the transaction that makes it: the
// ServiceNow sync queues it there, so a change and its queueing commit
// together or not at all. An error aborts the change.
type Hook func(ctx context.Context, tx *sql.Tx, m Mutation) error

// OnChange adds a hook. Call it before serving.
func (s *Store) OnChange(h Hook) {
	if h != nil {
		s.hooks = append(s.hooks, h)
	}
}

func (s *Store) emit(ctx context.Context, tx *sql.Tx, m Mutation) error {
	for _, h := range s.hooks {
		if err := h(ctx, tx, m); err != nil {
			return err
		}
	}
	return nil
}
