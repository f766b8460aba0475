package server

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
)

// TestGroupStopsAllInOrderWhenOneFails: a failing component stops the
// others in the order they were added, and its error, named, is the group's.
func TestGroupStopsAllInOrderWhenOneFails(t *testing.T) {
	var (
		mu      sync.Mutex
		stopped []string
	)
	loop := func(name string) func(ctx context.Context) error {
		return func(ctx context.Context) error {
			<-ctx.Done()
			mu.Lock()
			stopped = append(stopped, name)
			mu.Unlock()
			return nil
		}
	}
	var g Group
	g.AddContext("http", loop("http"))
	g.AddContext("engine", loop("engine"))
	fail := make(chan struct{})
	g.Add("outbox", func() error { <-fail; return errors.New("disk full") }, func() {})
	g.AddContext("database", loop("database"))
	close(fail)
	err := g.Run()
	if err == nil || !strings.Contains(err.Error(), "outbox: disk full") {
		t.Fatalf("Run = %v, want the outbox's error, named", err)
	}
	if got := strings.Join(stopped, ","); got != "http,engine,database" {
		t.Errorf("stopped %s, want http,engine,database in the order added", got)
	}
}

// TestGroupLoopEndingOnItsOwnIsAnError: a loop that returns before it was
// told to stop ends the process with an error, even without one of its own.
func TestGroupLoopEndingOnItsOwnIsAnError(t *testing.T) {
	var g Group
	g.AddContext("scheduler", func(context.Context) error { return nil })
	g.AddContext("http", func(ctx context.Context) error { <-ctx.Done(); return nil })
	if err := g.Run(); err == nil || !strings.Contains(err.Error(), "scheduler: stopped unexpectedly") {
		t.Fatalf("Run = %v, want scheduler: stopped unexpectedly", err)
	}
}

// TestGroupSignalIsACleanStop: a component that ends with ErrStopped (the
// signal) stops the others and the group reports no error.
func TestGroupSignalIsACleanStop(t *testing.T) {
	var g Group
	sig := make(chan struct{})
	g.Add("signal", func() error { <-sig; return ErrStopped }, func() {})
	g.AddContext("http", func(ctx context.Context) error { <-ctx.Done(); return nil })
	close(sig)
	if err := g.Run(); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
}
