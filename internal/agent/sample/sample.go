// Package sample holds what the agent produces: metric samples and log events,
// and the Emitter that collectors and sources hand them to.
package sample

import (
	"context"
	"time"
)

// Label is one name/value pair of a series.
type Label struct {
	Name, Value string
}

// Sample is one value of one series at one time. Labels exclude the metric
// name and the host labels, which the sender adds once for every series.
type Sample struct {
	Name   string
	Labels []Label
	Value  float64
	TimeMs int64 // milliseconds since the Unix epoch
}

// Event is one log line matched by a pattern; its JSON form is what the
// server's events endpoint takes.
type Event struct {
	Time     time.Time         `json:"time"`
	Host     string            `json:"host"`
	Source   string            `json:"source"`
	Item     string            `json:"item"`
	Severity string            `json:"severity"`
	Pattern  string            `json:"pattern"`
	Message  string            `json:"message"`
	Labels   map[string]string `json:"labels,omitempty"`
}

// Emitter takes samples and events from a collector or source. It is safe for
// concurrent use and does not keep the slices it is given, but it may keep the
// Labels slices inside them: collectors share label sets across runs to stay
// cheap, so a label set must never change once emitted.
type Emitter interface {
	EmitSamples(samples []Sample)
	EmitEvents(events []Event)
}

// Flusher is implemented by an Emitter that can make durable what it was
// given: Flush returns once everything emitted before the call is stored,
// or says what could not be. A source calls it before it records how far
// it has read, so that nothing is marked read before it is stored.
type Flusher interface {
	Flush() error
}

// Labels builds a label set from name, value pairs; a lone trailing name is ignored.
func Labels(nameValues ...string) []Label {
	ls := make([]Label, 0, len(nameValues)/2)
	for i := 0; i+1 < len(nameValues); i += 2 {
		ls = append(ls, Label{Name: nameValues[i], Value: nameValues[i+1]})
	}
	return ls
}

// Sink takes the samples one poller made for one host of one tenant: the
// server's pollers (Zabbix agents, SNMP, ping and port checks) and a
// collector's hand theirs to one. It is called from one goroutine at a time.
type Sink func(ctx context.Context, tenant, host string, samples []Sample) error
