package change

import (
	"encoding/json"
	"testing"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// FuzzFields: any body a client sends either is refused with an input
// error or gives fields that keep the rules a window relies on.
func FuzzFields(f *testing.F) {
	f.Add(`{"type":"normal","title":"patch","risk":"low","resource_ids":[1],"start":"2026-12-01T01:00:00Z","end":"2026-12-01T03:00:00Z"}`)
	f.Add(`{"type":"standard","title":"x","risk":"high","catalog_item_id":3,"selector":{"env":"prod"},"start":"2026-12-01T01:00:00+09:00","end":"2026-12-15T01:00:00+09:00"}`)
	f.Add(`{"type":"emergency","title":" ","risk":"medium","selector":{"":"x"}}`)
	f.Fuzz(func(t *testing.T, body string) {
		var in Fields
		if json.Unmarshal([]byte(body), &in) != nil {
			return
		}
		if err := in.validate(); err != nil {
			if _, ok := invalid.As(err); !ok {
				t.Fatalf("refused without naming a field: %v", err)
			}
			return
		}
		if !in.End.After(in.Start) || in.End.Sub(in.Start) > maxSchedule || in.Title == "" ||
			(len(in.ResourceIDs) == 0 && len(in.Selector) == 0) || (in.Type == TypeStandard) != (in.CatalogItemID > 0) {
			t.Fatalf("accepted %+v", in)
		}
	})
}
