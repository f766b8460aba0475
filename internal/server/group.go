package server

import (
	"context"
	"errors"
	"fmt"
)

// Group runs the components of a process together, as Prometheus runs its
// own in an oklog/run group: when the first one returns, for whatever
// reason, all are stopped, and Run returns why the first one ended.
//
// Unlike oklog/run, the stop is ordered: components are stopped one after
// the other in the order they were added, each waited for before the next
// is told, so that what feeds a component stops before it does.
type Group struct {
	actors []actor
}

type actor struct {
	name      string
	run       func() error
	interrupt func()
}

// Add adds a component: run runs it and returns when it ends; interrupt
// makes run return. name prefixes the error run returns.
func (g *Group) Add(name string, run func() error, interrupt func()) {
	g.actors = append(g.actors, actor{name: name, run: run, interrupt: interrupt})
}

// AddContext adds a component that runs until its context ends. Its ending
// on its own, even without an error, stops the process: a loop that should
// run as long as the process runs has stopped.
func (g *Group) AddContext(name string, run func(ctx context.Context) error) {
	ctx, cancel := context.WithCancel(context.Background())
	g.Add(name, func() error {
		err := run(ctx)
		if ctx.Err() != nil {
			return nil // stopped by the group
		}
		if err == nil {
			err = errors.New("stopped unexpectedly")
		}
		return err
	}, cancel)
}

// ErrStopped is returned by a component that ended because the process was
// told to stop (a signal): Run then returns nil.
var ErrStopped = errors.New("stopped")

// Run runs every component and returns once all have stopped: nil when the
// first to end was told to stop (ErrStopped or nil from a Group.Add
// component), else its error, prefixed with its name.
func (g *Group) Run() error {
	if len(g.actors) == 0 {
		return nil
	}
	type ended struct {
		i   int
		err error
	}
	first := make(chan ended, len(g.actors))
	done := make([]chan struct{}, len(g.actors))
	for i, a := range g.actors {
		done[i] = make(chan struct{})
		go func() {
			defer close(done[i])
			first <- ended{i, a.run()}
		}()
	}
	e := <-first
	for i, a := range g.actors {
		a.interrupt()
		<-done[i]
	}
	if e.err == nil || errors.Is(e.err, ErrStopped) {
		return nil
	}
	return fmt.Errorf("%s: %w", g.actors[e.i].name, e.err)
}
