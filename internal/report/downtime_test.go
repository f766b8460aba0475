package report

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"

	"github.com/unyo-ops/unyo/internal/metricstore"
	"github.com/unyo-ops/unyo/internal/model"
)

// TestCheckDowntimeGivesAvailability: web-01 of ECサイト fails its check for
// the 30 minutes after 10:00 on 1 November; beta's failing check and a check
// of a host outside every service count for nothing.
func TestCheckDowntimeGivesAvailability(t *testing.T) {
	f := newFixtureFrom(t, []string{"acme"}, 0, fromNov, time.Minute)
	ctx := context.Background()
	svcs, err := f.db.Services(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	var ec int64
	for _, s := range svcs {
		if s.Name == "ECサイト" {
			ec = s.ID
		}
	}
	for _, r := range []*model.Resource{{TenantID: "acme", Name: "web-01", Kind: "host", ServiceID: &ec}, {TenantID: "acme", Name: "lab-01", Kind: "host"}} {
		if err := f.db.CreateResource(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	app := f.metrics.AppenderV2(ctx)
	refs := map[string]storage.SeriesRef{}
	outage := func(ts time.Time) bool { return ts.After(at(1, 10, 0)) && !ts.After(at(1, 10, 30)) }
	for ts := fromNov; ts.Before(at(3, 0, 0)); ts = ts.Add(time.Minute) {
		for _, s := range []struct {
			tenant, host string
			up           float64
		}{{"acme", "web-01", 1}, {"acme", "lab-01", 0}, {"beta", "web-01", 0}} {
			up := s.up
			if s.tenant == "acme" && s.host == "web-01" && outage(ts) {
				up = 0
			}
			ls := labels.FromStrings("__name__", "unyo_check_up", metricstore.TenantLabel, s.tenant, "host", s.host, "item", "shop-https")
			ref, err := app.Append(refs[s.tenant+s.host], ls, 0, ts.UnixMilli(), up, nil, nil, storage.AOptions{})
			if err != nil {
				t.Fatal(err)
			}
			refs[s.tenant+s.host] = ref
		}
	}
	if err := app.Commit(); err != nil {
		t.Fatal(err)
	}
	src := Sources{Tenants: f.db, Metrics: f.src.Metrics, Downtime: CheckDowntime{Metrics: f.src.Metrics, Resources: f.db}}
	down, err := src.Downtime.Downtime(ctx, "acme", fromNov, at(3, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if len(down) != 1 || down[0].Service != "ECサイト" || !down[0].Start.Equal(at(1, 10, 0)) || !down[0].End.Equal(at(1, 10, 30)) {
		t.Fatalf("downtime: got %+v, want ECサイト 10:00–10:30 on 1 November", down)
	}
	r, err := NewGenerator(src, nil).Generate(ctx, "acme", fromNov, at(3, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range r.Summary.Services {
		want := map[string]float64{"ECサイト": 98.958, "API": 100}[a.Service] // 1 − 30/2880
		if a.Percent != want {
			t.Errorf("%s: %.3f%%, want %.3f%%", a.Service, a.Percent, want)
		}
	}
}

// failingServices is a tenant source whose services cannot be read, as when
// the board's request is cancelled or the database fails.
type failingServices struct{ TenantSource }

func (failingServices) Services(context.Context, string) ([]*model.Service, error) {
	return nil, context.Canceled
}

// TestAvailabilityFailsWithoutPanicking: the board's availability, when the
// tenant's services cannot be read, is an error for the board to show as
// unavailable. It panicked (a nil map of section notes) at 5,000 simulated
// hosts when a view was cancelled.
func TestAvailabilityFailsWithoutPanicking(t *testing.T) {
	f := newFixtureFrom(t, []string{"acme"}, 0, fromNov, time.Minute)
	for _, down := range []DowntimeSource{nil, CheckDowntime{Metrics: f.src.Metrics, Resources: f.db}} {
		g := NewGenerator(Sources{Tenants: failingServices{f.db}, Metrics: f.src.Metrics, Downtime: down}, nil)
		got, err := g.Availability(context.Background(), "acme", fromNov, at(3, 0, 0))
		if err == nil || got != nil {
			t.Fatalf("downtime source %T: got %v, %v; want no figures and the services' error", down, got, err)
		}
	}
}
