// Package yearplan makes the yearly operation plan (年間運行計画) that the MSP
// discusses with the customer once a year: for each capacity group, from up
// to a year of its load and instance counts, the load by hour of week and
// during past events, its trend, a forecast of the next twelve months, the
// baseline and event counts it recommends per month for a target
// utilisation, a right-sized instance size with its cost difference, and the
// forecast's back-test error on the group's own history. It renders as HTML
// and A4 PDF in Japanese or English through the report's layout, and hands
// the capacity package next year's draft plan when the customer accepts.
//
// It reads the capacity groups only through Source and the load only
// through LoadSource; the server adapts capacity's store and the TSDB.
package yearplan

import (
	"context"
	"time"

	"github.com/unyo-ops/unyo/internal/forecast"
)

// Group is a capacity group as the plan reads it.
type Group struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// HostSelector names its hosts' series by label matchers, as the
	// capacity group does (role="web"); "" is every host of the tenant.
	HostSelector string  `json:"host_selector"`
	Size         string  `json:"size"`         // instance size: VM SKU or instance type
	HourlyPrice  float64 `json:"hourly_price"` // per instance; 0 when unknown (no cost figures)
	Currency     string  `json:"currency"`     // of HourlyPrice, e.g. JPY, USD
	Min          int     `json:"min"`          // bounds of the count; 0 Max means none
	Max          int     `json:"max"`
	Count        int     `json:"count"` // the count now, for hours without count history
	// LoadQuery is the PromQL of the group's own total load (requests per
	// second...), "" for CPU; LoadUnit names its unit. PerInstance is
	// what one instance serves fully used: with it the plan forecasts and
	// sizes on this load instead of CPU. LoadUnder and LoadOver judge the
	// load per instance of past events (0: no threshold).
	LoadQuery   string  `json:"load_query,omitempty"`
	LoadUnit    string  `json:"load_unit,omitempty"`
	PerInstance float64 `json:"per_instance,omitempty"`
	LoadUnder   float64 `json:"load_under,omitempty"`
	LoadOver    float64 `json:"load_over,omitempty"`
}

// OwnLoad reports whether the plan forecasts g on its own load query
// rather than on CPU: it has one, and the load one instance serves.
func (g Group) OwnLoad() bool { return g.LoadQuery != "" && g.PerInstance > 0 }

// CountChange is the count a group ran from At on.
type CountChange struct {
	At    time.Time
	Count int
}

// Event is a campaign or other known period of different load: past ones
// in the history, upcoming ones in the forecast year.
type Event struct {
	Name       string
	Start, End time.Time
	Count      int     // an agreed count, or 0
	Multiplier float64 // an expected load multiple of baseline, or 0
}

// Source reads the capacity groups of a tenant and their history; the
// capacity store is adapted to it.
type Source interface {
	Groups(ctx context.Context, tenant string) ([]Group, error)
	// Counts lists the count changes of [from, to), with the last one
	// before from first when there is one.
	Counts(ctx context.Context, tenant string, group int64, from, to time.Time) ([]CountChange, error)
	// Events lists the events overlapping [from, to).
	Events(ctx context.Context, tenant string, group int64, from, to time.Time) ([]Event, error)
}

// LoadSource reads the groups' load: the CPU usage in percent, averaged
// over each group's hosts, and the group's own load query when it has
// one, at a regular step (five minutes from the TSDB).
// All groups are read at once: the TSDB is read in one pass per tenant.
type LoadSource interface {
	Load(ctx context.Context, tenant string, groups []Group, from, to time.Time) (map[int64]Load, error)
}

// Load is one group's load series: Values[k] is the CPU of the step that
// starts at Start + k·Step, NaN where no host reported; Query[k] is the
// group's own load query over the same step (nil without one, NaN where
// it has no value).
type Load struct {
	Start  time.Time
	Step   time.Duration
	Values []float64
	Query  []float64
	// QueryError is why the load query could not be read (Query is nil):
	// the group is then planned and judged on CPU, and the documents say so.
	QueryError string
}

// index is the first step of l at or after t (0 before l starts).
func (l Load) index(t time.Time) int {
	if l.Step <= 0 || !t.After(l.Start) {
		return 0
	}
	d := t.Sub(l.Start)
	k := int(d / l.Step)
	if time.Duration(k)*l.Step < d {
		k++
	}
	return k
}

