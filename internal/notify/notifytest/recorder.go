package notifytest

import (
	"fmt"
	"sync"
	"time"
)

// Recorder collects values from a server's goroutines and lets a test wait
// until enough have arrived. The zero value is ready to use.
type Recorder[T any] struct {
	mu      sync.Mutex
	items   []T
	changed chan struct{} // closed and replaced on every Add
}

// Add records v and wakes every waiter.
func (r *Recorder[T]) Add(v T) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.items = append(r.items, v)
	if r.changed != nil {
		close(r.changed)
		r.changed = nil
	}
}

// All returns a copy of what was recorded, in order.
func (r *Recorder[T]) All() []T {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]T(nil), r.items...)
}

// WaitFor returns the recorded values once there are at least n, or an
// error when timeout passes first.
func (r *Recorder[T]) WaitFor(n int, timeout time.Duration) ([]T, error) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		r.mu.Lock()
		if len(r.items) >= n {
			items := append([]T(nil), r.items...)
			r.mu.Unlock()
			return items, nil
		}
		if r.changed == nil {
			r.changed = make(chan struct{})
		}
		changed, got := r.changed, len(r.items)
		r.mu.Unlock()
		select {
		case <-changed:
		case <-timer.C:
			return r.All(), fmt.Errorf("got %d, want %d within %v", got, n, timeout)
		}
	}
}
