package flowlog

import (
	"slices"
	"testing"

	"github.com/unyo-ops/unyo/internal/cloudtype"
)

// TestSeriesAreTheCatalogues holds what the poller writes to the NSG
// entry of the catalogue, which the template and the docs read: the same
// names, the same labels, from this package's source.
func TestSeriesAreTheCatalogues(t *testing.T) {
	want := map[string][]string{
		SeriesFlows:  {labelRule, labelDirection, labelDecision},
		SeriesBytes:  {labelDirection},
		SeriesDenied: {},
	}
	for name, labels := range want {
		ty, m, ok := cloudtype.BySeries(name)
		if !ok || ty.Short != "nsg" || m.Source != cloudtype.SourceNSGFlowLogs {
			t.Errorf("%s: %+v %+v %v", name, ty.Short, m, ok)
			continue
		}
		if !slices.Equal(m.Labels(), labels) {
			t.Errorf("%s: catalogue labels %v, written %v", name, m.Labels(), labels)
		}
	}
	ty, _ := cloudtype.ByShort("nsg")
	if len(ty.Metrics) != len(want) {
		t.Errorf("the catalogue's NSG has %d metrics, the poller writes %d", len(ty.Metrics), len(want))
	}
}
