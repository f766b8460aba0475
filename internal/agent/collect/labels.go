// Package collect reads the host: OS metrics named like node_exporter's,
// process presence and service state. Collectors keep their label sets from
// run to run so that a steady host costs few allocations.
package collect

import "github.com/unyo-ops/unyo/internal/agent/sample"

// labelCache keeps label sets by key across runs and forgets the keys a run
// did not use, so devices that come and go do not grow it forever.
type labelCache struct {
	m   map[string]cached
	gen uint64
}

type cached struct {
	labels []sample.Label
	gen    uint64
}

// get returns the label set for key, building it from name, value pairs when
// it is new or its values changed.
func (c *labelCache) get(key string, nameValues ...string) []sample.Label {
	if c.m == nil {
		c.m = map[string]cached{}
	}
	e, ok := c.m[key]
	if !ok || !same(e.labels, nameValues) {
		e.labels = sample.Labels(nameValues...)
	}
	e.gen = c.gen
	c.m[key] = e
	return e.labels
}

func same(ls []sample.Label, nameValues []string) bool {
	if len(ls)*2 != len(nameValues) {
		return false
	}
	for i, l := range ls {
		if l.Name != nameValues[2*i] || l.Value != nameValues[2*i+1] {
			return false
		}
	}
	return true
}

// sweep drops the keys not used since the last sweep.
func (c *labelCache) sweep() {
	for k, e := range c.m {
		if e.gen != c.gen {
			delete(c.m, k)
		}
	}
	c.gen++
}
