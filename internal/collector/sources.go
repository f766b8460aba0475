package collector

import (
	"context"
	"crypto/tls"
	"log/slog"

	"github.com/unyo-ops/unyo/internal/agent/sample"
	"github.com/unyo-ops/unyo/internal/zabbix/poll"
)

// Poller is what a Source runs: the shape every poller of unyo has (the
// Zabbix poller, and the SNMP and probe pollers alike).
type Poller interface {
	Run(ctx context.Context) error
	Reload() // list the targets again now: the server's answer changed
}

// Source is one kind of poller a collector runs from its field of Targets.
type Source struct {
	Kind  string             // the kind label of unyo_collector_targets
	Count func(*Targets) int // how many targets of the kind the answer holds
	New   func(targets func() *Targets, sink sample.Sink, logger *slog.Logger) Poller
}

// Sources are the pollers a collector with opts runs: one per kind of target.
//
// A new kind (SNMP, ping and port checks) adds its field to Targets and an
// entry here, built like zabbixSource: its poller's Options with Targets
// reading the field, Sink the collector's, and its own settings from opts.
func Sources(opts Options) []Source {
	return []Source{zabbixSource(opts.ZabbixTLS)}
}

// zabbixSource polls Zabbix agents; tlsConfig is for items with tls (nil:
// those are not polled, and the poller says so).
func zabbixSource(tlsConfig *tls.Config) Source {
	return Source{
		Kind:  "zabbix",
		Count: func(t *Targets) int { return len(t.Zabbix) },
		New: func(targets func() *Targets, sink sample.Sink, logger *slog.Logger) Poller {
			return poll.New(poll.Options{
				Targets: func(context.Context) ([]poll.Target, error) {
					list := targets().Zabbix
					out := make([]poll.Target, len(list))
					for i, t := range list {
						// The tenant is the collector's token's, whatever is written here.
						out[i] = t.PollTarget("")
					}
					return out, nil
				},
				Sink: sink, Logger: logger, TLS: tlsConfig,
			})
		},
	}
}

// countTargets is the number of targets of every kind, for logs.
func (c *Collector) countTargets() int {
	t, n := c.targets.Load(), 0
	for _, s := range c.sources {
		n += s.Count(t)
	}
	return n
}
