package cli

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/unyo-ops/unyo/internal/outbound"
	"github.com/unyo-ops/unyo/internal/probe"
)

// outboundConfig is --outbound-allow: the internal addresses that tenants'
// integrations (webhooks, Slack, Teams, e-mail, ServiceNow) may reach.
type outboundConfig struct {
	allow []string
	set   bool // given on the command line: the environment no longer counts
}

func (c *outboundConfig) flags(fs *flag.FlagSet) {
	if v := os.Getenv("UNYO_OUTBOUND_ALLOW"); v != "" {
		c.allow = []string{v}
	}
	fs.Var(c, "outbound-allow", "CIDR[,CIDR...] of loopback, private or link-local addresses that channels and ServiceNow may connect to; "+
		"everything internal is refused otherwise (repeatable; replaces env UNYO_OUTBOUND_ALLOW)")
}

// String implements flag.Value.
func (c *outboundConfig) String() string { return strings.Join(c.allow, ",") }

// Set implements flag.Value: the first use replaces what the environment
// gave, later uses add to it; an empty value allows nothing more.
func (c *outboundConfig) Set(v string) error {
	if _, err := outbound.ParseAllow(v); err != nil {
		return err
	}
	if !c.set {
		c.allow, c.set = nil, true
	}
	c.allow = append(c.allow, v)
	return nil
}

// policy is the one outbound policy every integration dials through.
func (c *outboundConfig) policy() (*outbound.Policy, error) {
	allow, err := outbound.ParseAllow(c.allow...)
	if err != nil {
		return nil, fmt.Errorf("--outbound-allow (or UNYO_OUTBOUND_ALLOW): %w", err)
	}
	return outbound.New(allow), nil
}

// probeEnvFor narrows the checks run from the server for one tenant: its
// TCP, TLS and HTTP connections and its pings reach internal addresses only
// within --outbound-allow and the tenant's networks.
func probeEnvFor(policy *outbound.Policy, networks outbound.Networks) func(tenant string, env probe.Env) probe.Env {
	return func(tenant string, env probe.Env) probe.Env {
		scoped := policy.ForTenant(tenant, networks)
		env.Dial, env.Permit = scoped.DialContext, scoped.Check
		return env
	}
}
