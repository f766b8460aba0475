package snmptrap

import (
	"net/netip"

	"github.com/prometheus/client_golang/prometheus"
)

// Counter is the trap counter of one outcome, for the tests.
func Counter(r *Receiver, outcome string) prometheus.Collector {
	return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "unyo_snmp_traps_total", ConstLabels: prometheus.Labels{"outcome": outcome}},
		func() float64 { return float64(r.Count(outcome)) })
}

// MustAddr parses an address for the tests.
func MustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }
