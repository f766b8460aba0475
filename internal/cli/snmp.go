package cli

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"syscall"

	"github.com/unyo-ops/unyo/internal/agent/sender"
	"github.com/unyo-ops/unyo/internal/lease"
	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/outbound"
	"github.com/unyo-ops/unyo/internal/snmp"
	"github.com/unyo-ops/unyo/internal/snmptrap"
)

// snmpConfig is how the server polls SNMP devices (snmp items) and
// receives their traps.
type snmpConfig struct {
	allow       []string
	concurrency int
	trapListen  string
}

func (c *snmpConfig) flags(fs *flag.FlagSet) {
	fs.Func("snmp-allow", "CIDR[,CIDR...] of loopback, private or link-local addresses where the server may poll SNMP devices; "+
		"everything internal is refused otherwise, as for --outbound-allow (repeatable)", func(v string) error {
		if _, err := outbound.ParseAllow(v); err != nil {
			return err
		}
		c.allow = append(c.allow, v)
		return nil
	})
	fs.IntVar(&c.concurrency, "snmp-pollers", 64, "SNMP polls in flight at once")
	fs.StringVar(&c.trapListen, "snmp-trap-listen", "", "UDP address receiving SNMP traps, e.g. 0.0.0.0:162 or 127.0.0.1:9162; off when empty. "+
		"Traps are accepted from the devices of snmp items, with their community or v3 user (docs/snmp.md)")
}

// snmpPoller polls the snmp items of the resources behind no collector,
// within the policy: public addresses, internal ones only in --snmp-allow
// and in the tenant's networks; the samples take the agents' remote-write
// path.
func (a *app) snmpPoller(c snmpConfig, logger *slog.Logger) error {
	allow, err := outbound.ParseAllow(c.allow...)
	if err != nil {
		return fmt.Errorf("--snmp-allow: %w", err)
	}
	policy := outbound.New(allow)
	a.snmpPoll = snmp.New(snmp.Options{
		Targets: a.design.SNMPTargets, Sink: sender.RemoteWrite(a.write.Ingest),
		Dialer: policy.Dialer(), Concurrency: c.concurrency, Owns: a.leases.Shard(lease.Polls), Refresh: pollRefresh(), Logger: logger,
		ControlFor: snmpControlFor(policy, a.networks),
	})
	a.design.OnChange(a.snmpPoll.Reload)
	if c.trapListen == "" {
		return nil
	}
	a.snmpTraps, err = snmptrap.Listen(snmptrap.Options{
		Listen: c.trapListen, Devices: a.design.SNMPTargets, Intake: a.alerts.Intake, Logger: logger.With("part", "traps"),
	})
	if err != nil {
		return fmt.Errorf("--snmp-trap-listen: %w", err)
	}
	a.reg.MustRegister(a.snmpTraps.Collector())
	a.design.OnChange(a.snmpTraps.Reload)
	logger.Info("receiving SNMP traps", "listen", a.snmpTraps.Addr().String())
	return nil
}

// snmpControlFor vets the sockets of one tenant's SNMP devices: internal
// addresses only within --snmp-allow and the tenant's networks.
func snmpControlFor(policy *outbound.Policy, networks outbound.Networks) func(tenant string) func(network, address string, c syscall.RawConn) error {
	return func(tenant string) func(network, address string, c syscall.RawConn) error {
		return policy.ForTenant(tenant, networks).Control
	}
}

// collectorDevices are the snmp items of the tenant's resources behind the
// collector name: the devices whose traps that collector may forward.
func (a *app) collectorDevices(ctx context.Context, tenant, name string) ([]snmp.Target, error) {
	return a.design.SNMPTargetsIn(ctx, monitoring.Scope{Tenant: tenant, Collector: name})
}
