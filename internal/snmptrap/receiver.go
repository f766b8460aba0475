// Package snmptrap makes SNMP traps alerts on the server: each trap from a
// known device, received by the server's own listener (--snmp-trap-listen)
// or forwarded by a collector that received it in the customer's network,
// is an intake alert of the device's tenant on the device's resource. The
// decoding, and what makes a device known, is internal/snmp/trap's, which
// both the server and a collector run.
package snmptrap

import (
	"context"
	"log/slog"
	"net"
	"net/netip"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/snmp"
	"github.com/unyo-ops/unyo/internal/snmp/trap"
)

// Outcomes of a trap, the outcome label of the trap counter.
const (
	Accepted       = trap.Accepted
	UnknownSender  = trap.UnknownSender
	BadCredentials = trap.BadCredentials
	Ambiguous      = trap.Ambiguous
	Malformed      = trap.Malformed
	NotStored      = trap.NotStored
)

// Intake takes the alerts of one tenant: alert.Engine.Intake.
type Intake func(ctx context.Context, tenant string, signals []alert.Signal) (alert.IntakeResult, error)

// Options configure a Receiver.
type Options struct {
	Listen string // UDP host:port, e.g. 127.0.0.1:9162 (162 needs privileges)
	// Devices lists the snmp items traps are accepted for (the server's
	// own: monitoring.Store.SNMPTargets); called at start, on Reload and
	// every Refresh.
	Devices func(ctx context.Context) ([]snmp.Target, error)
	Intake  Intake
	Refresh time.Duration // 1m when 0
	// Resolve gives the addresses of a device's host name; the system
	// resolver when nil.
	Resolve func(ctx context.Context, host string) ([]netip.Addr, error)
	Logger  *slog.Logger
}

// Receiver is the server's trap listener: accepted traps go to the alert
// pipeline at once.
type Receiver struct {
	*trap.Listener
	counter prometheus.Collector
}

// Listen binds the UDP address, so that a mistake stops the server at
// start, and returns a Receiver; call Run.
func Listen(opts Options) (*Receiver, error) {
	l, err := trap.Listen(trap.Options{Listen: opts.Listen, Devices: opts.Devices, Refresh: opts.Refresh,
		Resolve: opts.Resolve, Logger: opts.Logger,
		Deliver: func(ctx context.Context, t *trap.Trap, _ []byte) error {
			_, err := opts.Intake(ctx, t.Tenant, []alert.Signal{Signal(t, time.Time{})})
			return err
		}})
	if err != nil {
		return nil, err
	}
	return &Receiver{Listener: l, counter: newCounter("unyo_snmp_traps_total",
		"SNMP traps received, by outcome: accepted, or why they were dropped (unknown_sender, bad_credentials, ambiguous, malformed, not_stored).",
		l.Count)}, nil
}

// Addr is the bound address.
func (r *Receiver) Addr() net.Addr { return r.Listener.Addr() }

// Collector is the trap counter, for the server's /metrics.
func (r *Receiver) Collector() prometheus.Collector { return r.counter }

// counter exposes counts by outcome as one counter family.
type counter struct {
	desc  *prometheus.Desc
	count func(outcome string) uint64
}

func newCounter(name, help string, count func(string) uint64) *counter {
	return &counter{desc: prometheus.NewDesc(name, help, []string{"outcome"}, nil), count: count}
}

func (c *counter) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *counter) Collect(ch chan<- prometheus.Metric) {
	for _, o := range trap.Outcomes {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.CounterValue, float64(c.count(o)), o)
	}
}
