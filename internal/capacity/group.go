// Package capacity is operation planning and execution (運行計画・運行管理):
// capacity groups bound to an actuator, their plans as versioned documents
// agreed with the customer, the scheduler that applies each step and
// verifies it, and the records that set the plan against what ran.
package capacity

import (
	"encoding/json"
	"math"
	"regexp"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/report"
)

// Group is a set of interchangeable instances serving one service of a
// tenant, scaled through one actuator.
type Group struct {
	ID           int64           `json:"id"`
	TenantID     string          `json:"tenant"`
	ServiceID    int64           `json:"service_id"`
	Name         string          `json:"name"`
	Kind         string          `json:"kind"`   // the actuator: azure_vmss, aws_asg, kubernetes, command, manual
	Config       json.RawMessage `json:"config"` // the actuator's settings
	AccountID    int64           `json:"account_id,omitempty"`
	HasSecret    bool            `json:"has_secret"` // a sealed secret of the actuator is stored; never returned
	Min          int             `json:"min"`
	Max          int             `json:"max"`
	InstanceSize string          `json:"instance_size"`
	HourlyPrice  *float64        `json:"hourly_price,omitempty"` // per instance, for cost figures
	LoadQuery    string          `json:"load_query"`             // PromQL of the group's total load; "" is the hosts' CPU
	LoadUnit     string          `json:"load_unit"`              // the load's unit for display, e.g. req/s
	// LoadUnder and LoadOver judge the load per instance: a p95 above
	// LoadUnder is under-provisioned, below LoadOver over-provisioned.
	LoadUnder *float64 `json:"load_under,omitempty"`
	LoadOver  *float64 `json:"load_over,omitempty"`
	// LoadPerInstance is the load one instance serves fully used (its
	// 100 %, as 100 % CPU); absent, LoadUnder is taken as its 85 %.
	LoadPerInstance *float64       `json:"load_per_instance,omitempty"`
	HostSelector    string         `json:"host_selector"` // label matchers of the group's hosts, e.g. role="web"
	VerifyWithin    model.Duration `json:"verify_within"` // how long a step may take to reach its count
	CreatedAt       time.Time      `json:"created_at"`
	UpdatedAt       time.Time      `json:"updated_at"`

	secret []byte // sealed
}

// DefaultVerifyWithin is a step's deadline when the group sets none.
const DefaultVerifyWithin = model.Duration(10 * time.Minute)

var selectorRE = regexp.MustCompile(`^\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=|!=|=~|!~)\s*"[^"\\]*"\s*(,\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=|!=|=~|!~)\s*"[^"\\]*"\s*)*$`)

// Validate reports the first field that is not acceptable.
func (g *Group) Validate(kinds map[string]Factory) error {
	if g.Name == "" || len(g.Name) > 200 || strings.ContainsAny(g.Name, "/\n") {
		return invalid.New("name", "is required: at most 200 bytes, no slash or newline")
	}
	if g.ServiceID <= 0 {
		return invalid.New("service_id", "is required")
	}
	if _, ok := kinds[g.Kind]; !ok {
		return invalid.New("kind", "must be one of %s, not %q", strings.Join(kindNames(kinds), ", "), g.Kind)
	}
	if len(g.Config) == 0 {
		g.Config = json.RawMessage("{}")
	}
	var obj map[string]any
	if err := json.Unmarshal(g.Config, &obj); err != nil {
		return invalid.New("config", "must be a JSON object")
	}
	if g.Min < 0 || g.Max < g.Min || g.Max > maxCount || g.Max == 0 {
		return invalid.New("max", "needs 0 <= min <= max, 1 <= max <= %d", maxCount)
	}
	if g.HourlyPrice != nil && (*g.HourlyPrice < 0 || *g.HourlyPrice > 1e6) {
		return invalid.New("hourly_price", "must be from 0 to 1000000")
	}
	if g.HostSelector != "" && !selectorRE.MatchString(g.HostSelector) {
		return invalid.New("host_selector", `must be label matchers such as role="web", env=~"prod|stage"`)
	}
	if len(g.LoadQuery) > 4000 {
		return invalid.New("load_query", "at most 4000 bytes")
	}
	if g.LoadQuery != "" {
		if _, err := promParser.ParseExpr(g.LoadQuery); err != nil {
			return invalid.New("load_query", "is not PromQL: %v", err)
		}
	}
	if err := g.validateLoad(); err != nil {
		return err
	}
	if len(g.InstanceSize) > 200 {
		return invalid.New("instance_size", "at most 200 bytes")
	}
	if g.VerifyWithin == 0 {
		g.VerifyWithin = DefaultVerifyWithin
	}
	if g.VerifyWithin < model.Duration(10*time.Second) || g.VerifyWithin > model.Duration(24*time.Hour) {
		return invalid.New("verify_within", "must be from 10s to 24h")
	}
	return nil
}

