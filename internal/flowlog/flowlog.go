// Package flowlog counts the flows of a tenant's Azure network security
// groups from their flow logs, the only place Azure keeps rule hits: NSG
// flow logs (v1 and v2) and their successor, VNet flow logs, which Azure
// writes to a storage account as one block blob per hour and NIC,
// appending a record a minute. Every minute the Poller lists the blobs of
// the hours still open, reads with a Range only the bytes appended since
// the last complete record it read, counts the tuples by their own minute,
// and writes each minute once it is final (Delay old) as the series of the
// cloudtype catalogue's NSG entry, through a sample.Sink under
// host="<the NSG resource's name>", so the NSG's items and alerts apply.
//
// The blob offsets, the counts of the minutes still open and the
// counters' totals are kept in the database and moved together after the
// sink took the samples (Marks): a restart neither counts a flow twice nor
// skips one, and the counters carry on from where they were.
package flowlog

import (
	"sort"
	"strings"

	"github.com/unyo-ops/unyo/internal/agent/sample"
)

// The series written per NSG: the catalogue's (cloudtype, nsg).
const (
	// SeriesFlows counts flows by rule, direction and decision.
	SeriesFlows = "azure_nsg_flows_total"
	// SeriesBytes counts the bytes of the flows by direction, both ways.
	SeriesBytes = "azure_nsg_flow_bytes_total"
	// SeriesDenied is the denied flows of each minute.
	SeriesDenied = "azure_nsg_denied_flows"
)

// maxKeys bounds the label sets of one NSG's flow counter: a rule beyond
// it counts as rule="other", so a blob cannot flood the tenant's series.
const maxKeys = 512

// The labels of SeriesFlows.
const (
	labelRule      = "rule"
	labelDirection = "direction"
	labelDecision  = "decision"
)

// maxRuleLen bounds a rule name taken into a label.
const maxRuleLen = 128

// flowKey is the labels of one flow counter, joined.
func flowKey(f Flow) string {
	rule := f.Rule
	if rule == "" {
		rule = "unknown"
	}
	if len(rule) > maxRuleLen {
		rule = rule[:maxRuleLen]
	}
	return rule + "\x00" + f.Direction + "\x00" + f.Decision
}

// keyLabels splits a flowKey into its labels.
func keyLabels(k string) []sample.Label {
	p := strings.SplitN(k, "\x00", 3)
	for len(p) < 3 {
		p = append(p, "")
	}
	return []sample.Label{{Name: labelDecision, Value: p[2]}, {Name: labelDirection, Value: p[1]}, {Name: labelRule, Value: p[0]}}
}

// add counts f in b; known tells whether a flowKey already counts
// somewhere, to keep to maxKeys.
func (b *bucket) add(f Flow, keys map[string]bool) {
	if f.Begins {
		k := flowKey(f)
		if !keys[k] {
			if len(keys) >= maxKeys {
				k = "other\x00" + f.Direction + "\x00" + f.Decision
			}
			keys[k] = true
		}
		if b.Flows == nil {
			b.Flows = map[string]int64{}
		}
		b.Flows[k]++
		if f.Decision == Denied {
			b.Denied++
		}
	}
	if f.Bytes > 0 {
		if b.Bytes == nil {
			b.Bytes = map[string]int64{}
		}
		b.Bytes[f.Direction] += f.Bytes
	}
}

// sortedKeys returns m's keys in order.
func sortedKeys(m map[string]int64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
