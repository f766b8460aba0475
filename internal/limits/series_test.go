package limits_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"

	"github.com/unyo-ops/unyo/internal/limits"
	"github.com/unyo-ops/unyo/internal/metricstore"
)

// TestSeriesCountedAcrossRestart: the series a tenant had before a restart
// are counted again from the WAL, never refused while it replays, and new
// ones are then refused at the limit, which a lowered override can be under.
func TestSeriesCountedAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	now := time.Now().UnixMilli()
	open := func(e *limits.Enforcer) *metricstore.Store {
		ms, err := metricstore.Open(dir, metricstore.Options{Series: e}, logger, nil)
		if err != nil {
			t.Fatal(err)
		}
		e.Enforce()
		return ms
	}
	write := func(ms *metricstore.Store, name string, ts int64) error {
		app := ms.AppenderV2(context.Background())
		lset := labels.FromStrings("__name__", name, metricstore.TenantLabel, "acme")
		if _, err := app.Append(0, lset, 0, ts, 1, nil, nil, storage.AOptions{}); err != nil {
			app.Rollback()
			return err
		}
		return app.Commit()
	}
	first := limits.New(limits.Limits{MaxSeries: 5}, nil, nil)
	ms := open(first)
	for i := range 5 {
		if err := write(ms, fmt.Sprint("m_", i), now); err != nil {
			t.Fatal(err)
		}
	}
	ms.Close()

	second := limits.New(limits.Limits{MaxSeries: 5}, nil, nil)
	three := 3
	if err := second.SetOverride(context.Background(), "acme", limits.Override{MaxSeries: &three}); err != nil {
		t.Fatal(err)
	}
	ms = open(second)
	defer ms.Close()
	if n := second.ActiveSeries("acme"); n != 5 {
		t.Fatalf("series counted after the WAL replay = %d, want 5", n)
	}
	if err := write(ms, "m_0", now+1000); err != nil {
		t.Fatalf("an existing series over a lowered limit: %v", err)
	}
	var le *limits.Error
	if err := write(ms, "new", now+1000); !errors.As(err, &le) || le.Limit != limits.NameMaxSeries || le.Status != 400 {
		t.Fatalf("a new series over the limit: %v", err)
	}
}
