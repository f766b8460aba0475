package metricstore

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"
)

func appendOne(t *testing.T, s *Store, ts int64, v float64, lset ...string) {
	t.Helper()
	app := s.db.Appender(context.Background())
	if _, err := app.Append(0, labels.FromStrings(lset...), ts, v); err != nil {
		t.Fatal(err)
	}
	if err := app.Commit(); err != nil {
		t.Fatal(err)
	}
}

func names(t *testing.T, q storage.Queryable, mint, maxt int64) (names, values []string) {
	t.Helper()
	qr, err := q.Querier(mint, maxt)
	if err != nil {
		t.Fatal(err)
	}
	defer qr.Close()
	values, _, err = qr.LabelValues(context.Background(), labels.MetricName, nil)
	if err != nil {
		t.Fatal(err)
	}
	names, _, err = qr.LabelNames(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return names, values
}

// TestDeleteTenant deletes a tenant's series, then writes as a new tenant
// of the same ID: neither its series nor the names and values of its labels
// reach the new tenant, also after a reopen, and the other tenant keeps its own.
func TestDeleteTenant(t *testing.T) {
	dir := t.TempDir()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := Open(dir, Options{}, logger, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UnixMilli()
	appendOne(t, s, now-1000, 1, "__name__", "old_secret", "owner_label", "x", TenantLabel, "acme")
	appendOne(t, s, now-1000, 2, "__name__", "kept", TenantLabel, "other")
	s.SetMetadata("acme", "old_secret", MetricMetadata{Type: "gauge", Help: "the old owner's secret"})
	if err := s.DeleteTenant(context.Background(), "acme"); err != nil {
		t.Fatal(err)
	}
	appendOne(t, s, now+1000, 3, "__name__", "new_one", TenantLabel, "acme")
	check := func(when string) {
		t.Helper()
		n, v := names(t, s.ForTenant("acme"), now-60_000, now+60_000)
		if !slices.Equal(v, []string{"new_one"}) || slices.Contains(n, "owner_label") {
			t.Errorf("%s: the new acme sees names %v and values %v, want only new_one", when, n, v)
		}
		if _, v := names(t, s.ForTenant("other"), now-60_000, now+60_000); !slices.Equal(v, []string{"kept"}) {
			t.Errorf("%s: the other tenant sees %v, want kept", when, v)
		}
	}
	check("after delete")
	if md := s.Metadata("acme", "", 0, 0); len(md) != 0 {
		t.Errorf("the new acme reads the metadata of the deleted one: %v", md)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = Open(dir, Options{}, logger, nil); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	check("after reopen")
}
