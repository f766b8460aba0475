package runbook

import (
	"context"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
)

// TestFinderListsItemRunbooks: an item's stored runbook comes rendered and
// sanitised, its URL as a link, each item once; another tenant's runbook
// named by ID is not shown, and a deleted item is skipped.
func TestFinderListsItemRunbooks(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	db := fx.st.DB()
	design := monitoring.NewStore(db, fx.st)
	host := &model.Resource{TenantID: "acme", Name: "web-01", Kind: "host"}
	if err := fx.st.CreateResource(ctx, host); err != nil {
		t.Fatal(err)
	}
	own := &Runbook{TenantID: "acme", Title: "CPU 高負荷", Body: "# 手順\n<script>alert(1)</script>", CreatedBy: "sato"}
	theirs := &Runbook{TenantID: "beta", Title: "beta only", Body: "secret", CreatedBy: "kim"}
	for _, rb := range []*Runbook{own, theirs} {
		if err := fx.store.Create(ctx, rb); err != nil {
			t.Fatal(err)
		}
	}
	item := func(name string, runbookID int64, url string) int64 {
		it := &monitoring.Item{TenantID: "acme", ResourceID: host.ID, Name: name, Kind: monitoring.KindMetric,
			Metric:    &monitoring.Metric{Series: "node_cpu_busy_percent"},
			Threshold: &monitoring.Threshold{Op: ">", Critical: new(90.0)}, RunbookID: runbookID, RunbookURL: url}
		if err := design.CreateItem(ctx, it); err != nil {
			t.Fatal(err)
		}
		return it.ID
	}
	cpu := item("cpu", own.ID, "")
	disk := item("disk", 0, "https://wiki.example/disk")
	leak := item("leak", theirs.ID, "")
	refs, err := NewFinder(design, fx.store).Runbooks(ctx, "acme", []int64{cpu, cpu, disk, leak, 99999})
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) != 2 {
		t.Fatalf("refs %+v, want cpu's stored runbook and disk's link", refs)
	}
	if refs[0].Title != "CPU 高負荷" || !strings.Contains(refs[0].HTML, "<h1>手順</h1>") || strings.Contains(refs[0].HTML, "<script") {
		t.Errorf("stored runbook %+v, want rendered without the script", refs[0])
	}
	if refs[1].URL != "https://wiki.example/disk" || refs[1].ItemID != disk {
		t.Errorf("link %+v", refs[1])
	}
}
