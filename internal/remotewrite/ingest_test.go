package remotewrite

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
)

// TestIngestInProcess checks the in-process entry the Zabbix poller uses:
// the tenant is forced as over HTTP, the observer is told, and a body the
// HTTP path refuses is refused with the reason.
func TestIngestInProcess(t *testing.T) {
	h, ms := newTestHandler(t, DefaultLimits)
	var seen []string
	h.SetObserver(func(tenant string, lset labels.Labels, _ int64, v float64) {
		seen = append(seen, fmt.Sprintf("%s %s %g", tenant, lset.Get("__name__"), v))
	})
	now := time.Now().UnixMilli()
	body := encode(ts(now, 25.8, "__name__", "zabbix_vfs_fs_size", "host", "web-01", "tenant", "globex"))
	if err := h.Ingest(context.Background(), "acme", body); err != nil {
		t.Fatal(err)
	}
	got := stored(t, ms)
	if got[`{__name__="zabbix_vfs_fs_size", exported_tenant="globex", host="web-01", tenant="acme"}`] != 1 || len(got) != 1 {
		t.Errorf("stored: %v", got)
	}
	if len(seen) != 1 || seen[0] != "acme zabbix_vfs_fs_size 25.8" {
		t.Errorf("observed: %v", seen)
	}
	err := h.Ingest(context.Background(), "acme", []byte("not snappy"))
	if err == nil || !strings.Contains(err.Error(), "400") {
		t.Errorf("a broken body: %v, want a 400", err)
	}
}