// Options are the choices of one plan.
type Options struct {
	Language string  // ja or en; "" is the tenant's
	Target   float64 // target CPU utilisation in percent; 0 is DefaultTarget
	Sizes    []Size  // the size table; nil takes the group's size family
}

// DefaultTarget is the utilisation the counts are planned for when none is
// given: 60 % leaves room for an hour above its forecast and for the loss
// of an instance.
const DefaultTarget = 60

// Plan is the yearly plan of one tenant.
type Plan struct {
	Tenant      string      `json:"tenant"`
	TenantName  string      `json:"tenant_name"`
	Language    string      `json:"language"`
	TimeZone    string      `json:"time_zone"`
	HistoryFrom time.Time   `json:"history_from"`
	HistoryTo   time.Time   `json:"history_to"`
	YearFrom    time.Time   `json:"year_from"` // the first month planned
	YearTo      time.Time   `json:"year_to"`
	GeneratedAt time.Time   `json:"generated_at"`
	Target      float64     `json:"target"`
	Groups      []GroupPlan `json:"groups"`
}

// GroupPlan is one group's part of the plan. Loads are in instances' worth:
// the sum of the instances' CPU percent over 100, so 2.4 is the work of 2.4
// fully busy instances, whatever their number.
type GroupPlan struct {
	Group        Group                  `json:"group"`
	Note         string                 `json:"note,omitempty"`       // message key when no forecast could be made
	HistoryHours int                    `json:"history_hours"`        // observed hours
	OwnLoad      bool                   `json:"own_load"`             // forecast on the group's load query (in instances' worth of PerInstance), not CPU
	LoadError    string                 `json:"load_error,omitempty"` // why the load query could not be read: planned on CPU
	Seasonal     bool                   `json:"seasonal"`
	Trend        bool                   `json:"trend"`
	TrendMonth   float64                `json:"trend_per_month"` // instances' worth per 30 days
	Week         [forecast.Week]float64 `json:"week"`            // load by hour of week, Sunday 00:00 first, at the end of the history
	Daily        []DayLoad              `json:"daily"`           // past daily peak and the forecast's, for the chart
	PastEvents   []PastEvent            `json:"past_events"`
	Months       []Month                `json:"months"`
	Events       []PlannedEvent         `json:"events"`
	Accuracy     *forecast.Accuracy     `json:"accuracy,omitempty"` // nil: too short a history for a back-test
	Size         SizeAdvice             `json:"size"`
}

// DayLoad is one day's peak hourly load, observed or forecast; a day
// without data is left out.
type DayLoad struct {
	Day      time.Time `json:"day"`
	Load     float64   `json:"load"`
	Forecast bool      `json:"forecast"`
}

// PastEvent is the load a past event met.
type PastEvent struct {
	Name    string    `json:"name"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	CPUP95  float64   `json:"cpu_p95"` // percent, per instance; 0 without samples
	Samples int       `json:"samples"` // load points in the event
	// LoadP95 is the group's own load per instance (the query's value over
	// the count run), LoadSamples its points; 0 without a load query.
	LoadP95     float64 `json:"load_p95,omitempty"`
	LoadSamples int     `json:"load_samples,omitempty"`
	Count       float64 `json:"count"`   // mean count run
	Peak        float64 `json:"peak"`    // peak hourly load, instances' worth
	Uplift      float64 `json:"uplift"`  // mean load over the baseline forecast of the same hours; 0 unknown
	Verdict     string  `json:"verdict"` // under, over or "": by CPU and the group's own load (docs/yearly-plan.md)
}

// Month is the recommended baseline of one month.
type Month struct {
	Month   time.Time `json:"month"`
	Mean    float64   `json:"mean"` // forecast mean load
	Peak    float64   `json:"peak"` // forecast peak hour with its upper band
	Day     int       `json:"day"`
	Night   int       `json:"night"`
	Weekend int       `json:"weekend"`
}

// PlannedEvent is the count recommended for an upcoming event.
type PlannedEvent struct {
	Name       string    `json:"name"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	Multiplier float64   `json:"multiplier"`
	Peak       float64   `json:"peak"`
	Count      int       `json:"count"`
	Agreed     bool      `json:"agreed"` // the count was given, not computed
}
