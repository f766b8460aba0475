// Package cloudmetric pulls the platform metrics of a tenant's cloud
// resources (Azure Monitor, Amazon CloudWatch) every minute and writes each
// point once, with its own timestamp, through a sample.Sink: the resources
// discovery registered take the agents' remote-write path under
// host="<resource name>", so items, alerts and limits apply to them.
//
// The catalogue (internal/cloudtype) says which metrics of which type are
// pulled and under which series names; a Source per provider knows how to
// ask its cloud for many of them in few calls (Azure's batch metrics API,
// CloudWatch's GetMetricData). The Poller decides the window of every
// series from the last point it stored (the marks table), so a restart
// neither writes a point twice nor leaves a gap.
package cloudmetric

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/sample"
	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/cloudtype"
)

// Resource is one cloud resource whose metrics are pulled.
type Resource struct {
	Name   string // the unyo resource's name: the host label of its series
	ID     string // the ARM resource ID or the ARN (label cloud_id)
	Region string
	Type   cloudtype.Type
}

// Query asks for one metric of one resource over [Start, End), both
// aligned to the metric's grain.
type Query struct {
	Resource   *Resource
	Metric     cloudtype.Metric
	Start, End time.Time
}

// Grain is the time grain the query asks for.
func (q Query) Grain() time.Duration { return grainOf(q.Metric) }

// Point is one value a source read; Labels are the metric's split
// dimensions (e.g. connection_name), empty when it is not split.
type Point struct {
	Labels []sample.Label
	TimeMs int64 // the start of the point's time grain, as the provider stamps it
	Value  float64
}

// Result is what a source read for the query at index Query of its input.
type Result struct {
	Query  int
	Points []Point
}

// Stats counts what one Fetch cost, for the self metrics.
type Stats struct {
	Calls     map[string]int // API calls by operation (getBatch, metrics, GetMetricData)
	Metrics   int            // metrics requested: what CloudWatch bills
	Throttles int
	Errors    int
}

func (s *Stats) call(op string, metrics int) {
	if s.Calls == nil {
		s.Calls = map[string]int{}
	}
	s.Calls[op]++
	s.Metrics += metrics
}

// Source reads the points of many queries for one account of its
// provider. It returns what it read even when a later call failed; a
// *ThrottledError among its errors makes the poller leave the account
// alone for a while.
type Source interface {
	Fetch(ctx context.Context, acc *cloudaccount.Account, queries []Query, st *Stats) ([]Result, error)
}

// ThrottledError is the provider asking to slow down (Azure's 429 with
// Retry-After, CloudWatch's Throttling).
type ThrottledError struct {
	RetryAfter time.Duration // 0 when the provider did not say
	Message    string
}

func (e *ThrottledError) Error() string {
	if e.RetryAfter > 0 {
		return fmt.Sprintf("throttled, retry after %s: %s", e.RetryAfter, e.Message)
	}
	return "throttled: " + e.Message
}

// throttled returns the ThrottledError in err, if any.
func throttled(err error) *ThrottledError {
	var t *ThrottledError
	if errors.As(err, &t) {
		return t
	}
	return nil
}

func grainOf(m cloudtype.Metric) time.Duration {
	if m.Grain <= 0 {
		return time.Minute
	}
	return m.Grain
}

// alignDown is t cut down to a multiple of grain since the Unix epoch.
func alignDown(t time.Time, grain time.Duration) time.Time {
	g := grain.Milliseconds()
	ms := t.UnixMilli()
	return time.UnixMilli(ms - ((ms%g)+g)%g).UTC()
}