// validateLoad checks the load metric's unit and thresholds: they need a
// load query, are positive, and the over-provisioned mark is below the
// under-provisioned one.
func (g *Group) validateLoad() error {
	if len(g.LoadUnit) > 40 || strings.ContainsAny(g.LoadUnit, "\n<>") {
		return invalid.New("load_unit", "at most 40 bytes, no newline or angle bracket")
	}
	for _, f := range []struct {
		name string
		v    *float64
	}{{"load_under", g.LoadUnder}, {"load_over", g.LoadOver}, {"load_per_instance", g.LoadPerInstance}} {
		switch {
		case f.v == nil:
		case g.LoadQuery == "":
			return invalid.New(f.name, "needs a load_query: the CPU thresholds are fixed (%d %% and %d %%)", report.OperationUnderP95, report.OperationOverP95)
		case math.IsNaN(*f.v) || *f.v <= 0 || *f.v > 1e12:
			return invalid.New(f.name, "must be above 0 and at most 1e12")
		}
	}
	if g.LoadUnit != "" && g.LoadQuery == "" {
		return invalid.New("load_unit", "needs a load_query")
	}
	if g.LoadUnder != nil && g.LoadOver != nil && *g.LoadOver >= *g.LoadUnder {
		return invalid.New("load_over", "must be below load_under (%g)", *g.LoadUnder)
	}
	return nil
}

// PerInstance is the load one instance serves fully used, in the load
// query's unit: LoadPerInstance, else LoadUnder as the 85 % mark (the
// CPU's threshold); 0 when the group has neither (or no load query).
func (g *Group) PerInstance() float64 {
	switch {
	case g.LoadQuery == "":
		return 0
	case g.LoadPerInstance != nil:
		return *g.LoadPerInstance
	case g.LoadUnder != nil:
		return *g.LoadUnder * 100 / report.OperationUnderP95
	}
	return 0
}

// Load is the PromQL of the group's load: its own, or the average CPU
// usage in percent of the hosts its selector names.
func (g *Group) Load() string {
	if g.LoadQuery != "" {
		return g.LoadQuery
	}
	sel := `mode="idle"`
	if g.HostSelector != "" {
		sel += "," + g.HostSelector
	}
	return `100 * (1 - avg(rate(node_cpu_seconds_total{` + sel + `}[5m])))`
}

// Hold keeps a group at Count from StartsAt until Until, whatever the plan
// says ("keep 8 until 18:00").
type Hold struct {
	ID         int64      `json:"id"`
	GroupID    int64      `json:"group_id"`
	Count      int        `json:"count"`
	StartsAt   time.Time  `json:"starts_at"`
	Until      time.Time  `json:"until"`
	Reason     string     `json:"reason"`
	Actor      string     `json:"actor"`
	ReleasedAt *time.Time `json:"released_at,omitempty"`
}

// End is when the hold stops holding: its Until, or its release.
func (h Hold) End() time.Time {
	if h.ReleasedAt != nil && h.ReleasedAt.Before(h.Until) {
		return *h.ReleasedAt
	}
	return h.Until
}

// KeepSecret gives g the sealed secret of stored, the same group as read:
// an update built from fields alone (a design's) keeps the stored secret
// when it sets none.
func (g *Group) KeepSecret(stored *Group) { g.secret, g.HasSecret = stored.secret, stored.HasSecret }
