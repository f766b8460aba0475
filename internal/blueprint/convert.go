package blueprint

import (
	"time"
)

// ids maps the names the design uses to a tenant's IDs, both ways.
type ids struct {
	services, resources, runbooks, templates map[string]int64
	serviceOf, resourceOf, runbookOf         map[int64]string
	clouds                                   map[string]int64 // cloud accounts, which other kinds name
	cloudName                                map[int64]string
	channels                                 map[string]int64 // the design's channels, which escalation steps name (validate)
	// now is the time the plan (or the validation) is made at, from the
	// planner's clock: what kinds whose form depends on time compare at.
	now time.Time
}

func newIDs() *ids {
	return &ids{
		services: map[string]int64{}, resources: map[string]int64{}, runbooks: map[string]int64{}, templates: map[string]int64{},
		serviceOf: map[int64]string{}, resourceOf: map[int64]string{}, runbookOf: map[int64]string{},
		clouds: map[string]int64{}, cloudName: map[int64]string{}, channels: map[string]int64{},
	}
}

func (x *ids) setService(name string, id int64)  { x.services[name], x.serviceOf[id] = id, name }
func (x *ids) setResource(name string, id int64) { x.resources[name], x.resourceOf[id] = id, name }
func (x *ids) setRunbook(name string, id int64)  { x.runbooks[name], x.runbookOf[id] = id, name }
func (x *ids) setCloud(name string, id int64)    { x.clouds[name], x.cloudName[id] = id, name }

func optID(m map[string]int64, name string) *int64 {
	if name == "" {
		return nil
	}
	id := m[name]
	return &id
}

func optName(m map[int64]string, id *int64) string {
	if id == nil {
		return ""
	}
	return m[*id]
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}
