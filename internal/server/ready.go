package server

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Readiness is what /readyz checks: named checks (the database, a remote
// metrics store...), each registered by the part that owns the dependency.
// The replica is ready when every check passes.
type Readiness struct {
	mu     sync.Mutex
	checks []readyCheck
}

type readyCheck struct {
	name  string
	check func(context.Context) error
}

// Add registers a check under name, which the 503 answer names.
func (r *Readiness) Add(name string, check func(context.Context) error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.checks = append(r.checks, readyCheck{name, check})
}

// Check runs every check and joins the failures, each prefixed by its name.
func (r *Readiness) Check(ctx context.Context) error {
	r.mu.Lock()
	checks := append([]readyCheck(nil), r.checks...)
	r.mu.Unlock()
	var errs []error
	for _, c := range checks {
		if err := c.check(ctx); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", c.name, err))
		}
	}
	return errors.Join(errs...)
}
