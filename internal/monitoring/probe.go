package monitoring

import (
	"context"
	"net"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/probe"
)

// Where a check runs.
const (
	FromAgent  = "agent"  // the host's own agent (the default)
	FromServer = "server" // the server, or the resource's collector: for hosts without an agent
)

// Ping defaults and bounds.
const (
	DefaultPingCount = 3
	maxPingCount     = 20
	minPingSpacing   = 100 * time.Millisecond
	maxPingSpacing   = 10 * time.Second
)

// ProbeInterval is how often a server-run check without an interval runs:
// the agent's default, so the alert rule reads it at the same pace.
const ProbeInterval = 15 * time.Second

// FromServer reports whether the server (or a collector) runs the check.
func (c *Check) FromServer() bool { return c.From == FromServer }

// validateFrom checks where the check runs against what can run there.
func (c *Check) validateFrom() error {
	switch c.From {
	case "", FromAgent:
		if c.Type == CheckPing || c.Type == CheckTLS {
			return invalid.New("from", "a %s check runs from the server or a collector: set from to %q", c.Type, FromServer)
		}
	case FromServer:
		if c.Type == CheckDNS {
			return invalid.New("from", "a dns check runs on the host's agent: leave from empty or %q", FromAgent)
		}
	default:
		return invalid.New("from", "must be %q or %q, not %q", FromAgent, FromServer, c.From)
	}
	return nil
}

// validateServer checks the fields of a server-run check once its
// placeholders are filled. HTTP and TCP checks are held to the agent's own
// rules, since the same check code runs them.
func (c *Check) validateServer() error {
	switch c.Type {
	case CheckHTTP, CheckTCP:
		it := &Item{Name: "validate", Kind: KindCheck, Check: c}
		ci, err := it.agentItem()
		if err != nil {
			return err
		}
		// checkAgentItem names the fields check.*: take the prefix off again.
		err = checkAgentItem(KindCheck, ci)
		if e, ok := invalid.As(err); ok {
			return invalid.New(strings.TrimPrefix(e.Field, "check."), "%s", e.Reason)
		}
		return err
	case CheckTLS:
		host, port, err := net.SplitHostPort(c.Address)
		if err != nil || host == "" || port == "" {
			return invalid.New("address", "must be host:port, e.g. vpn.example.com:443, not %q", c.Address)
		}
		if c.TLSDays < 0 {
			return invalid.New("tls_days", "must not be negative")
		}
	case CheckPing:
		if c.Address == "" || strings.ContainsAny(c.Address, "/ :") && net.ParseIP(c.Address) == nil {
			return invalid.New("address", "must be a host name or an IP address, not %q", c.Address)
		}
		if c.Count < 1 || c.Count > maxPingCount {
			return invalid.New("count", "must be between 1 and %d", maxPingCount)
		}
		if c.Spacing != 0 && (c.Spacing.Std() < minPingSpacing || c.Spacing.Std() > maxPingSpacing) {
			return invalid.New("spacing", "must be between %v and %v", minPingSpacing, maxPingSpacing)
		}
	}
	return nil
}

// ProbeTargets lists the server-run checks the server runs itself: those
// of every tenant's resources that are behind no collector.
func (s *Store) ProbeTargets(ctx context.Context) ([]probe.Target, error) {
	return s.ProbeTargetsIn(ctx, Server)
}

// ProbeTargetsIn lists the enabled server-run checks of the resources of
// the scope, resolved (overrides applied, placeholders filled), as a probe
// poller runs them; items with a problem are left out.
func (s *Store) ProbeTargetsIn(ctx context.Context, sc Scope) ([]probe.Target, error) {
	var out []probe.Target
	err := s.EachItem(ctx, sc, []Kind{KindCheck}, func(res *model.Resource, it ResolvedItem) error {
		if it.Check.FromServer() {
			out = append(out, probeTarget(res, &it.Item))
		}
		return nil
	})
	return out, err
}

// probeTarget is the target of a server-run check item resolved on res.
func probeTarget(res *model.Resource, it *Item) probe.Target {
	c := it.Check
	every, timeout := it.probeTiming()
	return probe.Target{
		Tenant: res.TenantID, Host: res.Name, Item: it.Name, Type: c.Type,
		Address: c.Address, URL: c.URL, Method: c.Method, ExpectStatus: c.ExpectStatus, BodyMatch: c.BodyMatch,
		TLSDays: c.TLSDays, Count: c.Count, Spacing: c.Spacing.Std(), Timeout: timeout, Interval: every,
	}
}

// probeTiming is how often a server-run check runs and how long one run may take.
func (it *Item) probeTiming() (every, timeout time.Duration) {
	every = it.Interval.Std()
	if every == 0 {
		every = ProbeInterval
	}
	timeout = it.Check.Timeout.Std()
	if timeout == 0 {
		timeout = min(probe.DefaultTimeout, every)
	}
	return every, timeout
}

// validatePingTime checks that a ping's run has time to send every request
// and hear the last reply: requests not yet sent at the timeout would read
// as lost.
func (it *Item) validatePingTime() error {
	c := it.Check
	if c == nil || !c.FromServer() || c.Type != CheckPing {
		return nil
	}
	spacing := c.Spacing.Std()
	if spacing == 0 {
		spacing = time.Second
	}
	need := time.Duration(c.Count-1)*spacing + time.Second
	if _, timeout := it.probeTiming(); timeout < need {
		return invalid.New("check.timeout", "a ping of %d requests %v apart needs at least %v, has %v: raise check.timeout (and the interval), or lower check.count", c.Count, spacing, need, timeout)
	}
	return nil
}
